using System.Text;

namespace Cortex.Experiments.Reports;

/// <summary>
/// Writes a whole experiment report into one folder: <c>summary.json</c>, the CSV files, the figures that apply
/// (PNG + SVG) and <c>report.md</c>, which shows them. Figures: accuracy per step for each readout, and accuracy
/// against synapses and against MACs (the first arm's first readout, at each arm's last step) when two arms or more
/// remain, all without the arms that are the lesioned side of a lesion test (the same networks, drawn in their lesion
/// figures); accuracy against each robustness stimulus; one lesion figure per intact arm and readout; and early exit.
/// </summary>
public static class ExperimentReport
{
    /// <summary>Writes everything into <paramref name="folder"/> and returns the paths written.</summary>
    public static IReadOnlyList<string> Write(string folder, ExperimentSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        summary.Validate();
        string full = Path.GetFullPath(folder);
        Directory.CreateDirectory(full);
        var written = new List<string>();

        string json = Path.Combine(full, "summary.json");
        SummaryJson.Write(json, summary);
        written.Add(json);
        written.AddRange(ReportCsv.Write(full, summary));

        var figures = new List<SavedFigure>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        string Unique(string name)
        {
            string unique = name;
            for (int k = 2; !names.Add(unique); k++) unique = $"{name}-{k}";
            return unique;
        }
        var lesionedArms = summary.PairedTests.Where(t => t.Kind == PairedTestKind.Lesion).Select(t => t.ArmB).ToHashSet();
        var intactArms = summary.Arms.Where(a => !lesionedArms.Contains(a.Name)).ToList();
        foreach (string readout in intactArms.SelectMany(a => a.Readouts).Select(r => r.Readout).Distinct())
            figures.Add(FigureFile.Save(AccuracyPerStepFigure.Create(intactArms, readout, summary.Level), full, Unique($"accuracy-per-step-{Slug(readout)}"),
                $"Test accuracy per step, readout '{readout}'"));
        string primary = summary.Arms[0].Readouts[0].Readout;
        var networks = intactArms.Where(a => a.Readouts.Any(r => r.Readout == primary)).ToList();
        if (networks.Count >= 2)
        {
            figures.Add(FigureFile.Save(CostFigure.Create(networks, primary, CostAxis.Synapses, summary.Level), full, "accuracy-vs-synapses", "Accuracy against synapses"));
            figures.Add(FigureFile.Save(CostFigure.Create(networks, primary, CostAxis.MacsPerImage, summary.Level), full, "accuracy-vs-macs", "Accuracy against synaptic operations per image"));
        }
        foreach (var stimulus in summary.Robustness.GroupBy(c => c.Stimulus))
            figures.Add(FigureFile.Save(RobustnessFigure.Create(stimulus.ToList()), full, Unique($"accuracy-vs-{Slug(stimulus.Key)}"), $"Accuracy against {stimulus.Key}"));
        foreach (var lesion in summary.PairedTests.Where(t => t.Kind == PairedTestKind.Lesion).GroupBy(t => (t.ArmA, t.ReadoutA)))
        {
            var lesioned = lesion.Select(t => t.ArmB).Distinct().Select(summary.Arm).ToList();
            figures.Add(FigureFile.Save(LesionFigure.Create(summary.Arm(lesion.Key.ArmA), lesioned, lesion.Key.ReadoutA, summary.Level), full,
                Unique($"lesions-{Slug(lesion.Key.ArmA)}-{Slug(lesion.Key.ReadoutA)}"), $"Lesions of {lesion.Key.ArmA}, readout '{lesion.Key.ReadoutA}'"));
        }
        if (summary.SpeedAccuracy.Count > 0)
            figures.Add(FigureFile.Save(SpeedAccuracyFigure.Create(summary.SpeedAccuracy), full, "speed-accuracy", "Early exit: accuracy against mean MACs per image"));
        written.AddRange(figures.SelectMany(f => new[] { f.Png, f.Svg }));

        string markdown = Path.Combine(full, "report.md");
        ReportMarkdown.Write(markdown, summary, figures);
        written.Add(markdown);
        return written;
    }

    /// <summary>A name made safe for a file: lower-case letters and digits, other runs of characters as one hyphen.</summary>
    internal static string Slug(string text)
    {
        var slug = new StringBuilder();
        foreach (char c in text.ToLowerInvariant())
            if (char.IsAsciiLetterOrDigit(c)) slug.Append(c);
            else if (slug.Length > 0 && slug[^1] != '-') slug.Append('-');
        string result = slug.ToString().Trim('-');
        return result.Length > 0 ? result : "unnamed";
    }
}
