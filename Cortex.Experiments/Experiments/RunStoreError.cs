namespace Cortex.Experiments.Experiments;

/// <summary>A run store that cannot be used as asked; the message names the folder and the problem.</summary>
/// <param name="message">The folder and the problem.</param>
/// <param name="inner">The underlying error, if any.</param>
public sealed class RunStoreError(string message, Exception? inner = null) : Exception(message, inner);
