using Cortex.Experiments.Similarity;

namespace Cortex.Tests.Similarity;

public sealed class KendallTauTests
{
    /// <summary>τ_A by its definition: every pair, O(m²).</summary>
    private static double Reference(double[] x, double[] y)
    {
        long s = 0;
        for (int i = 0; i < x.Length; i++)
            for (int j = i + 1; j < x.Length; j++)
                s += Math.Sign(x[i] - x[j]) * Math.Sign(y[i] - y[j]);
        return (double)s / (x.Length * (x.Length - 1L) / 2);
    }

    [TestCase(2, 3, 1)]
    [TestCase(7, 2, 2)]
    [TestCase(19, 4, 3)]
    [TestCase(300, 6, 4)]
    [TestCase(1001, 1000, 5)]
    public void MergeSortCountMatchesEveryPairCounted(int m, int levels, int seed)
    {
        // Values drawn from few levels make many ties in x, in y and in both.
        var random = new Random(seed);
        double[] x = [.. Enumerable.Range(0, m).Select(_ => (double)random.Next(levels))];
        double[] y = [.. Enumerable.Range(0, m).Select(i => random.NextDouble() < 0.5 ? x[i] : random.Next(levels))];
        Assert.That(KendallTau.TauA(x, y), Is.EqualTo(Reference(x, y)).Within(1e-12));
    }
}
