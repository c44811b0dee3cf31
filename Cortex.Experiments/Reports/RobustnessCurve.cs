namespace Cortex.Experiments.Reports;

/// <summary>An arm's accuracy against the level of a stimulus manipulation (occlusion, noise, clutter), at one readout step.</summary>
/// <param name="Arm">The arm's name.</param>
/// <param name="Readout">The readout.</param>
/// <param name="Step">The read step the accuracies are taken at.</param>
/// <param name="Stimulus">What is varied, as the axis label says it (e.g. "occlusion (fraction of the image)").</param>
/// <param name="Points">One point per level, in increasing level.</param>
public sealed record RobustnessCurve(string Arm, string Readout, int Step, string Stimulus, IReadOnlyList<RobustnessPoint> Points);
