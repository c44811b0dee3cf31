namespace Cortex.Experiments.Checkpoints;

/// <summary>A checkpoint that cannot be written, read or used; the message names the file and the problem.</summary>
public sealed class CheckpointError(string message, Exception? inner = null) : Exception(message, inner);
