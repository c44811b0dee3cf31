using System.Text.Json;
using Cortex.Experiments.Statistics;

namespace Cortex.Experiments.Reports;

/// <summary>
/// Writes an experiment's <c>summary.json</c>: every number of the report, machine-readable. Accuracies are fractions
/// in [0, 1]; effects are in percentage points; an interval is null where there is one seed. The schema (version
/// <see cref="SchemaVersion"/>) is documented in docs/experiments.md, section "summary.json".
/// </summary>
public static class SummaryJson
{
    /// <summary>The schema version written in the file's <c>schemaVersion</c>.</summary>
    public const int SchemaVersion = 1;

    /// <summary>The summary as JSON text.</summary>
    public static string ToJson(ExperimentSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        summary.Validate();
        var document = new
        {
            schema = "cortex-experiment-summary",
            schemaVersion = SchemaVersion,
            experiment = summary.Experiment,
            description = summary.Description,
            confidenceLevel = summary.Level,
            arms = summary.Arms.Select(arm => new
            {
                name = arm.Name,
                network = arm.Network,
                condition = arm.Condition,
                family = arm.Family,
                ledger = new { synapses = arm.Ledger.Synapses, macsPerStep = arm.Ledger.MacsPerStep, macsPerImage = arm.Ledger.MacsPerImage },
                seeds = arm.Seeds,
                readouts = arm.Readouts.Select(readout => new
                {
                    name = readout.Readout,
                    steps = readout.Steps.Select(step => new
                    {
                        step,
                        accuracyPerSeed = readout.SeedValuesAt(step),
                        accuracy = Estimate(readout.At(step, summary.Level)),
                    }),
                }),
            }),
            pairedTests = summary.PairedTests.Select(test => new
            {
                kind = test.Kind.ToString().ToLowerInvariant(),
                armA = test.ArmA,
                readoutA = test.ReadoutA,
                stepA = test.Result.StepA,
                armB = test.ArmB,
                readoutB = test.ReadoutB,
                stepB = test.Result.StepB,
                seeds = test.Result.Seeds,
                b = test.Result.Pooled.B,
                c = test.Result.Pooled.C,
                images = test.Result.Pooled.Images,
                p = test.Result.Pooled.PValue,
                pHolm = test.Result.AdjustedP,
                effectPoints = Estimate(test.Result.DifferencePoints),
                pooledEffectPoints = new { value = test.Result.PooledDifference.Points, interval = Interval(test.Result.PooledDifference.Interval) },
                perSeed = test.Result.PerSeed.Select(s => new { seed = s.Seed, b = s.Test.B, c = s.Test.C, images = s.Test.Images, p = s.Test.PValue, effectPoints = s.DifferencePoints }),
            }),
            speedAccuracy = summary.SpeedAccuracy.Select(curve => new
            {
                arm = curve.Arm,
                readout = curve.Readout,
                points = curve.Points.Select(p => new
                {
                    threshold = p.Threshold,
                    accuracy = Estimate(p.Accuracy),
                    meanStep = Estimate(p.MeanStep),
                    meanMacsPerImage = Estimate(p.MeanMacsPerImage),
                }),
            }),
            robustness = summary.Robustness.Select(curve => new
            {
                arm = curve.Arm,
                readout = curve.Readout,
                step = curve.Step,
                stimulus = curve.Stimulus,
                points = curve.Points.Select(p => new { level = p.Level, accuracy = Estimate(p.Accuracy) }),
            }),
        };
        return JsonSerializer.Serialize(document, Reporting.Json);
    }

    /// <summary>Writes the summary to <paramref name="path"/> (whole, through a temporary file).</summary>
    public static void Write(string path, ExperimentSummary summary) => Reporting.WriteText(path, ToJson(summary));

    private static object Estimate(MeanEstimate estimate) => new
    {
        n = estimate.Count,
        mean = estimate.Mean,
        standardDeviation = estimate.StandardDeviation,
        interval = estimate.Interval is { } i ? Interval(i) : null,
    };

    private static object Interval(ConfidenceInterval interval) => new { lower = interval.Lower, upper = interval.Upper, level = interval.Level };
}
