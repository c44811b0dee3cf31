using Cortex.Experiments.Similarity;

namespace Cortex.Tests.Similarity;

/// <summary>RDMs and their comparisons on cases small enough to work out by hand.</summary>
public sealed class RdmTests
{
    [Test]
    public void CorrelationDistanceByHand()
    {
        // Centred: p0 → (−1, 0, 1), p1 → (1, 0, −1), p2 → (−1, 1, 0); each has norm √2.
        // r01 = −2/2 = −1 → d = 2;  r02 = 1/2 → d = 0.5;  r12 = −1/2 → d = 1.5.
        var rdm = Rdm.CorrelationDistance([1, 2, 3, 3, 2, 1, 1, 3, 2], ["0", "1", "2"]);
        Assert.That(rdm.ToMatrix(), Is.EqualTo(new double[] { 0, 2, 0.5, 2, 0, 1.5, 0.5, 1.5, 0 }).Within(1e-12));
        Assert.That(rdm.UpperTriangle(), Is.EqualTo(new[] { 2, 0.5, 1.5 }).Within(1e-12));
    }

    [Test]
    public void TwoUnitsGiveOnlyPerfectCorrelations()
    {
        // With 2 units every centred pattern is ±(a, −a): r = ±1, so d is 0 or 2 (a check on sign and scale invariance).
        var rdm = Rdm.CorrelationDistance([0, 1, 5, 2, 3, 3.5f, 10, -10], ["a", "b", "c", "d"]);
        Assert.That(rdm.UpperTriangle(), Is.EqualTo(new double[] { 2, 0, 2, 2, 0, 2 }).Within(1e-12));
    }

    [Test]
    public void PatternsWithoutVarianceHaveNoDistance()
    {
        var rdm = Rdm.CorrelationDistance([1, 2, 3, 4, 4, 4, 3, 1, 2], ["0", "1", "2"]);
        Assert.That(rdm[0, 1], Is.NaN);
        Assert.That(rdm[1, 2], Is.NaN);
        Assert.That(rdm[1, 1], Is.NaN);
        Assert.That(rdm[0, 2], Is.EqualTo(1 - (-1 * 1 + 0 + 1 * 0) / 2.0).Within(1e-12));   // (−1,0,1)·(1,−1,0)/2 = −1/2
        var other = Rdm.CorrelationDistance([1, 2, 3, 3, 2, 1, 1, 3, 2], ["0", "1", "2"]);
        Assert.That(RdmComparison.Of(rdm, other), Is.EqualTo(new RdmComparison(double.NaN, double.NaN)));
    }

    [Test]
    public void ClassAveragedByHand()
    {
        // Classes 0: images 0 and 2 → mean (2, 3, 4); 1: images 1 and 3 → (2, 2, 1); 2: image 4 → (0, 0, 1).
        // Centred: c0 = (−1, 0, 1), c1 = (1, 1, −2)/3, c2 = (−1, −1, 2)/3 = −c1. ‖c0‖ = √2, ‖c1‖ = √6/3.
        // r(c0, c1) = (−1/3 − 2/3) / (√2·√6/3) = −√3/2 → d = 1 + √3/2; r(c0, c2) = +√3/2; r(c1, c2) = −1 → d = 2.
        float[] patterns = [1, 2, 3, 3, 2, 1, 3, 4, 5, 1, 2, 1, 0, 0, 1];
        var rdm = Rdm.ClassAveraged(patterns, [0, 1, 0, 1, 2], ["zero", "one", "two", "unused"]);
        Assert.That(rdm.Conditions, Is.EqualTo(new[] { "zero", "one", "two" }));
        double h = Math.Sqrt(3) / 2;
        Assert.That(rdm.UpperTriangle(), Is.EqualTo(new[] { 1 + h, 1 - h, 2 }).Within(1e-7));
    }

    [Test]
    public void SpearmanAndKendallByHandWithTies()
    {
        // x = (1, 2, 2, 3), y = (1, 3, 2, 2). Pairs: (0,1) (0,2) (0,3) concordant; (1,2) tied in x; (1,3) discordant; (2,3) tied in y.
        // τ_A = (3 − 1) / 6 = 1/3 (τ_B would be 2/√(5·5) = 0.4).
        // Ranks x = (1, 2.5, 2.5, 4), y = (1, 4, 2.5, 2.5); deviations (−1.5, 0, 0, 1.5) and (−1.5, 1.5, 0, 0): ρ = 2.25/4.5 = 0.5.
        double[] x = [1, 2, 2, 3], y = [1, 3, 2, 2];
        Assert.That(KendallTau.TauA(x, y), Is.EqualTo(1.0 / 3).Within(1e-12));
        Assert.That(KendallTau.TauA(y, x), Is.EqualTo(1.0 / 3).Within(1e-12));
        Assert.That(RdmComparison.Spearman(x, y), Is.EqualTo(0.5).Within(1e-12));
        Assert.That(KendallTau.TauA(x, x), Is.EqualTo(5.0 / 6).Within(1e-12), "the pair tied in x counts as neither: τ_A < 1");
        Assert.That(KendallTau.TauA(x, [3, 2, 2, 1]), Is.EqualTo(-5.0 / 6).Within(1e-12));
        Assert.That(KendallTau.TauA([1, 1, 1], [1, 2, 3]), Is.EqualTo(0));
        Assert.That(KendallTau.TauA([1, double.NaN], [1, 2]), Is.NaN);
    }

    [Test]
    public void ComparisonUsesTheUpperTriangle()
    {
        // a: the hand-computed RDM above, upper triangle (2, 0.5, 1.5); b: upper triangle (1, 0.2, 0.2).
        // τ_A: (0,1) and (0,2) concordant, (1,2) tied in b: 2/3. Ranks a = (3, 1, 2), b = (3, 1.5, 1.5);
        // deviations (1, −1, 0) and (1, −0.5, −0.5): ρ = 1.5 / √(2 · 1.5) = √3/2.
        var a = Rdm.CorrelationDistance([1, 2, 3, 3, 2, 1, 1, 3, 2], ["0", "1", "2"]);
        var b = new Rdm(["0", "1", "2"], [0, 1, 0.2, 1, 0, 0.2, 0.2, 0.2, 0]);
        var comparison = RdmComparison.Of(a, b);
        Assert.That(comparison.KendallTauA, Is.EqualTo(2.0 / 3).Within(1e-12));
        Assert.That(comparison.SpearmanRho, Is.EqualTo(Math.Sqrt(3) / 2).Within(1e-12));
        Assert.That(() => new Rdm(["0", "1"], [0, 1, 2, 0]), Throws.ArgumentException.With.Message.Contains("not symmetric"));
    }

    [Test]
    public void ComparingDifferentConditionsIsAnError()
    {
        var a = Rdm.CorrelationDistance([1, 2, 3, 3, 2, 1, 1, 3, 2], ["0", "1", "2"]);
        var b = Rdm.CorrelationDistance([1, 2, 3, 3, 2, 1, 1, 3, 2], ["0", "1", "5"]);
        Assert.That(() => RdmComparison.Of(a, b), Throws.ArgumentException.With.Message.Contains("different conditions"));
    }
}
