using Cortex.Areas.Projections;
using Cortex.Connectivity.Spec;

namespace Cortex.Connectivity.Variants;

/// <summary>
/// <c>feedback-as-lateral</c>: is it feedback that helps, or just more recurrent weights? Each feedback projection into an
/// area A is replaced by n lateral projections A → A (k×k convolutions that keep the map's size, or dense for a vector
/// area) with the feedback's mode, initialisation and sign, whose synapses n·C_A²·k² come closest to the feedback's
/// (<see cref="SynapseTransfer"/>: k ∈ {1, 3, 5, 7}, fewer projections on ties). The first reads the feedback's delay;
/// each further one reads a later step no lateral of A in that mode reads already, because two at one delay would be one
/// convolution with summed weights. Matched in synapses: the network's total within 2%.
/// </summary>
public sealed class FeedbackAsLateralVariant : VariantKind
{
    private static readonly int[] Kernels = [1, 3, 5, 7];

    /// <inheritdoc/>
    public override string Word => "feedback-as-lateral";

    /// <inheritdoc/>
    public override string Summary => "each feedback projection replaced by lateral projections in its target area with as many synapses";

    /// <inheritdoc/>
    public override string MatchingRule => "each feedback's synapses by n lateral k×k convolutions (n·C²·k² closest), each at its own delay; the network's synapses within 2%";

    /// <inheritdoc/>
    protected override VariantEdit Transform(LoadedNetwork original, VariantSettings settings)
    {
        var spec = original.Spec;
        if (!spec.Projections.Any(p => p.Type == ProjectionType.Feedback))
            throw new VariantNotApplicable($"{Word} does not apply to {spec.Name}: it has no feedback projections");
        var projections = new List<ProjectionSpec>();
        var changes = new List<string>();
        foreach (var p in spec.Projections)
        {
            if (p.Type != ProjectionType.Feedback)
            {
                projections.Add(p);
                continue;
            }
            var target = original.Graph.Node(p.To).Shape;
            long synapses = SpecEdits.WeightsPerCopy(original, p.Name);
            var kernels = target.IsSpatial ? Kernels.Where(k => k == 1 || k <= Math.Min(target.Height, target.Width)).ToArray() : [1];
            long unit = target.IsSpatial ? (long)target.Channels * target.Channels : target.Size * target.Size;
            var others = spec.Projections.Where(o => o.Type != ProjectionType.Feedback).Concat(projections);
            var choice = SynapseTransfer.Closest(synapses, unit, kernels, SynapseTransfer.FreeDelays(others, p.To, p.To, p.Mode, p.Delay, spec.Time.Steps));
            ProjectionOptions options = target.IsSpatial ? SpecEdits.SameConv(choice.Kernel) : new DenseProjection.Options(SourceResampling.None);
            foreach (int delay in choice.Delays)
                projections.Add(SpecEdits.Projection($"{p.To}->{p.To}.d{delay}", p.To, p.To, ProjectionType.Lateral, delay, options, like: p));
            string connectivity = target.IsSpatial ? $"conv {choice.Kernel}×{choice.Kernel}" : "dense";
            changes.Add($"feedback {p.Name} ({Matching.Count(synapses)} synapses) → {SynapseTransfer.Describe(choice, "lateral", p.To, p.To, connectivity)}{ModeWords(p)} "
                + $"({Matching.Count(choice.Synapses)}; {Matching.Change(synapses, choice.Synapses)})");
        }
        return new VariantEdit(SpecEdits.Recomplete(spec with { Name = $"{spec.Name}-{Word}", Projections = projections }), changes, MatchQuantity.Synapses);
    }

    /// <summary>", multiplicative" for a modulatory mode; nothing for additive.</summary>
    internal static string ModeWords(ProjectionSpec p) => p.Mode.Modulatory ? $", {p.Mode.Word}" : "";
}
