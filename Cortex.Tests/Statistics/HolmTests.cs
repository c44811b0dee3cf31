using Cortex.Experiments.Statistics;

namespace Cortex.Tests.Statistics;

public sealed class HolmTests
{
    [Test]
    public void StepDownAdjustsInTheOriginalOrder()
    {
        // sorted 0.01, 0.03, 0.04 (m = 3): 3 · 0.01 = 0.03; max(0.03, 2 · 0.03) = 0.06; max(0.06, 1 · 0.04) = 0.06.
        Assert.That(Holm.Adjust([0.01, 0.04, 0.03]), Is.EqualTo(new[] { 0.03, 0.06, 0.06 }).Within(1e-15));
    }

    [Test]
    public void AdjustedValuesAreCappedAtOne()
    {
        // m = 2: 2 · 0.5 = 1.0; max(1.0, 0.6) = 1.0.
        Assert.That(Holm.Adjust([0.6, 0.5]), Is.EqualTo(new[] { 1.0, 1.0 }));
        Assert.That(Holm.Adjust([0.02]), Is.EqualTo(new[] { 0.02 }), "a family of one is not adjusted");
        Assert.That(Holm.Adjust([]), Is.Empty);
    }

    [Test]
    public void TiedValuesGetTheSameAdjustment()
    {
        // sorted 0.02, 0.02, 0.5: 3 · 0.02 = 0.06; max(0.06, 2 · 0.02) = 0.06; max(0.06, 0.5) = 0.5.
        Assert.That(Holm.Adjust([0.5, 0.02, 0.02]), Is.EqualTo(new[] { 0.5, 0.06, 0.06 }).Within(1e-15));
    }

    [Test]
    public void AdjustmentIsMonotoneAndNeverBelowTheRawValue()
    {
        var random = new Random(19);
        double[] p = Enumerable.Range(0, 19).Select(_ => Math.Pow(random.NextDouble(), 3)).ToArray();
        double[] adjusted = Holm.Adjust(p);
        for (int i = 0; i < p.Length; i++)
        {
            Assert.That(adjusted[i], Is.GreaterThanOrEqualTo(p[i]).And.LessThanOrEqualTo(1));
            for (int j = 0; j < p.Length; j++)
                if (p[i] < p[j]) Assert.That(adjusted[i], Is.LessThanOrEqualTo(adjusted[j]), $"p[{i}] < p[{j}] but its adjusted value is larger");
        }
        Assert.Throws<ArgumentException>(() => Holm.Adjust([0.1, 1.5]));
    }
}
