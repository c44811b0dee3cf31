using Cortex.Areas;
using Cortex.Areas.Dynamics;

namespace Cortex.Connectivity.Spec;

/// <summary>One visual area: its name, level in the hierarchy, state shape, and its kind's options (how it updates).</summary>
public sealed record AreaSpec : SpecNode
{
    /// <summary>A name unique among areas and the input.</summary>
    public required string Name { get; init; }

    /// <summary>Position in the hierarchy, ≥ 1 (the input is level 0). Projection types are checked against it.</summary>
    public int Level { get; init; } = 1;

    /// <summary>The state of one image: [C, H, W] or [N].</summary>
    public AreaShape Shape { get; init; } = AreaShape.Unknown;

    /// <summary>The area kind's options (<c>kind</c> and its keys); the kind is <c>Options.Kind</c>.</summary>
    public required AreaOptions Options { get; init; }

    /// <summary>The area kind.</summary>
    public AreaKind Kind => Options.Kind;
}
