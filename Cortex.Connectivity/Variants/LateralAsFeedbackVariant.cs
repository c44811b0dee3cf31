using Cortex.Areas;
using Cortex.Areas.Projections;
using Cortex.Connectivity.Spec;

namespace Cortex.Connectivity.Variants;

/// <summary>
/// <c>lateral-as-feedback</c>: the converse of <c>feedback-as-lateral</c>. Each lateral projection of an area A that has a
/// higher area H (the lowest-level area A projects to feedforward) is replaced by n feedback projections H → A with the
/// lateral's mode, initialisation and sign: a k×k convolution when H and A have the same map size, a k×k transposed
/// convolution of stride f when A's map is f times H's (a learned upsampling, as BLT's feedback), dense when either is a
/// vector; n·C_A·C_H·k² comes closest to the lateral's synapses (<see cref="SynapseTransfer"/>), each at its own delay
/// from the lateral's up. A lateral of an area with no higher area (the top of the hierarchy) is kept, and the change
/// list says so. Matched in synapses: the network's total within 2%.
/// </summary>
public sealed class LateralAsFeedbackVariant : VariantKind
{
    private static readonly int[] OddKernels = [1, 3, 5, 7], Kernels = [1, 2, 3, 4, 5, 6, 7];

    /// <inheritdoc/>
    public override string Word => "lateral-as-feedback";

    /// <inheritdoc/>
    public override string Summary => "each lateral projection replaced by feedback from the next higher area with as many synapses";

    /// <inheritdoc/>
    public override string MatchingRule => "each lateral's synapses by n feedback projections from the next higher area (n·C_A·C_H·k² closest), each at its own delay; the network's synapses within 2%";

    /// <inheritdoc/>
    protected override VariantEdit Transform(LoadedNetwork original, VariantSettings settings)
    {
        var spec = original.Spec;
        if (!spec.Projections.Any(p => p.Type == ProjectionType.Lateral))
            throw new VariantNotApplicable($"{Word} does not apply to {spec.Name}: it has no lateral projections");
        var projections = new List<ProjectionSpec>();
        var changes = new List<string>();
        var kept = new List<string>();
        foreach (var p in spec.Projections)
        {
            if (p.Type != ProjectionType.Lateral)
            {
                projections.Add(p);
                continue;
            }
            var area = original.Graph.Node(p.To);
            var higher = spec.Projections.Where(f => f.Type == ProjectionType.Feedforward && f.From == p.To)
                .Select(f => original.Graph.Node(f.To)).OrderBy(n => n.Level).ThenBy(n => n.Index).FirstOrDefault();
            var geometry = higher is null ? null : Geometry(area.Shape, higher.Shape);
            if (higher is null || geometry is not { } g)
            {
                projections.Add(p);
                kept.Add(higher is null ? $"{p.Name} (no area above {p.To} reads it)" : $"{p.Name} (no upsampling maps {higher.Name} {higher.Shape} onto {p.To} {area.Shape})");
                continue;
            }
            long synapses = SpecEdits.WeightsPerCopy(original, p.Name);
            var others = spec.Projections.Where(o => o.Type != ProjectionType.Lateral).Concat(projections);
            var choice = SynapseTransfer.Closest(synapses, g.Unit, g.Kernels, SynapseTransfer.FreeDelays(others, higher.Name, p.To, p.Mode, p.Delay, spec.Time.Steps));
            foreach (int delay in choice.Delays)
                projections.Add(SpecEdits.Projection($"{higher.Name}->{p.To}.d{delay}", higher.Name, p.To, ProjectionType.Feedback, delay, g.Options(choice.Kernel), like: p));
            changes.Add($"lateral {p.Name} ({Matching.Count(synapses)} synapses) → {SynapseTransfer.Describe(choice, "feedback", higher.Name, p.To, g.Describe(choice.Kernel))}"
                + $"{FeedbackAsLateralVariant.ModeWords(p)} ({Matching.Count(choice.Synapses)}; {Matching.Change(synapses, choice.Synapses)})");
        }
        if (changes.Count == 0)
            throw new VariantNotApplicable($"{Word} does not apply to {spec.Name}: no lateral projection can become feedback: {string.Join("; ", kept)}");
        if (kept.Count > 0) changes.Add($"kept lateral: {string.Join("; ", kept)}");
        return new VariantEdit(SpecEdits.Recomplete(spec with { Name = $"{spec.Name}-{Word}", Projections = projections }), changes, MatchQuantity.Synapses);
    }

    /// <summary>How a feedback projection from <paramref name="higher"/> reaches <paramref name="area"/>: its options by kernel, the kernels allowed, and its weights per kernel tap.</summary>
    private static FeedbackGeometry? Geometry(AreaShape area, AreaShape higher)
    {
        if (!area.IsSpatial || !higher.IsSpatial)
            return new FeedbackGeometry(_ => new DenseProjection.Options(SourceResampling.None), [1], area.Size * higher.Size, _ => "dense");
        long unit = (long)area.Channels * higher.Channels;
        if (area.Height == higher.Height && area.Width == higher.Width)
            return new FeedbackGeometry(k => SpecEdits.SameConv(k), [.. OddKernels.Where(k => k == 1 || k <= Math.Min(area.Height, area.Width))], unit, k => $"conv {k}×{k}");
        int f = area.Height / higher.Height;
        if (f >= 2 && area.Height == f * higher.Height && area.Width == f * higher.Width)
            return new FeedbackGeometry(k => new TransposedConvProjection.Options(k, f, Math.Max(0, (k - f + 1) / 2)), Kernels, unit, k => $"transposed-conv {k}×{k} ×{f}");
        return null;
    }

    /// <summary>A feedback projection's connectivity by kernel size.</summary>
    private sealed record FeedbackGeometry(Func<int, ProjectionOptions> Options, IReadOnlyList<int> Kernels, long Unit, Func<int, string> Describe);
}
