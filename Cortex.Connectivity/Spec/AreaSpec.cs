using Cortex.Areas;

namespace Cortex.Connectivity.Spec;

/// <summary>
/// One visual area. Its state follows h(t) = (1 − α)·h(t−1) + α·f(norm(drive(t))), α = dt/τ, where drive is the
/// sum of its additive projections (+ bias), scaled by the gain of its multiplicative ones.
/// </summary>
public sealed record AreaSpec : SpecNode
{
    public required string Name { get; init; }

    /// <summary>Position in the hierarchy, ≥ 1 (the input is level 0). Projection types are checked against it.</summary>
    public int Level { get; init; } = 1;

    public AreaShape Shape { get; init; } = AreaShape.Unknown;
    public ActivationKind Activation { get; init; } = ActivationKind.Relu;
    public NormalisationMode Norm { get; init; } = NormalisationMode.None;

    /// <summary>Time constant τ, in the same unit as dt; τ = dt is a plain RNN (α = 1). Defaults to dt.</summary>
    public double Tau { get; init; } = 1.0;

    /// <summary>Whether τ is learned (one τ per channel, or per unit for a vector area).</summary>
    public bool TauTrainable { get; init; }

    /// <summary>
    /// Whether the drive has a learned bias (one per channel, or per unit for a vector area). Read from a file, it defaults
    /// to false for an area that normalises a drive no multiplicative projection scales (the bias would cancel), else true.
    /// </summary>
    public bool Bias { get; init; } = true;

    public InitialState InitialState { get; init; } = InitialState.Zero;

    /// <summary>α = dt/τ, the fraction of the new value mixed into the state each step.</summary>
    public double Alpha(double dt) => dt / Tau;

    /// <summary>Whether the state carries part of h(t−1) into h(t) without a projection (τ &gt; dt, or τ learned).</summary>
    public bool IsLeaky(double dt) => TauTrainable || Tau > dt;
}
