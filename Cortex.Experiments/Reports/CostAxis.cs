namespace Cortex.Experiments.Reports;

/// <summary>The cost an accuracy is plotted against.</summary>
public enum CostAxis
{
    /// <summary>Unique trainable projection weights.</summary>
    Synapses,

    /// <summary>Synaptic operations (multiply–accumulates) per image over all steps.</summary>
    MacsPerImage,
}
