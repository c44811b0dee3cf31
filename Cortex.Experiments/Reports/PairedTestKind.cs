namespace Cortex.Experiments.Reports;

/// <summary>What a paired test compares.</summary>
public enum PairedTestKind
{
    /// <summary>Two arms (conditions, networks) against each other.</summary>
    Comparison,

    /// <summary>A trained arm intact (A) against the same runs lesioned at test time (B).</summary>
    Lesion,
}
