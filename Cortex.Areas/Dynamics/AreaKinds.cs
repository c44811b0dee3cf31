using Cortex.Areas.Options;

namespace Cortex.Areas.Dynamics;

/// <summary>The closed set of area kinds (the <c>kind</c> key of an area), one line each.</summary>
public static class AreaKinds
{
    /// <summary>Every area kind, in documentation order.</summary>
    public static readonly Registry<AreaKind> All = new("area kind",
        new StandardArea(),
        new GatedArea(),
        new CornetRtArea());

    /// <summary>standard, the default.</summary>
    public static AreaKind Standard => All["standard"];
}
