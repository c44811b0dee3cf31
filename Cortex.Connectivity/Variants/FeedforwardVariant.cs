namespace Cortex.Connectivity.Variants;

/// <summary>
/// <c>feedforward</c>: the network's lateral and feedback projections removed, and its leaks (τ = dt) — Spoerer et al.
/// 2017's B from BLT. Time, input, areas and readouts stay as they are: under a synchronous unroll every step is one
/// bottom-up sweep. A network with neither is refused (it is feedforward already), as is one whose areas are recurrent by
/// their kind (gated, cornet-rt).
/// </summary>
public sealed class FeedforwardVariant : VariantKind
{
    /// <inheritdoc/>
    public override string Word => "feedforward";

    /// <inheritdoc/>
    public override string Summary => "lateral and feedback projections and leaks removed (Spoerer et al. 2017's B from BLT)";

    /// <inheritdoc/>
    public override string MatchingRule => "not matched: it keeps the feedforward projections and loses the recurrent synapses";

    /// <inheritdoc/>
    protected override VariantEdit Transform(LoadedNetwork original, VariantSettings settings)
    {
        var form = FeedforwardForm.Of(original, Word).Recurrent(Word, "");
        return new VariantEdit(form.Spec with { Name = $"{original.Spec.Name}-{Word}" }, form.Changes);
    }
}
