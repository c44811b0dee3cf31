using Cortex.Connectivity.Spec;

namespace Cortex.Connectivity.Variants;

/// <summary>
/// <c>tied-every-k</c>: the weight-tying dial between recurrence and depth — steps 1..k share one copy of the weights,
/// k+1..2k the next, … (<c>weight_tying: tied-every-k</c>), with k from <see cref="VariantSettings.K"/>. k must lie in
/// 2..T − 1: k = 1 is <c>untied</c>, and k ≥ T one block, the shared network itself.
/// </summary>
public sealed class TiedEveryKVariant : VariantKind
{
    /// <inheritdoc/>
    public override string Word => "tied-every-k";

    /// <inheritdoc/>
    public override string Summary => "a copy of the weights per block of k steps: between recurrent (shared) and untied";

    /// <inheritdoc/>
    public override string MatchingRule => "not matched: equal depth and computation, ⌈T/k⌉ times the synapses";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Settings => ["k"];

    /// <inheritdoc/>
    protected override VariantEdit Transform(LoadedNetwork original, VariantSettings settings)
    {
        var spec = original.Spec;
        int k = settings.K ?? throw new ArgumentException($"{Word} needs k, the steps that share a copy of the weights (tied-every-2, or --k 2)");
        if (k < 1) throw new ArgumentException($"{Word}: k must be ≥ 1, got {k}");
        int steps = spec.Time.Steps;
        if (k == 1) throw new VariantNotApplicable($"tied-every-1 is untied (a copy of the weights per step); use the untied variant");
        if (k >= steps)
            throw new VariantNotApplicable($"tied-every-{k} does not apply to {spec.Name}: with {steps} step{(steps == 1 ? "" : "s")} one block of {k} is the shared network itself; k must be below time.steps ({steps})");
        if (spec.WeightTying == WeightTying.TiedEveryK && spec.TyingBlock == k)
            throw new VariantNotApplicable($"tied-every-{k} does not apply to {spec.Name}: its weights are tied every {k} steps already");
        return UntiedVariant.Tying(original, spec with { Name = $"{spec.Name}-tied-every-{k}", WeightTying = WeightTying.TiedEveryK, TyingBlock = k });
    }
}
