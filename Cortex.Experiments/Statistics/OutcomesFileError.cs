namespace Cortex.Experiments.Statistics;

/// <summary>A per-image outcomes file that cannot be written or read; the message names the file and what is wrong.</summary>
/// <param name="message">The file and the problem.</param>
/// <param name="inner">The underlying error, if any.</param>
public sealed class OutcomesFileError(string message, Exception? inner = null) : Exception(message, inner);
