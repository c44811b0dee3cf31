using Cortex.Experiments.Statistics;

namespace Cortex.Experiments.Reports;

/// <summary>An arm's confidence-threshold early exit over seeds: one point per threshold.</summary>
/// <param name="Arm">The arm's name.</param>
/// <param name="Readout">The readout whose steps (or heads) images exit at.</param>
/// <param name="Points">The operating points, by threshold (<see cref="EarlyExit.OverSeeds"/>).</param>
public sealed record SpeedAccuracyCurve(string Arm, string Readout, IReadOnlyList<SpeedAccuracySummary> Points);
