using Cortex.Experiments.Statistics;

namespace Cortex.Experiments.Reports;

/// <summary>
/// Everything an experiment's report says, as plain data: its arms with their accuracies over seeds, the paired
/// tests between arms (and lesion effects), early-exit curves and robustness curves. The report writers
/// (<see cref="SummaryJson"/>, <see cref="ReportMarkdown"/>, <see cref="ReportCsv"/>, the figures) read nothing else.
/// </summary>
public sealed record ExperimentSummary
{
    /// <summary>The experiment's name.</summary>
    public required string Experiment { get; init; }

    /// <summary>What it asks, in a sentence or two (optional).</summary>
    public string Description { get; init; } = "";

    /// <summary>The confidence level of every interval (0.95).</summary>
    public double Level { get; init; } = MeanEstimate.DefaultLevel;

    /// <summary>The arms, in report order.</summary>
    public required IReadOnlyList<ArmResult> Arms { get; init; }

    /// <summary>The paired tests, grouped by comparison (the steps of one comparison together).</summary>
    public IReadOnlyList<PairedTest> PairedTests { get; init; } = [];

    /// <summary>Early-exit curves.</summary>
    public IReadOnlyList<SpeedAccuracyCurve> SpeedAccuracy { get; init; } = [];

    /// <summary>Accuracy against a stimulus level.</summary>
    public IReadOnlyList<RobustnessCurve> Robustness { get; init; } = [];

    /// <summary>The arm named <paramref name="name"/>.</summary>
    public ArmResult Arm(string name) =>
        Arms.FirstOrDefault(a => a.Name == name) ?? throw new ArgumentException($"experiment '{Experiment}' has no arm '{name}'", nameof(name));

    /// <summary>Checks that arm names are unique and every arm, test and curve refers to what exists.</summary>
    public void Validate()
    {
        if (Arms.Count == 0) throw new ArgumentException($"experiment '{Experiment}' has no arms");
        foreach (var arm in Arms) arm.Validate();
        var duplicate = Arms.GroupBy(a => a.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"experiment '{Experiment}' has two arms named '{duplicate.Key}'");
        foreach (var test in PairedTests)
        {
            Arm(test.ArmA).Readout(test.ReadoutA);
            Arm(test.ArmB).Readout(test.ReadoutB);
        }
        foreach (var curve in SpeedAccuracy) Arm(curve.Arm).Readout(curve.Readout);
        foreach (var curve in Robustness) Arm(curve.Arm);
    }
}
