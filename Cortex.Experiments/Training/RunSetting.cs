namespace Cortex.Experiments.Training;

/// <summary>
/// One setting a checkpoint records so that a resume can continue exactly: its key in the checkpoint's properties,
/// the flag that sets it, its value as text, and how a recorded text is put back into the options (null for what only
/// the data decides, such as its fingerprint).
/// </summary>
public sealed record RunSetting(string Key, string Flag, Func<TrainingOptions, string?> Value, Func<TrainingOptions, string, TrainingOptions>? Apply);
