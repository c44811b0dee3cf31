using System.CommandLine;
using System.Globalization;
using Cortex.Experiments.Recording;
using Cortex.Experiments.Similarity;
using Spectre.Console;

namespace Cortex.Experiments.Cli;

/// <summary>
/// <c>cortex rsa recording… -o FOLDER [--class-average] [--reference source/area/tN]</c>: RDMs of every recorded area at every
/// step, their comparisons (Spearman's ρ, Kendall's τ_A) across areas, steps and recordings, and plots (docs/analysis.md).
/// </summary>
internal static class RsaCommand
{
    /// <summary>The <c>rsa</c> command.</summary>
    public static Command Create()
    {
        var recordings = new Argument<string[]>("recordings") { Description = "recordings written by cortex record (npy folders or hdf5 files)", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out", "-o") { Description = "folder for the RDMs, comparisons and plots", Required = true };
        var classAverage = new Option<bool>("--class-average") { Description = "RDMs between class means instead of images" };
        var reference = new Option<string?>("--reference") { Description = "the RDM the per-step plot compares with, as source/area/tN (default: the first recording's last area at its last step)" };
        var noPlots = new Option<bool>("--no-plots") { Description = "write the RDMs and comparisons only" };
        var command = new Command("rsa", "Representational similarity analysis of recorded states: RDMs per area and step, their comparisons, plots")
        {
            recordings, output, classAverage, reference, noPlots,
        };
        command.SetAction(r =>
        {
            var paths = r.GetValue(recordings)!;
            var read = paths.Select(RecordingFiles.Read).ToList();
            var sources = Labels(paths, read);
            var result = Parse(() => SimilarityAnalysis.Run([.. sources.Zip(read)], r.GetValue(classAverage)));
            var target = r.GetValue(reference) is { } text ? Parse(() => Key(text)) : null;
            if (target is not null) Parse(() => result.IndexOf(target));
            var files = SimilarityAnalysis.Write(result, r.GetValue(output)!, target, plots: !r.GetValue(noPlots));
            Print(result, target ?? result.Rdms.Last(k => k.Key.Source == sources[0]).Key);
            Console.WriteLine($"{result.Rdms.Count} RDMs of {result.Rdms[0].Rdm.Count} {(result.ClassAveraged ? "classes" : "images")}, {files.Count} files: {Path.GetFullPath(r.GetValue(output)!)}");
            return 0;
        });
        return command;
    }

    /// <summary>Each recording's label: its network's name, or "network (file)" where two recordings share a network.</summary>
    private static string[] Labels(string[] paths, IReadOnlyList<RecordedStates> recordings)
    {
        var names = recordings.Select(x => x.Layout.Network).ToArray();
        return [.. names.Select((name, i) => names.Count(n => n == name) == 1 ? name : $"{name} ({Path.GetFileName(Path.TrimEndingDirectorySeparator(paths[i]))})")];
    }

    /// <summary>"source/area/tN" (the source may itself contain slashes; the last two parts are the area and the step).</summary>
    public static RdmKey Key(string text)
    {
        var parts = text.Split('/');
        if (parts.Length < 3 || !parts[^1].StartsWith('t') || !int.TryParse(parts[^1][1..], NumberStyles.None, CultureInfo.InvariantCulture, out int step))
            throw new ArgumentException($"--reference '{text}' is not source/area/tN, e.g. blt/IT/t4");
        return new RdmKey(string.Join('/', parts[..^2]), parts[^2], step);
    }

    private static void Print(SimilarityResult result, RdmKey reference)
    {
        int target = result.IndexOf(reference);
        var steps = result.Rdms.Select(k => k.Key.Step).Distinct().Order().ToArray();
        var table = new Table().Title($"Spearman ρ with {reference}").AddColumn("RDM");
        foreach (int t in steps) table.AddColumn($"t = {t}", c => c.RightAligned());
        foreach (var group in result.Rdms.Select((k, i) => (k.Key, i)).GroupBy(x => (x.Key.Source, x.Key.Area)))
        {
            var cells = new List<string> { $"{group.Key.Source} {group.Key.Area}" };
            foreach (int t in steps)
                cells.Add(group.FirstOrDefault(x => x.Key.Step == t) is { Key: not null } x ? $"{result.Compare(x.i, target).SpearmanRho:F3}" : "");
            table.AddRow([.. cells]);
        }
        CortexCommandLine.Out().Write(table);
    }

    private static T Parse<T>(Func<T> parse)
    {
        try { return parse(); }
        catch (ArgumentException e) { throw new UserError(e.Message); }
    }
}
