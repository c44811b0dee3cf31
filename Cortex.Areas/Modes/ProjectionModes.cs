using Cortex.Areas.Options;

namespace Cortex.Areas.Modes;

/// <summary>
/// The closed set of projection modes (the <c>mode</c> key), one line each. An area gets one input per modulatory mode
/// that targets it; the modulations apply to the drive in this order.
/// </summary>
public static class ProjectionModes
{
    /// <summary>Every mode, in the order modulations apply.</summary>
    public static readonly Registry<ProjectionMode> All = new("mode",
        new AdditiveMode(),
        new MultiplicativeMode(),
        new DivisiveMode());

    /// <summary>additive, the default.</summary>
    public static ProjectionMode Additive => All["additive"];
}
