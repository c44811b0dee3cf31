using Cortex.Experiments.Statistics;

namespace Cortex.Tests.Statistics;

public sealed class EarlyExitTests
{
    /// <summary>
    /// Four images (labels 0, 1, 2, 0) read at steps 1–3; (predicted class, confidence):
    /// image 0: (0, 0.6) (0, 0.95) (0, 0.99); image 1: (0, 0.4) (1, 0.7) (1, 0.92);
    /// image 2: (2, 0.3) (1, 0.45) (1, 0.6); image 3: (1, 0.55) (0, 0.8) (0, 0.97).
    /// </summary>
    private static ReadoutOutcomes Readout(IReadOnlyList<int>? steps = null)
    {
        var readout = new ReadoutOutcomes("IT", 3, steps ?? [1, 2, 3], [0, 1, 2, 0]);
        (int, double)[][] byImage =
        [
            [(0, 0.6), (0, 0.95), (0, 0.99)],
            [(0, 0.4), (1, 0.7), (1, 0.92)],
            [(2, 0.3), (1, 0.45), (1, 0.6)],
            [(1, 0.55), (0, 0.8), (0, 0.97)],
        ];
        for (int n = 0; n < 4; n++)
            for (int s = 0; s < 3; s++)
                readout.Set(readout.Steps[s], n, byImage[n][s].Item1, byImage[n][s].Item2);
        return readout;
    }

    [Test]
    public void EachImageStopsAtTheFirstConfidentStep()
    {
        // Threshold 0.5: stops at steps 1, 2, 3 (never), 1; correct: yes, yes, no, no → accuracy 0.5;
        //   mean step (1 + 2 + 3 + 1)/4 = 1.75; MACs (100 + 250 + 450 + 100)/4 = 225.
        // Threshold 0.9: stops at 2, 3, 3 (never), 3; correct: yes, yes, no, yes → 0.75;
        //   mean step (2 + 3 + 3 + 3)/4 = 2.75; MACs (250 + 450 + 450 + 450)/4 = 400.
        // Threshold 0.6 is reached by image 0's 0.6 at step 1 (≥, compared in single precision) and image 2's at step 3.
        var points = EarlyExit.Evaluate(Readout(), [0.5, 0.9, 0.6], [100, 250, 450]);
        Assert.That(points[0], Is.EqualTo(new SpeedAccuracyPoint(0.5, 0.5, 1.75, 225)));
        Assert.That(points[1], Is.EqualTo(new SpeedAccuracyPoint(0.9, 0.75, 2.75, 400)));
        // 0.6: stops at 1, 2, 3, 2 → correct yes, yes, no, yes → 0.75; steps 8/4 = 2; MACs (100 + 250 + 450 + 250)/4 = 262.5.
        Assert.That(points[2], Is.EqualTo(new SpeedAccuracyPoint(0.6, 0.75, 2, 262.5)));
    }

    [Test]
    public void ReadStepsIndexTheMacsByStepNumber()
    {
        // Read steps 2, 4, 6 of a 6-step network; through-step MACs 10, 20, …, 60. Threshold 0.9 stops at 4, 6, 6, 6:
        // mean step 22/4 = 5.5, MACs (40 + 60 + 60 + 60)/4 = 55.
        var point = EarlyExit.Evaluate(Readout([2, 4, 6]), [0.9], EarlyExit.Cumulative([10, 10, 10, 10, 10, 10])).Single();
        Assert.That((point.MeanStep, point.MeanMacsPerImage, point.Accuracy), Is.EqualTo((5.5, 55.0, 0.75)));
    }

    [Test]
    public void CumulativeMacsAreRunningSums()
    {
        Assert.That(EarlyExit.Cumulative([100, 150, 200]), Is.EqualTo(new long[] { 100, 250, 450 }));
        Assert.Throws<ArgumentException>(() => EarlyExit.Cumulative([100, -1]));
    }

    [Test]
    public void MacsMustCoverTheLastStepAndNeverDecrease()
    {
        Assert.That(Assert.Throws<ArgumentException>(() => EarlyExit.Evaluate(Readout(), [0.5], [100, 250]))!.Message,
            Does.Contain("up to step 3").And.Contain("2 steps"));
        Assert.That(Assert.Throws<ArgumentException>(() => EarlyExit.Evaluate(Readout(), [0.5], [100, 250, 200]))!.Message,
            Does.Contain("non-decreasing"));
    }

    [Test]
    public void SeedsAreSummarisedThresholdByThreshold()
    {
        // Accuracy at 0.5 over the two seeds: 0.5 and 0.75 → mean 0.625; MACs 225 and 325 → mean 275.
        var seed1 = EarlyExit.Evaluate(Readout(), [0.5], [100, 250, 450]);
        IReadOnlyList<SpeedAccuracyPoint> seed2 = [new SpeedAccuracyPoint(0.5, 0.75, 2, 325)];
        var summary = EarlyExit.OverSeeds([seed1, seed2]).Single();
        Assert.That(summary.Threshold, Is.EqualTo(0.5));
        Assert.That(summary.Accuracy.Mean, Is.EqualTo(0.625));
        Assert.That(summary.MeanMacsPerImage.Mean, Is.EqualTo(275));
        Assert.That(summary.MeanStep.Mean, Is.EqualTo(1.875));
        Assert.That(summary.Accuracy.Count, Is.EqualTo(2));
        Assert.Throws<ArgumentException>(() => EarlyExit.OverSeeds([seed1, [new SpeedAccuracyPoint(0.9, 0.75, 2, 325)]]));
    }
}
