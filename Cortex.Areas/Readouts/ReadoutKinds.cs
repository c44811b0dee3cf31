using Cortex.Areas.Options;

namespace Cortex.Areas.Readouts;

/// <summary>The closed set of readout kinds (the <c>kind</c> key of a readout), one line each.</summary>
public static class ReadoutKinds
{
    /// <summary>Every readout kind.</summary>
    public static readonly Registry<ReadoutKind> All = new("readout kind",
        new LinearReadout());

    /// <summary>linear, the default.</summary>
    public static ReadoutKind Linear => All["linear"];
}
