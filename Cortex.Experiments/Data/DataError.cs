namespace Cortex.Experiments.Data;

/// <summary>
/// A data file or folder that cannot be used: missing, truncated, corrupted, or inconsistent. The message
/// names the file and says what was found and what was expected; the command line prints it as one line.
/// </summary>
public sealed class DataError(string message, Exception? inner = null) : Exception(message, inner);
