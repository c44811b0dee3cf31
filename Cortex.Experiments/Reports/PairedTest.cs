using Cortex.Experiments.Statistics;

namespace Cortex.Experiments.Reports;

/// <summary>A paired test the report makes: arm A's readout against arm B's at one step (see <see cref="PairedComparison"/>).</summary>
/// <param name="ArmA">A's name (the intact arm, for a lesion).</param>
/// <param name="ReadoutA">A's readout.</param>
/// <param name="ArmB">B's name (the lesioned arm, for a lesion).</param>
/// <param name="ReadoutB">B's readout.</param>
/// <param name="Result">The tests and effect sizes at this step.</param>
/// <param name="Kind">A comparison between arms, or a lesion effect.</param>
public sealed record PairedTest(string ArmA, string ReadoutA, string ArmB, string ReadoutB, StepComparison Result, PairedTestKind Kind = PairedTestKind.Comparison)
{
    /// <summary>The tests of <paramref name="steps"/> (one comparison across steps, as <see cref="PairedComparison.AcrossSteps(IReadOnlyList{SeedOutcomes}, string, IReadOnlyList{SeedOutcomes}, string, double)"/> gives them).</summary>
    public static IReadOnlyList<PairedTest> Of(string armA, string readoutA, string armB, string readoutB, IEnumerable<StepComparison> steps,
        PairedTestKind kind = PairedTestKind.Comparison) =>
        steps.Select(step => new PairedTest(armA, readoutA, armB, readoutB, step, kind)).ToArray();
}
