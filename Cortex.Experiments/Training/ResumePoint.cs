using Cortex.Experiments.Checkpoints;

namespace Cortex.Experiments.Training;

/// <summary>
/// A checkpoint a run continues from, with what it continues with: <see cref="Changes"/> are the differences from
/// the checkpoint's settings the user allowed, <see cref="Notes"/> anything else the run folder's history should say.
/// </summary>
public sealed record ResumePoint(Checkpoint Checkpoint, IReadOnlyList<string> Changes, IReadOnlyList<string> Notes);
