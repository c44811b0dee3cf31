namespace Cortex.Experiments.Reports;

/// <summary>A run folder that cannot be made, opened or written: the message names the folder (or the option that named it) and why.</summary>
public sealed class RunFolderError(string message, Exception? inner = null) : Exception(message, inner);
