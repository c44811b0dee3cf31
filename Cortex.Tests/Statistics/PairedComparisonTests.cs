using Cortex.Experiments.Statistics;

namespace Cortex.Tests.Statistics;

public sealed class PairedComparisonTests
{
    /// <summary>Correctness of 10 images: the first <paramref name="right"/> correct.</summary>
    private static bool[] FirstCorrect(int right) => Enumerable.Range(0, 10).Select(i => i < right).ToArray();

    [Test]
    public void OneStepOverThreeSeeds()
    {
        // B gets images 0–4 right on every seed; A gets 0–5, 0–6, 0–7: b = 1, 2, 3 and c = 0.
        // Differences 10, 20, 30 points: mean 20, s = 10, half-width 4.302653 · 10/√3 = 24.841377.
        // Pooled: b = 6, c = 0 → p = 2 · 2⁻⁶ = 0.03125; pooled difference 100 · 6/30 = 20 points.
        var comparison = PairedComparison.AtStep(4, 4, [1, 2, 3],
            [FirstCorrect(6), FirstCorrect(7), FirstCorrect(8)], [FirstCorrect(5), FirstCorrect(5), FirstCorrect(5)]);
        Assert.That(comparison.PerSeed.Select(s => (s.Seed, s.Test.B, s.Test.C)), Is.EqualTo(new[] { (1, 1L, 0L), (2, 2L, 0L), (3, 3L, 0L) }));
        Assert.That(comparison.PerSeed[0].Test.PValue, Is.EqualTo(1.0).Within(1e-12), "b = 1, c = 0: 2 · 1/2 = 1");
        Assert.That(comparison.PerSeed[2].Test.PValue, Is.EqualTo(0.25).Within(1e-12));
        Assert.That(comparison.Pooled.PValue, Is.EqualTo(0.03125).Within(1e-12));
        Assert.That(comparison.AdjustedP, Is.EqualTo(comparison.Pooled.PValue));
        Assert.That(comparison.DifferencePoints.Mean, Is.EqualTo(20).Within(1e-10));
        Assert.That(comparison.DifferencePoints.Interval!.Value.HalfWidth, Is.EqualTo(24.841377).Within(1e-5));
        Assert.That(comparison.PooledDifference.Points, Is.EqualTo(20).Within(1e-10));
        Assert.That(comparison.Seeds, Is.EqualTo(new[] { 1, 2, 3 }));
    }

    [Test]
    public void OneSeedHasAPValueButNoIntervalOverSeeds()
    {
        var comparison = PairedComparison.AtStep(1, 1, [7], [FirstCorrect(9)], [FirstCorrect(5)]);
        Assert.That(comparison.Pooled.PValue, Is.EqualTo(0.125).Within(1e-12), "b = 4, c = 0: 2 · 1/16");
        Assert.That(comparison.DifferencePoints.Mean, Is.EqualTo(40).Within(1e-10));
        Assert.That(comparison.DifferencePoints.HasInterval, Is.False);
        Assert.Throws<ArgumentException>(() => PairedComparison.AtStep(1, 1, [1, 1], [FirstCorrect(9), FirstCorrect(9)], [FirstCorrect(5), FirstCorrect(5)]));
        Assert.Throws<ArgumentException>(() => PairedComparison.AtStep(1, 1, [1], [FirstCorrect(9)], [new bool[3]]));
    }

    /// <summary>A run of one readout "IT" over 10 images (labels i mod 2), steps 1 and 2: image i is right at step s when i &lt; right[s − 1].</summary>
    private static SeedOutcomes Run(int seed, int rightAtStep1, int rightAtStep2, string readout = "IT")
    {
        var labels = Enumerable.Range(0, 10).Select(i => i % 2).ToArray();
        var outcomes = new ReadoutOutcomes(readout, 2, [1, 2], labels);
        for (int i = 0; i < 10; i++)
        {
            outcomes.Set(1, i, i < rightAtStep1 ? labels[i] : 1 - labels[i], 0.7);
            outcomes.Set(2, i, i < rightAtStep2 ? labels[i] : 1 - labels[i], 0.9);
        }
        return new SeedOutcomes(seed, new PerImageOutcomes([outcomes]));
    }

    [Test]
    public void AcrossStepsPairsSeedsByNumberAndAdjustsOverSteps()
    {
        // A has seeds 1, 2, 3 and B seeds 3, 2 (in that order): seeds 2 and 3 are paired.
        // Step 1: A right on 0–8 (both seeds), B on 0–4 → b = 4 + 4 = 8, c = 0 → p = 2 · 2⁻⁸ = 0.0078125.
        // Step 2: A right on 0–6 and 0–5, B on 0–4 → b = 2 + 1 = 3, c = 0 → p = 0.25.
        // Holm over the 2 steps: 2 · 0.0078125 = 0.015625; max(0.015625, 1 · 0.25) = 0.25.
        SeedOutcomes[] a = [Run(1, 1, 1), Run(2, 9, 7), Run(3, 9, 6)];
        SeedOutcomes[] b = [Run(3, 5, 5), Run(2, 5, 5)];
        var steps = PairedComparison.AcrossSteps(a, "IT", b, "IT");
        Assert.That(steps.Select(s => s.StepA), Is.EqualTo(new[] { 1, 2 }));
        Assert.That(steps[0].Seeds, Is.EqualTo(new[] { 2, 3 }));
        Assert.That((steps[0].Pooled.B, steps[0].Pooled.C), Is.EqualTo((8L, 0L)));
        Assert.That(steps[0].Pooled.PValue, Is.EqualTo(0.0078125).Within(1e-12));
        Assert.That(steps[1].Pooled.PValue, Is.EqualTo(0.25).Within(1e-12));
        Assert.That(steps[0].AdjustedP, Is.EqualTo(0.015625).Within(1e-12));
        Assert.That(steps[1].AdjustedP, Is.EqualTo(0.25).Within(1e-12));
        Assert.That(steps[1].DifferencePoints.Mean, Is.EqualTo(15).Within(1e-10), "(20 + 10)/2 points");
    }

    [Test]
    public void StepsCanBePairedExplicitlyAcrossReadouts()
    {
        // A's step 2 against B's step 1, readout "IT" against "head": b = 2, c = 0 for one seed → p = 0.5.
        var steps = PairedComparison.AcrossSteps([Run(1, 5, 7)], "IT", [Run(1, 5, 5, readout: "head")], "head", [new StepPair(2, 1)]);
        Assert.That(steps.Single().Pooled.PValue, Is.EqualTo(0.5).Within(1e-12));
        Assert.That((steps.Single().StepA, steps.Single().StepB), Is.EqualTo((2, 1)));
    }

    [Test]
    public void DifferentTestImagesOrMissingPartsAreErrors()
    {
        var other = new ReadoutOutcomes("IT", 2, [1, 2], Enumerable.Range(0, 10).Select(i => (i + 1) % 2).ToArray());
        var message = Assert.Throws<ArgumentException>(() =>
            PairedComparison.AcrossSteps([Run(1, 5, 5)], "IT", [new SeedOutcomes(1, new PerImageOutcomes([other]))], "IT"))!.Message;
        Assert.That(message, Does.Contain("seed 1").And.Contain("not scored on the same test images").And.Contain("different labels"));
        Assert.That(Assert.Throws<ArgumentException>(() => PairedComparison.AcrossSteps([Run(1, 5, 5)], "IT", [Run(2, 5, 5)], "IT"))!.Message,
            Does.Contain("share no seed"));
        Assert.That(Assert.Throws<ArgumentException>(() => PairedComparison.AcrossSteps([Run(1, 5, 5)], "V4", [Run(1, 5, 5)], "IT"))!.Message,
            Does.Contain("no readout 'V4'"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => PairedComparison.AcrossSteps([Run(1, 5, 5)], "IT", [Run(1, 5, 5)], "IT", [new StepPair(3, 3)]))!.Message,
            Does.Contain("does not read at step 3"));
    }
}
