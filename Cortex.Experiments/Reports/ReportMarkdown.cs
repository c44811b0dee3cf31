using System.Text;

namespace Cortex.Experiments.Reports;

/// <summary>
/// Writes an experiment's <c>report.md</c>: the arms and their ledgers, accuracy per step per arm for each readout
/// (mean ± half-width of the interval over seeds, in percent), the paired tests, lesion effects, early exit,
/// robustness, and the figures. Every number is also in summary.json and the CSV files.
/// </summary>
public static class ReportMarkdown
{
    /// <summary>The report as Markdown; figure paths are written relative to <paramref name="reportFolder"/> (default: as given).</summary>
    public static string ToMarkdown(ExperimentSummary summary, IReadOnlyList<SavedFigure>? figures = null, string? reportFolder = null)
    {
        ArgumentNullException.ThrowIfNull(summary);
        summary.Validate();
        var md = new StringBuilder();
        int percent = (int)Math.Round(100 * summary.Level);
        md.Append("# ").Append(summary.Experiment).Append("\n\n");
        if (summary.Description.Length > 0) md.Append(summary.Description.Trim()).Append("\n\n");
        md.Append($"Accuracy is the percentage of test images classified correctly: the mean over seeds ± the half-width of its {percent}% ")
          .Append("Student-t interval (a single seed has no interval). Effects are in percentage points. Every number is also in ")
          .Append("`summary.json` and the CSV files beside this report.\n\n");

        md.Append("## Arms\n\n| arm | network | condition | seeds | synapses | MACs per image |\n|---|---|---|---|---:|---:|\n");
        foreach (var arm in summary.Arms)
            md.Append($"| {ReportFormat.Cell(arm.Name)} | {ReportFormat.Cell(arm.Network)} | {ReportFormat.Cell(arm.Condition)} | {string.Join(", ", arm.Seeds)} | {ReportFormat.Count(arm.Ledger.Synapses)} | {ReportFormat.Count(arm.Ledger.MacsPerImage)} |\n");
        md.Append('\n');

        foreach (string readout in summary.Arms.SelectMany(a => a.Readouts).Select(r => r.Readout).Distinct())
        {
            var arms = summary.Arms.Where(a => a.Readouts.Any(r => r.Readout == readout)).ToList();
            int[] steps = arms.SelectMany(a => a.Readout(readout).Steps).Distinct().Order().ToArray();
            md.Append($"## Test accuracy per step — readout `{readout}`\n\n| arm | n | ")
              .AppendJoin(" | ", steps.Select(s => $"t = {s}")).Append(" |\n|---|---:|")
              .Append(string.Concat(steps.Select(_ => "---:|"))).Append('\n');
            foreach (var arm in arms)
            {
                var r = arm.Readout(readout);
                md.Append($"| {ReportFormat.Cell(arm.Name)} | {arm.Seeds.Count} | ")
                  .AppendJoin(" | ", steps.Select(s => r.Steps.Contains(s) ? ReportFormat.Percent(r.At(s, summary.Level)) : "—")).Append(" |\n");
            }
            md.Append('\n');
        }

        var comparisons = summary.PairedTests.Where(t => t.Kind == PairedTestKind.Comparison).ToList();
        if (comparisons.Count > 0)
        {
            md.Append("## Paired tests\n\n")
              .Append("Exact McNemar tests on the same test images: b counts the images A classifies correctly and B does not, c the reverse, ")
              .Append("summed over the seed pairs (seed s of A against seed s of B); p is two-sided, and p (Holm) is adjusted over the steps of ")
              .Append($"each comparison. A − B over seeds: mean of the seed pairs' differences [{percent}% t-interval]; pooled: over all image pairs ")
              .Append("[Wald interval, test-set sampling only].\n\n")
              .Append("| A | B | readout | step | seeds | b | c | p | p (Holm) | A − B over seeds | A − B pooled |\n|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|\n");
            foreach (var t in comparisons)
            {
                var r = t.Result;
                md.Append($"| {ReportFormat.Cell(t.ArmA)} | {ReportFormat.Cell(t.ArmB)} | {ReportFormat.Cell(ReportFormat.Readouts(t.ReadoutA, t.ReadoutB))} | {ReportFormat.Steps(r.StepA, r.StepB)} | ")
                  .Append($"{string.Join(", ", r.Seeds)} | {r.Pooled.B} | {r.Pooled.C} | {ReportFormat.P(r.Pooled.PValue)} | {ReportFormat.P(r.AdjustedP)} | ")
                  .Append($"{ReportFormat.Points(r.DifferencePoints.Mean, r.DifferencePoints.Interval)} | {ReportFormat.Points(r.PooledDifference.Points, r.PooledDifference.Interval)} |\n");
            }
            md.Append('\n');
        }

        var lesions = summary.PairedTests.Where(t => t.Kind == PairedTestKind.Lesion).ToList();
        if (lesions.Count > 0)
        {
            md.Append("## Lesion effects\n\n")
              .Append("Each trained run tested intact and lesioned on the same images (exact McNemar, pooled over seeds, Holm over steps). ")
              .Append($"Cost of the lesion = intact − lesioned, in points [{percent}% t-interval over seeds].\n\n")
              .Append("| intact | lesioned | readout | step | intact accuracy | lesioned accuracy | cost of the lesion | b | c | p | p (Holm) |\n|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            foreach (var t in lesions)
            {
                var r = t.Result;
                var intact = summary.Arm(t.ArmA).Readout(t.ReadoutA).At(r.StepA, summary.Level);
                var lesioned = summary.Arm(t.ArmB).Readout(t.ReadoutB).At(r.StepB, summary.Level);
                md.Append($"| {ReportFormat.Cell(t.ArmA)} | {ReportFormat.Cell(t.ArmB)} | {ReportFormat.Cell(ReportFormat.Readouts(t.ReadoutA, t.ReadoutB))} | {ReportFormat.Steps(r.StepA, r.StepB)} | ")
                  .Append($"{ReportFormat.Percent(intact)} | {ReportFormat.Percent(lesioned)} | {ReportFormat.Points(r.DifferencePoints.Mean, r.DifferencePoints.Interval)} | ")
                  .Append($"{r.Pooled.B} | {r.Pooled.C} | {ReportFormat.P(r.Pooled.PValue)} | {ReportFormat.P(r.AdjustedP)} |\n");
            }
            md.Append('\n');
        }

        if (summary.SpeedAccuracy.Count > 0)
        {
            md.Append("## Early exit\n\nEach image stops at the first read step whose top probability reaches the threshold (else at the last); ")
              .Append("MACs are the synaptic operations spent up to that step, averaged over images, then over seeds.\n\n")
              .Append("| arm | readout | threshold | accuracy | mean step | MACs per image |\n|---|---|---:|---:|---:|---:|\n");
            foreach (var curve in summary.SpeedAccuracy)
                foreach (var p in curve.Points)
                    md.Append(FormattableString.Invariant($"| {ReportFormat.Cell(curve.Arm)} | {ReportFormat.Cell(curve.Readout)} | {p.Threshold:0.###} | {ReportFormat.Percent(p.Accuracy)} | {p.MeanStep.Mean:F2} | {ReportFormat.Count(p.MeanMacsPerImage.Mean)} |\n"));
            md.Append('\n');
        }

        if (summary.Robustness.Count > 0)
        {
            md.Append("## Robustness\n\n| arm | readout | step | stimulus | level | accuracy |\n|---|---|---:|---|---:|---:|\n");
            foreach (var curve in summary.Robustness)
                foreach (var p in curve.Points)
                    md.Append(FormattableString.Invariant($"| {ReportFormat.Cell(curve.Arm)} | {ReportFormat.Cell(curve.Readout)} | {curve.Step} | {ReportFormat.Cell(curve.Stimulus)} | {p.Level:0.###} | {ReportFormat.Percent(p.Accuracy)} |\n"));
            md.Append('\n');
        }

        if (figures is { Count: > 0 })
        {
            md.Append("## Figures\n\n");
            foreach (var figure in figures)
            {
                string png = Relative(figure.Png, reportFolder), svg = Relative(figure.Svg, reportFolder);
                md.Append($"![{figure.Title}]({png})\n\n{figure.Title} ([SVG]({svg}))\n\n");
            }
        }
        return md.ToString();
    }

    /// <summary>Writes the report to <paramref name="path"/>, figure paths relative to its folder.</summary>
    public static void Write(string path, ExperimentSummary summary, IReadOnlyList<SavedFigure>? figures = null) =>
        Reporting.WriteText(path, ToMarkdown(summary, figures, Path.GetDirectoryName(Path.GetFullPath(path))));

    private static string Relative(string path, string? folder) =>
        (folder is null ? path : Path.GetRelativePath(folder, path)).Replace('\\', '/').Replace(" ", "%20");
}
