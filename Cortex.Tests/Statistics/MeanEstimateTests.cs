using Cortex.Experiments.Statistics;

namespace Cortex.Tests.Statistics;

public sealed class MeanEstimateTests
{
    [Test]
    public void ThreeSeedsGiveTheStudentTInterval()
    {
        // mean = (0.80 + 0.82 + 0.84)/3 = 0.82; s² = (0.02² + 0 + 0.02²)/2 = 0.0004, s = 0.02;
        // t(0.975, 2 df) = 4.302653; half-width = 4.302653 · 0.02 / √3 = 0.049683.
        var estimate = MeanEstimate.OfAccuracies([0.80, 0.82, 0.84]);
        Assert.That(estimate.Count, Is.EqualTo(3));
        Assert.That(estimate.Mean, Is.EqualTo(0.82).Within(1e-12));
        Assert.That(estimate.StandardDeviation, Is.EqualTo(0.02).Within(1e-12));
        Assert.That(estimate.HasInterval, Is.True);
        var interval = estimate.Interval!.Value;
        Assert.That(interval.HalfWidth, Is.EqualTo(0.049683).Within(1e-6));
        Assert.That(interval.Lower, Is.EqualTo(0.82 - 0.049683).Within(1e-6));
        Assert.That(interval.Upper, Is.EqualTo(0.82 + 0.049683).Within(1e-6));
        Assert.That(interval.Level, Is.EqualTo(0.95));
    }

    [Test]
    public void TwoSeedsUseOneDegreeOfFreedom()
    {
        // mean 0.6; s = √((0.1² + 0.1²)/1) = 0.141421; t(0.975, 1 df) = 12.706205;
        // half-width = 12.706205 · 0.141421 / √2 = 12.706205 · 0.1 = 1.2706205 (not clipped to [0, 1]).
        var estimate = MeanEstimate.OfAccuracies([0.5, 0.7]);
        Assert.That(estimate.Interval!.Value.HalfWidth, Is.EqualTo(1.2706205).Within(1e-6));
        Assert.That(estimate.Interval!.Value.Upper, Is.EqualTo(1.8706205).Within(1e-6));
    }

    [Test]
    public void NinetyPercentLevelUsesItsOwnQuantile()
    {
        // t(0.95, 2 df) = 2.919986; half-width = 2.919986 · 0.02 / √3 = 0.033717.
        var estimate = MeanEstimate.Of([0.80, 0.82, 0.84], level: 0.90);
        Assert.That(estimate.Interval!.Value.HalfWidth, Is.EqualTo(0.033717).Within(1e-6));
        Assert.That(estimate.Interval!.Value.Level, Is.EqualTo(0.90));
    }

    [Test]
    public void OneSeedHasNoIntervalRatherThanNaN()
    {
        var estimate = MeanEstimate.OfAccuracies([0.9]);
        Assert.That(estimate.Count, Is.EqualTo(1));
        Assert.That(estimate.Mean, Is.EqualTo(0.9));
        Assert.That(estimate.StandardDeviation, Is.Null);
        Assert.That(estimate.Interval, Is.Null);
        Assert.That(estimate.HasInterval, Is.False);
    }

    [Test]
    public void IdenticalSeedsGiveAZeroWidthInterval()
    {
        var estimate = MeanEstimate.OfAccuracies([0.75, 0.75, 0.75, 0.75]);
        Assert.That(estimate.StandardDeviation, Is.Zero);
        Assert.That(estimate.Interval!.Value.Lower, Is.EqualTo(0.75));
        Assert.That(estimate.Interval!.Value.Upper, Is.EqualTo(0.75));
    }

    [Test]
    public void ScalingToPointsScalesEveryPart()
    {
        var points = MeanEstimate.OfAccuracies([0.80, 0.82, 0.84]).Scaled(100);
        Assert.That(points.Mean, Is.EqualTo(82).Within(1e-10));
        Assert.That(points.StandardDeviation, Is.EqualTo(2).Within(1e-10));
        Assert.That(points.Interval!.Value.HalfWidth, Is.EqualTo(4.9683).Within(1e-4));
        Assert.That(MeanEstimate.Of([3.0]).Scaled(100).Interval, Is.Null);
    }

    [Test]
    public void BadValuesAreRefused()
    {
        Assert.Throws<ArgumentException>(() => MeanEstimate.Of([]));
        Assert.That(Assert.Throws<ArgumentException>(() => MeanEstimate.Of([0.5, double.NaN]))!.Message, Does.Contain("value 1 is NaN"));
        Assert.That(Assert.Throws<ArgumentException>(() => MeanEstimate.OfAccuracies([0.5, 82.0]))!.Message, Does.Contain("fractions in [0, 1]"));
        Assert.Throws<ArgumentOutOfRangeException>(() => MeanEstimate.Of([0.5, 0.6], level: 1.0));
    }
}
