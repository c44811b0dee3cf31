using Cortex.Connectivity.Lesions;

namespace Cortex.Experiments.Training;

/// <summary>A network evaluated intact and lesioned on the same images, and the paired tests between the two.</summary>
/// <param name="Lesions">The lesions, applied together.</param>
/// <param name="Silenced">What they silenced in this network: each projection and its steps.</param>
/// <param name="Intact">The intact network's evaluation.</param>
/// <param name="Lesioned">The lesioned network's evaluation, on the same images.</param>
/// <param name="Readouts">Per readout, the paired test at each read step (A intact, B lesioned).</param>
public sealed record LesionResult(IReadOnlyList<Lesion> Lesions, IReadOnlyList<SilencedProjection> Silenced, EvaluationResult Intact, EvaluationResult Lesioned,
    IReadOnlyList<ReadoutLesionEffect> Readouts);
