using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cortex.Experiments.Recording;

namespace Cortex.Experiments.Similarity;

/// <summary>Which recording, area and step an RDM belongs to. <see cref="Source"/> names the recording (by default its network).</summary>
/// <param name="Source">The recording's label.</param>
/// <param name="Area">The area.</param>
/// <param name="Step">The time step (1-based).</param>
public sealed record RdmKey(string Source, string Area, int Step)
{
    /// <summary><c>source/area/t</c>, e.g. <c>blt/IT/t4</c>.</summary>
    public override string ToString() => $"{Source}/{Area}/t{Step}";
}

/// <summary>An RDM and what it belongs to.</summary>
/// <param name="Key">Recording, area and step.</param>
/// <param name="Rdm">The matrix.</param>
public sealed record KeyedRdm(RdmKey Key, Rdm Rdm);

/// <summary>Two RDMs compared.</summary>
/// <param name="A">The first RDM's key.</param>
/// <param name="B">The second RDM's key.</param>
/// <param name="Comparison">Spearman's ρ and Kendall's τ_A between them.</param>
public sealed record KeyedComparison(RdmKey A, RdmKey B, RdmComparison Comparison);

/// <summary>Every RDM of one or more recordings and every pairwise comparison between them.</summary>
public sealed class SimilarityResult
{
    private readonly RdmComparison[,] matrix;

    internal SimilarityResult(IReadOnlyList<KeyedRdm> rdms, RdmComparison[,] matrix, bool classAveraged)
    {
        Rdms = rdms;
        this.matrix = matrix;
        ClassAveraged = classAveraged;
    }

    /// <summary>The RDMs, recording by recording, then area by area, then step by step.</summary>
    public IReadOnlyList<KeyedRdm> Rdms { get; }

    /// <summary>Whether the conditions are classes (class-mean patterns) rather than images.</summary>
    public bool ClassAveraged { get; }

    /// <summary>The comparison of RDM <paramref name="a"/> with RDM <paramref name="b"/> (indices into <see cref="Rdms"/>); symmetric, 1 on the diagonal.</summary>
    public RdmComparison Compare(int a, int b) => matrix[a, b];

    /// <summary>The position of an RDM among <see cref="Rdms"/>; a clear error naming the RDMs when absent.</summary>
    public int IndexOf(RdmKey key)
    {
        for (int i = 0; i < Rdms.Count; i++)
            if (Rdms[i].Key == key) return i;
        throw new ArgumentException($"no RDM {key}; there are {string.Join(", ", Rdms.Take(6).Select(r => r.Key))}{(Rdms.Count > 6 ? ", …" : "")}");
    }

    /// <summary>Every pair a &lt; b, in order.</summary>
    public IEnumerable<KeyedComparison> Pairs()
    {
        for (int a = 0; a < Rdms.Count; a++)
            for (int b = a + 1; b < Rdms.Count; b++)
                yield return new KeyedComparison(Rdms[a].Key, Rdms[b].Key, matrix[a, b]);
    }
}

/// <summary>
/// Representational similarity analysis of recorded states: an RDM per recording, area and step (correlation distance,
/// optionally between class means), and Spearman's ρ and Kendall's τ_A between every two RDMs — across areas, steps and
/// networks (docs/analysis.md).
/// </summary>
public static class SimilarityAnalysis
{
    /// <summary>The RDMs of one recording: every area at every recorded step.</summary>
    public static IReadOnlyList<KeyedRdm> Rdms(RecordedStates recording, string source, bool classAverage)
    {
        var layout = recording.Layout;
        var conditions = layout.Images.Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        var rdms = new List<KeyedRdm>();
        foreach (var area in layout.Areas)
            foreach (int step in layout.Steps)
            {
                var patterns = recording.Patterns(area.Name, step);
                var rdm = classAverage ? Rdm.ClassAveraged(patterns, layout.Labels, layout.ClassNames) : Rdm.CorrelationDistance(patterns, conditions);
                rdms.Add(new KeyedRdm(new RdmKey(source, area.Name, step), rdm));
            }
        return rdms;
    }

    /// <summary>
    /// RDMs of every recording and their comparisons. Recordings must hold the same images in the same order (the same
    /// classes when <paramref name="classAverage"/>); their labels must be unique.
    /// </summary>
    public static SimilarityResult Run(IReadOnlyList<(string Source, RecordedStates Recording)> recordings, bool classAverage)
    {
        if (recordings.Count == 0) throw new ArgumentException("no recordings to analyse");
        if (recordings.Select(r => r.Source).Distinct().Count() != recordings.Count)
            throw new ArgumentException($"recording labels must differ: {string.Join(", ", recordings.Select(r => r.Source))}");
        var first = recordings[0].Recording.Layout;
        foreach (var (source, recording) in recordings.Skip(1))
            if (!classAverage && !recording.Layout.Images.SequenceEqual(first.Images))
                throw new ArgumentException($"{source} holds other images than {recordings[0].Source} ({recording.Layout.Count} against {first.Count}, or in another order); record the same --images");
        var rdms = recordings.SelectMany(r => Rdms(r.Recording, r.Source, classAverage)).ToList();
        var matrix = new RdmComparison[rdms.Count, rdms.Count];
        var one = new RdmComparison(1, 1);
        Parallel.For(0, rdms.Count, a =>
        {
            matrix[a, a] = rdms[a].Rdm.UpperTriangle().Any(double.IsNaN) ? new RdmComparison(double.NaN, double.NaN) : one;
            for (int b = a + 1; b < rdms.Count; b++) matrix[a, b] = matrix[b, a] = RdmComparison.Of(rdms[a].Rdm, rdms[b].Rdm);
        });
        return new SimilarityResult(rdms, matrix, classAverage);
    }

    /// <summary>
    /// Writes <c>rdms.npy</c> (float64 [R, n, n]), <c>rdms.json</c> (what each RDM is, the conditions, the distance),
    /// <c>comparisons.csv</c> (every pair: Spearman's ρ, Kendall's τ_A) and, when <paramref name="plots"/>, the RDM heatmaps,
    /// the comparison matrix and the similarity to <paramref name="reference"/> per step (default: the last RDM of the first
    /// recording — its last area at its last step) as PNG and SVG. Returns the files written.
    /// </summary>
    public static IReadOnlyList<string> Write(SimilarityResult result, string folder, RdmKey? reference = null, bool plots = true)
    {
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        int r = result.Rdms.Count, n = result.Rdms[0].Rdm.Count;
        var all = new double[(long)r * n * n];
        for (int i = 0; i < r; i++) result.Rdms[i].Rdm.ToMatrix().CopyTo(all, (long)i * n * n);
        written.Add(Path.Combine(folder, "rdms.npy"));
        NpyFile.Write<double>(written[^1], all, r, n, n);

        var index = new JsonObject
        {
            ["distance"] = "1 - Pearson r between response patterns (NaN where a pattern has no variance)",
            ["class_averaged"] = result.ClassAveraged,
            ["conditions"] = new JsonArray([.. result.Rdms[0].Rdm.Conditions.Select(c => (JsonNode)c)]),
            ["rdms"] = new JsonArray([.. result.Rdms.Select((k, i) => (JsonNode)new JsonObject
            {
                ["index"] = i, ["source"] = k.Key.Source, ["area"] = k.Key.Area, ["step"] = k.Key.Step,
            })]),
        };
        written.Add(Path.Combine(folder, "rdms.json"));
        File.WriteAllText(written[^1], index.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        var csv = new StringBuilder("a_source,a_area,a_step,b_source,b_area,b_step,spearman_rho,kendall_tau_a\n");
        foreach (var pair in result.Pairs())
            csv.Append(CultureInfo.InvariantCulture, $"{Csv(pair.A.Source)},{Csv(pair.A.Area)},{pair.A.Step},{Csv(pair.B.Source)},{Csv(pair.B.Area)},{pair.B.Step},")
               .Append(CultureInfo.InvariantCulture, $"{pair.Comparison.SpearmanRho:R},{pair.Comparison.KendallTauA:R}\n");
        written.Add(Path.Combine(folder, "comparisons.csv"));
        File.WriteAllText(written[^1], csv.ToString());

        if (plots)
        {
            foreach (var rdm in result.Rdms)
                written.AddRange(SimilarityPlots.SaveRdm(rdm, Path.Combine(folder, $"rdm-{FileSafe(rdm.Key.Source)}-{FileSafe(rdm.Key.Area)}-t{rdm.Key.Step}")));
            written.AddRange(SimilarityPlots.SaveComparisonMatrix(result, Path.Combine(folder, "comparison-spearman")));
            var target = reference ?? result.Rdms.Last(k => k.Key.Source == result.Rdms[0].Key.Source).Key;
            written.AddRange(SimilarityPlots.SaveSimilarityPerStep(result, result.IndexOf(target), Path.Combine(folder, "similarity-per-step")));
        }
        return written;
    }

    private static string Csv(string text) => text.Contains(',') || text.Contains('"') ? $"\"{text.Replace("\"", "\"\"")}\"" : text;

    private static string FileSafe(string text) => new([.. text.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')]);
}
