using System.Text;

namespace Cortex.Experiments.Reports;

/// <summary>
/// The numbers of an experiment's report as CSV (accuracies as fractions, effects in points, an empty field where
/// there is no interval): <c>accuracy.csv</c> (per arm, readout and step, over seeds), <c>accuracy-per-seed.csv</c>,
/// <c>paired-tests.csv</c>, and <c>speed-accuracy.csv</c> and <c>robustness.csv</c> when the summary has them.
/// </summary>
public static class ReportCsv
{
    /// <summary>One row per arm, readout and step: n, mean, standard deviation and interval over seeds.</summary>
    public static string Accuracy(ExperimentSummary summary)
    {
        var text = new StringBuilder("arm,network,condition,readout,step,n,mean,sd,lower,upper\n");
        foreach (var arm in summary.Arms)
            foreach (var readout in arm.Readouts)
                foreach (int step in readout.Steps)
                {
                    var a = readout.At(step, summary.Level);
                    text.AppendJoin(',', ReportFormat.Csv(arm.Name), ReportFormat.Csv(arm.Network), ReportFormat.Csv(arm.Condition), ReportFormat.Csv(readout.Readout),
                        step, a.Count, ReportFormat.Number(a.Mean), ReportFormat.Number(a.StandardDeviation), ReportFormat.Number(a.Interval?.Lower), ReportFormat.Number(a.Interval?.Upper)).Append('\n');
                }
        return text.ToString();
    }

    /// <summary>One row per arm, readout, step and seed.</summary>
    public static string AccuracyPerSeed(ExperimentSummary summary)
    {
        var text = new StringBuilder("arm,readout,step,seed,accuracy\n");
        foreach (var arm in summary.Arms)
            foreach (var readout in arm.Readouts)
                foreach (int step in readout.Steps)
                {
                    double[] values = readout.SeedValuesAt(step);
                    for (int k = 0; k < values.Length; k++)
                        text.AppendJoin(',', ReportFormat.Csv(arm.Name), ReportFormat.Csv(readout.Readout), step, arm.Seeds[k], ReportFormat.Number(values[k])).Append('\n');
                }
        return text.ToString();
    }

    /// <summary>One row per paired test: pooled counts, p, Holm-adjusted p, effect over seeds and pooled effect, in points.</summary>
    public static string PairedTests(ExperimentSummary summary)
    {
        var text = new StringBuilder("kind,armA,readoutA,stepA,armB,readoutB,stepB,seeds,b,c,images,p,pHolm,effectPoints,effectLower,effectUpper,pooledEffectPoints,pooledLower,pooledUpper\n");
        foreach (var test in summary.PairedTests)
        {
            var r = test.Result;
            text.AppendJoin(',', test.Kind.ToString().ToLowerInvariant(), ReportFormat.Csv(test.ArmA), ReportFormat.Csv(test.ReadoutA), r.StepA,
                ReportFormat.Csv(test.ArmB), ReportFormat.Csv(test.ReadoutB), r.StepB, string.Join(' ', r.Seeds), r.Pooled.B, r.Pooled.C, r.Pooled.Images,
                ReportFormat.Number(r.Pooled.PValue), ReportFormat.Number(r.AdjustedP), ReportFormat.Number(r.DifferencePoints.Mean),
                ReportFormat.Number(r.DifferencePoints.Interval?.Lower), ReportFormat.Number(r.DifferencePoints.Interval?.Upper),
                ReportFormat.Number(r.PooledDifference.Points), ReportFormat.Number(r.PooledDifference.Interval.Lower), ReportFormat.Number(r.PooledDifference.Interval.Upper)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>One row per arm and threshold: accuracy, mean exit step and mean MACs per image, each over seeds.</summary>
    public static string SpeedAccuracy(ExperimentSummary summary)
    {
        var text = new StringBuilder("arm,readout,threshold,n,accuracy,accuracyLower,accuracyUpper,meanStep,meanMacsPerImage\n");
        foreach (var curve in summary.SpeedAccuracy)
            foreach (var p in curve.Points)
                text.AppendJoin(',', ReportFormat.Csv(curve.Arm), ReportFormat.Csv(curve.Readout), ReportFormat.Number(p.Threshold), p.Accuracy.Count,
                    ReportFormat.Number(p.Accuracy.Mean), ReportFormat.Number(p.Accuracy.Interval?.Lower), ReportFormat.Number(p.Accuracy.Interval?.Upper),
                    ReportFormat.Number(p.MeanStep.Mean), ReportFormat.Number(p.MeanMacsPerImage.Mean)).Append('\n');
        return text.ToString();
    }

    /// <summary>One row per arm and stimulus level: accuracy over seeds.</summary>
    public static string Robustness(ExperimentSummary summary)
    {
        var text = new StringBuilder("arm,readout,step,stimulus,level,n,accuracy,lower,upper\n");
        foreach (var curve in summary.Robustness)
            foreach (var p in curve.Points)
                text.AppendJoin(',', ReportFormat.Csv(curve.Arm), ReportFormat.Csv(curve.Readout), curve.Step, ReportFormat.Csv(curve.Stimulus), ReportFormat.Number(p.Level),
                    p.Accuracy.Count, ReportFormat.Number(p.Accuracy.Mean), ReportFormat.Number(p.Accuracy.Interval?.Lower), ReportFormat.Number(p.Accuracy.Interval?.Upper)).Append('\n');
        return text.ToString();
    }

    /// <summary>Writes the CSV files into <paramref name="folder"/> and returns their paths.</summary>
    public static IReadOnlyList<string> Write(string folder, ExperimentSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        summary.Validate();
        var files = new List<(string Name, string Text)>
        {
            ("accuracy.csv", Accuracy(summary)),
            ("accuracy-per-seed.csv", AccuracyPerSeed(summary)),
            ("paired-tests.csv", PairedTests(summary)),
        };
        if (summary.SpeedAccuracy.Count > 0) files.Add(("speed-accuracy.csv", SpeedAccuracy(summary)));
        if (summary.Robustness.Count > 0) files.Add(("robustness.csv", Robustness(summary)));
        var paths = new List<string>();
        foreach (var (name, text) in files)
        {
            string path = Path.Combine(folder, name);
            Reporting.WriteText(path, text);
            paths.Add(path);
        }
        return paths;
    }
}
