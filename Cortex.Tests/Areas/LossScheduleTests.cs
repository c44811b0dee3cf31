using Cortex.Areas.Readouts;

namespace Cortex.Tests.Areas;

public sealed class LossScheduleTests
{
    [Test]
    public void WeightsByPlacement()
    {
        Assert.That(LossSchedule.Final.WeightsFor(4).Fine, Is.EqualTo(new[] { 0, 0, 0, 1.0 }));
        Assert.That(LossSchedule.EveryStep.WeightsFor(4).Fine, Is.EqualTo(new[] { 0.25, 0.25, 0.25, 0.25 }));
        Assert.That(LossSchedule.Parse("every-step:1,1,2").WeightsFor(3).Fine, Is.EqualTo(new[] { 0.25, 0.25, 0.5 }));
        // coarse-to-fine over 3 steps: λ = 0, ½, 1 of equal weights ⅓
        var (fine, coarse) = LossSchedule.CoarseToFine.WeightsFor(3);
        Assert.That(fine, Is.EqualTo(new[] { 0, 1 / 6.0, 1 / 3.0 }).Within(1e-15));
        Assert.That(coarse, Is.EqualTo(new[] { 1 / 3.0, 1 / 6.0, 0 }).Within(1e-15));
    }

    [TestCase("sometimes")]
    [TestCase("every-step:1,x")]
    [TestCase("every-step:0,0")]
    public void BadSchedulesAreRejected(string text)
    {
        var e = Assert.Throws<ArgumentException>(() => LossSchedule.Parse(text));
        Assert.That(e!.Message, Does.Contain(text.Split(':')[0]));
    }

    [Test]
    public void AReadoutsShareScalesItsWeights()
    {
        var (fine, coarse) = LossSchedule.EveryStep.WeightsFor(2, share: 0.5);
        Assert.That(fine, Is.EqualTo(new[] { 0.25, 0.25 }));
        Assert.That(coarse, Is.EqualTo(new[] { 0.0, 0.0 }));
    }
}
