using Cortex.Experiments.Data;
using Cortex.Experiments.Training;

namespace Cortex.Tests.Training;

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
    public void GradientMatchesFiniteDifferences()
    {
        const int steps = 3, batch = 2, classes = 10;
        var random = new Random(4);
        var logits = new float[steps * batch * classes];
        for (int i = 0; i < logits.Length; i++) logits[i] = (float)(random.NextDouble() * 4 - 2);
        int[] labels = [3, 8];
        var (fine, coarse) = LossSchedule.CoarseToFine.WeightsFor(steps);
        var groups = DatasetKind.FashionMnist.Coarse;
        var grad = new float[logits.Length];
        ScheduledLoss.Compute(logits, steps, batch, classes, labels, fine, coarse, groups, grad);
        var scratch = new float[logits.Length];
        for (int i = 0; i < logits.Length; i++)
        {
            float keep = logits[i];
            logits[i] = keep + 1e-2f;
            double plus = ScheduledLoss.Compute(logits, steps, batch, classes, labels, fine, coarse, groups, scratch);
            logits[i] = keep - 1e-2f;
            double minus = ScheduledLoss.Compute(logits, steps, batch, classes, labels, fine, coarse, groups, scratch);
            logits[i] = keep;
            Assert.That(grad[i], Is.EqualTo((plus - minus) / 2e-2).Within(2e-4), $"logit {i}");
        }
    }

    [Test]
    public void CoarseLossByHand()
    {
        // one step, one image, all-equal logits: p = 1/10 each; label 0 (T-shirt) is in "tops" with 3 others, so
        // the coarse group has probability 4/10 and CE_coarse = −log 0.4.
        var logits = new float[10];
        var grad = new float[10];
        double loss = ScheduledLoss.Compute(logits, 1, 1, 10, [0], [0.0], [1.0], DatasetKind.FashionMnist.Coarse, grad);
        Assert.That(loss, Is.EqualTo(-Math.Log(0.4)).Within(1e-12));
        // ∂/∂z_c = p_c − [c ∈ G]·p_c / P_G: members 0.1 − 0.25 = −0.15, others 0.1
        Assert.That(grad[2], Is.EqualTo(-0.15f).Within(1e-7));
        Assert.That(grad[1], Is.EqualTo(0.1f).Within(1e-7));
    }
}
