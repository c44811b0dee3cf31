using Cortex.Experiments.Reports;
using Cortex.Experiments.Statistics;

namespace Cortex.Tests.Reports;

/// <summary>A small experiment summary with numbers chosen by hand (the tests that use it work out what it must report).</summary>
public static class ExperimentSamples
{
    /// <summary>Correctness of 10 images for A and B: A alone right on the first <paramref name="b"/>, B alone on the next <paramref name="c"/>, both right on the rest.</summary>
    public static (bool[] A, bool[] B) Discordant(int b, int c)
    {
        bool[] a = Enumerable.Range(0, 10).Select(i => i < b || i >= b + c).ToArray();
        bool[] other = Enumerable.Range(0, 10).Select(i => i >= b).ToArray();
        return (a, other);
    }

    /// <summary>BLT against B at step 4: seed 1 b = 3, c = 0; seed 2 b = 2, c = 1; seed 3 b = 1, c = 1 (pooled b = 6, c = 2 of 30).</summary>
    public static StepComparison BltAgainstB()
    {
        var pairs = new[] { Discordant(3, 0), Discordant(2, 1), Discordant(1, 1) };
        return PairedComparison.AtStep(4, 4, [1, 2, 3], pairs.Select(p => p.A).ToArray(), pairs.Select(p => p.B).ToArray());
    }

    private static ReadoutAccuracy Readout(string name, int[] steps, params double[][] bySeed) => new(name, steps, bySeed);

    public static ExperimentSummary Summary()
    {
        var arms = new[]
        {
            new ArmResult
            {
                Name = "B", Network = "configs/networks/b.yaml", Condition = "clean", Family = "feedforward",
                Ledger = new LedgerFigures(100_000, [1000, 1000, 1000, 1000]), Seeds = [1, 2, 3],
                Readouts = [Readout("IT", [1, 2, 3, 4], [0.70, 0.75, 0.78, 0.80], [0.72, 0.77, 0.80, 0.82], [0.74, 0.79, 0.82, 0.84])],
            },
            new ArmResult
            {
                Name = "B-D", Network = "configs/networks/b.yaml (deeper control)", Condition = "clean", Family = "feedforward",
                Ledger = new LedgerFigures(150_000, [1500, 1500, 1500, 1500]), Seeds = [1, 2, 3],
                Readouts = [Readout("IT", [1, 2, 3, 4], [0.71, 0.78, 0.81, 0.83], [0.71, 0.78, 0.81, 0.83], [0.71, 0.78, 0.81, 0.83])],
            },
            new ArmResult
            {
                Name = "BLT", Network = "configs/networks/blt.yaml", Condition = "clean",
                Ledger = new LedgerFigures(120_000, [1000, 2000, 2000, 2000]), Seeds = [1, 2, 3],
                Readouts =
                [
                    Readout("IT", [1, 2, 3, 4], [0.65, 0.80, 0.85, 0.88], [0.66, 0.81, 0.86, 0.89], [0.67, 0.82, 0.87, 0.90]),
                    Readout("V4", [2, 4], [0.50, 0.60], [0.52, 0.62], [0.54, 0.64]),
                ],
            },
            new ArmResult
            {
                Name = "BLT without feedback", Network = "configs/networks/blt.yaml", Condition = "lesion: feedback, steps 1-4",
                Ledger = new LedgerFigures(120_000, [1000, 2000, 2000, 2000]), Seeds = [1, 2, 3],
                Readouts = [Readout("IT", [1, 2, 3, 4], [0.65, 0.70, 0.72, 0.74], [0.66, 0.71, 0.73, 0.75], [0.67, 0.72, 0.74, 0.76])],
            },
            new ArmResult
            {
                Name = "BL", Network = "configs/networks/bl.yaml", Condition = "clean",
                Ledger = new LedgerFigures(110_000, [1000, 1800, 1800, 1800]), Seeds = [5],
                Readouts = [Readout("IT", [1, 2, 3, 4], [0.60, 0.80, 0.85, 0.90]), Readout("V4", [4], [0.70])],
            },
        };
        var lesionSteps = new[] { (Step: 2, B: 4, C: 0), (Step: 4, B: 5, C: 1) }.Select(s =>
        {
            var pair = Discordant(s.B, s.C);
            return PairedComparison.AtStep(s.Step, s.Step, [1, 2, 3], [pair.A, pair.A, pair.A], [pair.B, pair.B, pair.B]);
        }).ToArray();
        double[] holm = Holm.Adjust(lesionSteps.Select(s => s.Pooled.PValue).ToArray());
        return new ExperimentSummary
        {
            Experiment = "feedback-vs-recurrence",
            Description = "Does top-down feedback help beyond lateral recurrence?",
            Arms = arms,
            PairedTests =
            [
                new PairedTest("BLT", "IT", "B", "IT", BltAgainstB()),
                .. PairedTest.Of("BLT", "IT", "BLT without feedback", "IT", lesionSteps.Select((s, i) => s with { AdjustedP = holm[i] }), PairedTestKind.Lesion),
            ],
            SpeedAccuracy =
            [
                new SpeedAccuracyCurve("BLT", "IT", EarlyExit.OverSeeds(
                [
                    [new SpeedAccuracyPoint(0.5, 0.80, 1.5, 1500), new SpeedAccuracyPoint(0.9, 0.86, 2.5, 3000)],
                    [new SpeedAccuracyPoint(0.5, 0.82, 1.6, 1600), new SpeedAccuracyPoint(0.9, 0.88, 2.6, 3200)],
                ])),
                new SpeedAccuracyCurve("B", "IT", EarlyExit.OverSeeds(
                [
                    [new SpeedAccuracyPoint(0.5, 0.70, 1.2, 1200), new SpeedAccuracyPoint(0.9, 0.79, 3.1, 3100)],
                    [new SpeedAccuracyPoint(0.5, 0.72, 1.3, 1300), new SpeedAccuracyPoint(0.9, 0.81, 3.2, 3200)],
                ])),
            ],
            Robustness =
            [
                new RobustnessCurve("B", "IT", 4, "occlusion (fraction of the image)",
                    [new(0.0, MeanEstimate.OfAccuracies([0.80, 0.82, 0.84])), new(0.2, MeanEstimate.OfAccuracies([0.70, 0.72, 0.74])), new(0.4, MeanEstimate.OfAccuracies([0.50, 0.55, 0.60]))]),
                new RobustnessCurve("BLT", "IT", 4, "occlusion (fraction of the image)",
                    [new(0.0, MeanEstimate.OfAccuracies([0.88, 0.89, 0.90])), new(0.2, MeanEstimate.OfAccuracies([0.80, 0.81, 0.82])), new(0.4, MeanEstimate.OfAccuracies([0.62, 0.65, 0.68]))]),
            ],
        };
    }
}
