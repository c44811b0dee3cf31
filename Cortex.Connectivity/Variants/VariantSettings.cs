using Cortex.Areas.Readouts;

namespace Cortex.Connectivity.Variants;

/// <summary>What a matched variant is matched on.</summary>
public enum MatchQuantity
{
    /// <summary>Synapses: unique trainable synaptic weights (the ledger's <see cref="Graph.Ledger.Synapses"/>).</summary>
    Synapses,

    /// <summary>Multiply–accumulates per image over all T steps (the ledger's <see cref="Graph.Ledger.SynapticOpsPerImage"/>).</summary>
    Macs,
}

/// <summary>The settings a variant kind may read; each kind lists those it reads in <see cref="VariantKind.Settings"/>.</summary>
public sealed record VariantSettings
{
    /// <summary>Every setting at its default.</summary>
    public static readonly VariantSettings Default = new();

    /// <summary>match: what the matched feedforward controls (wider, larger-kernels, deeper) are matched on; synapses by default.</summary>
    public MatchQuantity Match { get; init; } = MatchQuantity.Synapses;

    /// <summary>k: the block of tied-every-k (steps 1..k share a copy of the weights, k+1..2k the next, …).</summary>
    public int? K { get; init; }

    /// <summary>
    /// loss: which heads of aux-heads are trained: <see cref="LossPlacement.EveryStep"/> (every head, the default) or
    /// <see cref="LossPlacement.Final"/> (the deepest head of each readout; the others get loss_weight 0 and are evaluated only).
    /// </summary>
    public LossPlacement? HeadLoss { get; init; }
}
