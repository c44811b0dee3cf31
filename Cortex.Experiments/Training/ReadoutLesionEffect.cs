using Cortex.Experiments.Statistics;

namespace Cortex.Experiments.Training;

/// <summary>
/// A lesion's effect on one readout: at each read step the paired comparison of intact (A) against lesioned (B) —
/// discordant counts, the exact McNemar p, its Holm-adjusted value over the readout's steps, and the difference in
/// points, intact − lesioned (positive when the lesion hurts).
/// </summary>
/// <param name="Readout">The readout's name.</param>
/// <param name="Steps">One comparison per read step, in step order.</param>
public sealed record ReadoutLesionEffect(string Readout, IReadOnlyList<StepComparison> Steps);
