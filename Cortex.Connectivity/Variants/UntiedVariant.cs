using Cortex.Connectivity.Graph;
using Cortex.Connectivity.Spec;

namespace Cortex.Connectivity.Variants;

/// <summary>
/// <c>untied</c>: the depth-matched feedforward twin — the same network with a separate copy of every projection's weights
/// (and of areas' own synapses) for each step (<c>weight_tying: untied</c>). Refused for one step (a copy per step is the
/// shared weights) and for a network that is untied already.
/// </summary>
public sealed class UntiedVariant : VariantKind
{
    /// <inheritdoc/>
    public override string Word => "untied";

    /// <inheritdoc/>
    public override string Summary => "a copy of the weights per step: the untied twin of equal depth (weight_tying: untied)";

    /// <inheritdoc/>
    public override string MatchingRule => "not matched: equal depth and computation, T times the synapses";

    /// <inheritdoc/>
    protected override VariantEdit Transform(LoadedNetwork original, VariantSettings settings)
    {
        var spec = original.Spec;
        if (spec.Time.Steps == 1)
            throw new VariantNotApplicable($"{Word} does not apply to {spec.Name}: it has one step (time.steps 1), where a copy of the weights per step is the shared weights");
        if (spec.WeightTying == WeightTying.Untied)
            throw new VariantNotApplicable($"{Word} does not apply to {spec.Name}: its weights are untied already");
        return Tying(original, spec with { Name = $"{spec.Name}-{Word}", WeightTying = WeightTying.Untied, TyingBlock = 1 });
    }

    /// <summary>The edit that changes weight tying, with the synapses it costs.</summary>
    internal static VariantEdit Tying(LoadedNetwork original, NetworkSpec tied)
    {
        var ledger = NetworkLoader.Validate(tied).Ledger;
        long before = original.Ledger.Synapses;
        return new VariantEdit(tied,
        [
            $"weight_tying {Schedule.Tying(original.Spec)} → {Schedule.Tying(tied)}: {ledger.WeightCopies} cop{(ledger.WeightCopies == 1 ? "y" : "ies")} of every synaptic weight over {tied.Time.Steps} steps "
            + $"(was {original.Ledger.WeightCopies}); synapses {Matching.Count(before)} → {Matching.Count(ledger.Synapses)} ({Matching.Signed(ledger.Synapses - before)})",
        ]);
    }
}
