using Cortex.Areas.Modes;
using Cortex.Areas.Projections;

namespace Cortex.Connectivity.Spec;

/// <summary>
/// One typed projection: the target reads the source's state at t − <see cref="Delay"/>. What every projection has
/// (endpoints, type, delay, mode, initialisation, sign) is here; how it computes is its kind's <see cref="Options"/>.
/// Defaults are resolved when read (delay by type and unroll mode; padding from the kernel; factor 2 when resampling).
/// </summary>
public sealed record ProjectionSpec : SpecNode
{
    /// <summary>A name unique among projections; defaults to <c>from->to</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The source: an area or the input.</summary>
    public required string From { get; init; }

    /// <summary>The target area.</summary>
    public required string To { get; init; }

    /// <summary>Feedforward, lateral or feedback: a rule about levels and delays.</summary>
    public ProjectionType Type { get; init; }

    /// <summary>Steps between the source's state that is read and the target's update: the target at t reads the source at t − delay.</summary>
    public int Delay { get; init; }

    /// <summary>How it enters the target: additive, or a modulation of the drive.</summary>
    public ProjectionMode Mode { get; init; } = ProjectionModes.Additive;

    /// <summary>Weight initialisation.</summary>
    public WeightInit Init { get; init; } = WeightInit.Kaiming;

    /// <summary>Multiplies the initial weights.</summary>
    public double Gain { get; init; } = 1.0;

    /// <summary>Sign constraint on the weights.</summary>
    public WeightSign Sign { get; init; } = WeightSign.None;

    /// <summary>The projection kind's options (<c>connectivity</c> and its keys).</summary>
    public required ProjectionOptions Options { get; init; }

    /// <summary>The projection kind.</summary>
    public ProjectionKind Kind => Options.Kind;
}
