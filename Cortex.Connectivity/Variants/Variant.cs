using System.Text;
using Cortex.Connectivity.Reading;
using Cortex.Connectivity.Spec;

namespace Cortex.Connectivity.Variants;

/// <summary>
/// A variant of a network: the original and the variant, both validated with their ledgers, what was changed, and —
/// for matched variants — how close the match came. <see cref="Yaml"/> is the variant's network file, every default
/// resolved, headed by a comment that says what it is, what was changed and the matching residual.
/// </summary>
/// <param name="Kind">The variant kind.</param>
/// <param name="Original">The network it was made from.</param>
/// <param name="Network">The variant, validated.</param>
/// <param name="Changes">What was changed, one line each.</param>
/// <param name="Match">The match to the original's synapses or MACs (null: not matched).</param>
public sealed record Variant(VariantKind Kind, LoadedNetwork Original, LoadedNetwork Network, IReadOnlyList<string> Changes, Matching? Match)
{
    /// <summary>The variant's spec.</summary>
    public NetworkSpec Spec => Network.Spec;

    /// <summary>The header of the variant's file: what it is, each change, the match, and both ledgers' headline numbers.</summary>
    public string Comment
    {
        get
        {
            var (o, v) = (Original.Ledger, Network.Ledger);
            string from = string.IsNullOrEmpty(Original.Spec.File) ? "" : $" ({Path.GetFileName(Original.Spec.File)})";
            var text = new StringBuilder();
            text.AppendLine($"{Kind.Word} variant of {Original.Spec.Name}{from}: {Kind.Summary}");
            text.AppendLine($"matching: {Kind.MatchingRule}");
            text.AppendLine("changes:");
            foreach (var change in Changes) text.AppendLine($"  {change}");
            if (Match is { } m) text.AppendLine($"matched: {m.Describe(Original.Spec.Name)}");
            text.AppendLine($"ledger ({Network.Spec.Name} / {Original.Spec.Name}): synapses {Matching.Count(v.Synapses)} / {Matching.Count(o.Synapses)}; "
                + $"MACs per image {Matching.Count(v.SynapticOpsPerImage)} / {Matching.Count(o.SynapticOpsPerImage)}; "
                + $"effective depth at t = 1..T {Depths(v.EffectiveDepth)} / {Depths(o.EffectiveDepth)}; neurons {Matching.Count(v.Neurons)} / {Matching.Count(o.Neurons)}");
            return text.ToString().TrimEnd();
        }
    }

    /// <summary>The variant's network file: resolved YAML headed by <see cref="Comment"/>; it reads back to the same network.</summary>
    public string Yaml => NetworkWriter.Write(Spec, Comment);

    /// <summary>"2 3 4 5", with – for a step at which no readout area is reached.</summary>
    public static string Depths(IEnumerable<int?> depths) => string.Join(" ", depths.Select(d => d?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "–"));
}
