using Cortex.Areas.Projections;
using Cortex.Connectivity.Spec;

namespace Cortex.Connectivity.Variants;

/// <summary>
/// <c>larger-kernels</c>: Spoerer et al. 2017's B-K control — the network's feedforward form with every feedforward
/// convolution's kernel grown by 2j (3×3 → 5×5 at j = 1; padding + j keeps every map's size), matched to the recurrent
/// network's synapses (or MACs per image). The j closest to the target is taken when it is within 2%; otherwise the
/// largest j that stays below the target (at least 1), and the channels then close the gap (<see cref="ChannelSearch"/>).
/// </summary>
public sealed class LargerKernelsVariant : VariantKind
{
    private const int MaxGrowth = 8;

    /// <inheritdoc/>
    public override string Word => "larger-kernels";

    /// <inheritdoc/>
    public override string Summary => "the feedforward network with larger kernels in its feedforward convolutions (Spoerer et al. 2017's B-K)";

    /// <inheritdoc/>
    public override string MatchingRule => "every feedforward kernel grown by the same 2j; if no j is within 2% of the recurrent network's synapses (or MACs), the largest j below them and channels scaled to close the gap";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Settings => ["match"];

    /// <inheritdoc/>
    protected override VariantEdit Transform(LoadedNetwork original, VariantSettings settings)
    {
        var form = FeedforwardForm.Of(original, Word).Recurrent(Word, "; there is no recurrent network to match");
        var spec = form.Spec;
        var convs = spec.Projections.Where(p => p.Options is ConvProjection.Options).ToList();
        if (convs.Count == 0)
            throw new VariantNotApplicable($"{Word} does not apply to {original.Spec.Name}: none of its feedforward projections is a convolution");

        // The largest growth that keeps every kernel within its (resampled) source map.
        var graph = NetworkLoader.Validate(spec).Graph;
        int limit = convs.Min(p =>
        {
            var o = (ConvProjection.Options)p.Options;
            var source = o.Resampling.Apply(graph.Node(p.From).Shape, out _)!.Value;
            return (Math.Min(source.Height, source.Width) - o.Kernel) / 2;
        });
        limit = Math.Clamp(limit, 1, MaxGrowth);

        long target = Matching.Measure(settings.Match, original.Ledger);
        var values = new List<(int Growth, long Value)>();
        for (int j = 1; j <= limit; j++)
        {
            long value = Matching.Measure(settings.Match, NetworkLoader.Validate(Grow(spec, j)).Ledger);
            values.Add((j, value));
            if (value > target) break;
        }
        var changes = form.Changes.ToList();
        var within = values.Where(v => Math.Abs(v.Value - target) <= Matching.Tolerance * target).ToList();
        if (within.Count > 0)
        {
            int j = within.MinBy(v => Math.Abs(v.Value - target)).Growth;
            changes.Add(KernelChange(spec, j));
            return new VariantEdit(Grow(spec, j) with { Name = $"{original.Spec.Name}-{Word}" }, changes, settings.Match);
        }
        int growth = values.Where(v => v.Value <= target).Select(v => v.Growth).DefaultIfEmpty(1).Max();
        changes.Add(KernelChange(spec, growth));
        changes.Add($"kernels alone give {string.Join(" and ", values.Select(v => $"{Matching.Count(v.Value)} at +{2 * v.Growth} ({Matching.Percent(Matching.Fraction(target, v.Value))})"))} "
            + $"against {Matching.Count(target)} {Matching.Words(settings.Match)}, so the channels close the gap");
        int[] channels = [.. spec.Areas.Select(a => a.Shape.Channels)];
        var grown = Grow(spec, growth);
        var choice = ChannelSearch.Closest(channels, c => SpecEdits.WithChannels(grown, c), settings.Match, target);
        changes.Add($"channels {ChannelSearch.Factor(channels, choice.Channels)}: {SpecEdits.ChannelChanges(spec, choice.Channels)}");
        return new VariantEdit(choice.Spec with { Name = $"{original.Spec.Name}-{Word}" }, changes, settings.Match);
    }

    /// <summary>Every convolution's kernel + 2j and padding + j (so that every output keeps its size).</summary>
    private static NetworkSpec Grow(NetworkSpec spec, int j) => spec with
    {
        Projections = [.. spec.Projections.Select(p => p.Options is ConvProjection.Options o ? p with { Options = o with { Kernel = o.Kernel + 2 * j, Padding = o.Padding + j } } : p)],
    };

    private static string KernelChange(NetworkSpec spec, int j) =>
        $"feedforward kernels +{2 * j} (padding +{j} keeps the maps' sizes): "
        + string.Join(", ", spec.Projections.Where(p => p.Options is ConvProjection.Options).Select(p =>
        {
            int k = ((ConvProjection.Options)p.Options).Kernel;
            return $"{p.Name} {k}×{k} → {k + 2 * j}×{k + 2 * j}";
        }));
}
