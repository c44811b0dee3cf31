using MathNet.Numerics.Distributions;

namespace Cortex.Experiments.Statistics;

/// <summary>
/// The exact McNemar test between two classifiers A and B scored on the same images. Only the discordant
/// images count: <see cref="B"/> that A gets right and B wrong, <see cref="C"/> that B gets right and A wrong.
/// Under the null hypothesis (A and B equally accurate on these images) each discordant image goes either way
/// with probability ½, so given b + c, b ~ Binomial(b + c, ½), and the two-sided exact p-value is
/// min(1, 2·P[X ≤ min(b, c)]) with X ~ Binomial(b + c, ½); with no discordant image (b + c = 0) p = 1.
/// </summary>
/// <param name="B">Images A classifies correctly and B does not.</param>
/// <param name="C">Images B classifies correctly and A does not.</param>
/// <param name="Images">Image pairs compared (concordant ones included), for the difference in accuracy.</param>
/// <param name="PValue">The two-sided exact p-value.</param>
public sealed record McNemarTest(long B, long C, long Images, double PValue)
{
    /// <summary>A's accuracy minus B's on these images, in percentage points: 100·(b − c)/images.</summary>
    public double DifferencePoints => Images == 0 ? 0 : 100.0 * (B - C) / Images;

    /// <summary>The exact test from the discordant counts <paramref name="b"/> and <paramref name="c"/> of <paramref name="images"/> paired images.</summary>
    public static McNemarTest Exact(long b, long c, long images)
    {
        if (b < 0 || c < 0) throw new ArgumentOutOfRangeException(nameof(b), $"discordant counts cannot be negative, got b = {b}, c = {c}");
        if (images < b + c) throw new ArgumentOutOfRangeException(nameof(images), $"{images} images cannot hold b + c = {b + c} discordant ones");
        long n = b + c;
        if (n == 0) return new McNemarTest(b, c, images, 1);
        if (n > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(b), $"b + c = {n} exceeds the binomial's range");
        double p = Math.Min(1, 2 * Binomial.CDF(0.5, (int)n, Math.Min(b, c)));
        return new McNemarTest(b, c, images, p);
    }

    /// <summary>The exact test from per-image correctness: <paramref name="correctA"/>[i] and <paramref name="correctB"/>[i] say whether A and B classify image i correctly.</summary>
    public static McNemarTest Of(ReadOnlySpan<bool> correctA, ReadOnlySpan<bool> correctB)
    {
        if (correctA.Length != correctB.Length)
            throw new ArgumentException($"a paired test needs the same images: A has {correctA.Length}, B has {correctB.Length}");
        long b = 0, c = 0;
        for (int i = 0; i < correctA.Length; i++)
        {
            if (correctA[i] && !correctB[i]) b++;
            else if (correctB[i] && !correctA[i]) c++;
        }
        return Exact(b, c, correctA.Length);
    }

    /// <summary>
    /// The pooled test over seed pairs: the discordant counts (and images) of the pairs are summed and tested
    /// exactly. Under the null hypothesis, with the pairs independent, each pair's b given its b + c is
    /// Binomial(b + c, ½), so the sum is Binomial(Σ(b + c), ½): this is the exact stratified McNemar test. It
    /// treats every (seed, image) pair as its own trial — see docs/experiments.md for what that assumes.
    /// </summary>
    public static McNemarTest Pool(IEnumerable<McNemarTest> seedPairs)
    {
        ArgumentNullException.ThrowIfNull(seedPairs);
        long b = 0, c = 0, images = 0;
        int count = 0;
        foreach (var test in seedPairs)
        {
            (b, c, images) = (b + test.B, c + test.C, images + test.Images);
            count++;
        }
        if (count == 0) throw new ArgumentException("a pooled test needs at least one seed pair", nameof(seedPairs));
        return Exact(b, c, images);
    }
}
