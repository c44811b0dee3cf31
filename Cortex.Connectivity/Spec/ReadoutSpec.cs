using Cortex.Areas.Readouts;

namespace Cortex.Connectivity.Spec;

/// <summary>A readout of one area: class scores at chosen steps, trained under its loss schedule.</summary>
public sealed record ReadoutSpec : SpecNode
{
    /// <summary>A name unique among readouts; its parameters are <c>{Name}.weight</c> and <c>{Name}.bias</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The area it reads.</summary>
    public required string From { get; init; }

    /// <summary>The readout kind's options (<c>kind</c> and its keys).</summary>
    public required ReadoutOptions Options { get; init; }

    /// <summary>The readout kind.</summary>
    public ReadoutKind Kind => Options.Kind;

    /// <summary>K.</summary>
    public int Classes => Options.Classes;
}
