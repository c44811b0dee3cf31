namespace Cortex.Experiments.Reports;

/// <summary>The ledger figures a report gives for an arm's network.</summary>
/// <param name="Synapses">Unique trainable projection weights (shared weights once).</param>
/// <param name="MacsPerStep">Synaptic operations (multiply–accumulates) per image at each step t = 1..T (index t − 1), or at each head.</param>
public sealed record LedgerFigures(long Synapses, IReadOnlyList<long> MacsPerStep)
{
    /// <summary>Synaptic operations per image over all steps.</summary>
    public long MacsPerImage => MacsPerStep.Sum();
}
