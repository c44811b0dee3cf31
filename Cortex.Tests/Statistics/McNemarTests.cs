using Cortex.Experiments.Statistics;

namespace Cortex.Tests.Statistics;

public sealed class McNemarTests
{
    [TestCase(3, 0, 0.25)]          // n = 3: 2 · P[X ≤ 0] = 2 · 1/8
    [TestCase(0, 3, 0.25)]          // the test is symmetric in A and B
    [TestCase(5, 1, 0.21875)]       // n = 6: 2 · (1 + 6)/64 = 14/64
    [TestCase(10, 2, 0.03857421875)] // n = 12: 2 · (1 + 12 + 66)/4096 = 158/4096
    [TestCase(2, 2, 1.0)]           // tie, n = 4: 2 · (1 + 4 + 6)/16 = 1.375, capped at 1
    [TestCase(1, 1, 1.0)]           // tie, n = 2: 2 · 3/4 = 1.5, capped at 1
    [TestCase(7, 6, 1.0)]           // n = 13: 2 · P[X ≤ 6] = 2 · 0.5 = 1 exactly (symmetric binomial)
    [TestCase(0, 0, 1.0)]           // no discordant image: no evidence either way
    [TestCase(0, 20, 1.9073486328125e-6)] // 2 · 2⁻²⁰
    public void ExactPValueMatchesTheBinomialByHand(int b, int c, double expected)
    {
        var test = McNemarTest.Exact(b, c, images: 100);
        Assert.That(test.PValue, Is.EqualTo(expected).Within(1e-12 + 1e-9 * expected));
        Assert.That((test.B, test.C, test.Images), Is.EqualTo(((long)b, (long)c, 100L)));
    }

    [Test]
    public void CountsComeFromPerImageCorrectness()
    {
        // A right, B wrong at images 0, 2, 5 (b = 3); B right, A wrong at image 3 (c = 1); images 1 and 4 agree.
        // n = 4: p = 2 · (1 + 4)/16 = 0.625; difference = 100 · (3 − 1)/6 = 33.33 points.
        bool[] a = [true, true, true, false, false, true];
        bool[] b = [false, true, false, true, false, false];
        var test = McNemarTest.Of(a, b);
        Assert.That((test.B, test.C, test.Images), Is.EqualTo((3L, 1L, 6L)));
        Assert.That(test.PValue, Is.EqualTo(0.625).Within(1e-12));
        Assert.That(test.DifferencePoints, Is.EqualTo(100.0 * 2 / 6).Within(1e-12));
        Assert.That(McNemarTest.Of(b, a).DifferencePoints, Is.EqualTo(-100.0 * 2 / 6).Within(1e-12));
        Assert.Throws<ArgumentException>(() => McNemarTest.Of(a, b.AsSpan(1)));
    }

    [Test]
    public void PoolingSumsTheDiscordantCountsOfTheSeedPairs()
    {
        // seed 1: b = 3, c = 0 of 10 images; seed 2: b = 2, c = 1 of 10. Pooled: b = 5, c = 1 of 20 →
        // p = 0.21875 (as above); difference = 100 · 4/20 = 20 points.
        var pooled = McNemarTest.Pool([McNemarTest.Exact(3, 0, 10), McNemarTest.Exact(2, 1, 10)]);
        Assert.That((pooled.B, pooled.C, pooled.Images), Is.EqualTo((5L, 1L, 20L)));
        Assert.That(pooled.PValue, Is.EqualTo(0.21875).Within(1e-12));
        Assert.That(pooled.DifferencePoints, Is.EqualTo(20).Within(1e-12));
        Assert.Throws<ArgumentException>(() => McNemarTest.Pool([]));
    }

    [Test]
    public void PooledDifferenceHasTheWaldIntervalOfPairedProportions()
    {
        // b = 5, c = 1, n = 20: d = 0.2; var = ((b + c)/n − d²)/n = (0.3 − 0.04)/20 = 0.013, SE = 0.1140175;
        // z(0.975) = 1.959964 → half-width 1.959964 · 0.1140175 = 0.2234703 → [−2.34703, 42.34703] points.
        var difference = PooledDifference.Of(McNemarTest.Exact(5, 1, 20));
        Assert.That(difference.Points, Is.EqualTo(20).Within(1e-12));
        Assert.That(difference.Interval.Lower, Is.EqualTo(-2.34703).Within(1e-4));
        Assert.That(difference.Interval.Upper, Is.EqualTo(42.34703).Within(1e-4));
        Assert.That(difference.Pairs, Is.EqualTo(20));
        var none = PooledDifference.Of(McNemarTest.Exact(0, 0, 50));
        Assert.That((none.Points, none.Interval.Lower, none.Interval.Upper), Is.EqualTo((0.0, 0.0, 0.0)), "no discordant pair: no difference and no spread");
    }

    [Test]
    public void ImpossibleCountsAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => McNemarTest.Exact(-1, 0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => McNemarTest.Exact(6, 5, 10));
    }
}
