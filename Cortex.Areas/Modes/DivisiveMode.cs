using System.Numerics;
using Cortex.Core.Kernels;

namespace Cortex.Areas.Modes;

/// <summary>
/// <c>mode: divisive</c>: divisive normalisation of the drive by a learned pool of the feedback (or lateral) drive,
/// <code>
/// y = d · (1 + ln 2) / (1 + softplus(u)),   u = Σ the target's divisive projections
/// </code>
/// the normalisation equation of Carandini &amp; Heeger (2012), R = D / (σ + pool), with σ = 1 (in units of the drive)
/// and the pool made positive and smooth by softplus, so the divisor never reaches 0 or changes sign; the projections'
/// weights are the pool's learned weighting. The factor 1 + ln 2 = 1 + softplus(0) makes u = 0 neutral (y = d): a divisive
/// projection with zero weights, or one lesioned to silence, leaves the drive as if it were absent, as a multiplicative
/// one does. A large pool suppresses towards 0; a negative u can raise the drive by at most 1 + ln 2 ≈ 1.69.
/// </summary>
public sealed class DivisiveMode : ModulatoryMode<Divisive<float>, Divisive<double>>
{
    /// <inheritdoc/>
    public override string Word => "divisive";

    /// <inheritdoc/>
    public override string Summary => "divisive normalisation: drive · (1 + ln 2) / (1 + softplus u)";

    /// <inheritdoc/>
    public override string Symbol => "÷";
}

/// <summary>
/// The divisive normalisation's per-element maths: y = c·d/(1 + s), s = softplus(u), c = 1 + ln 2;
/// ∂y/∂d = c/(1 + s), ∂y/∂u = −c·d·sigmoid(u)/(1 + s)².
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public readonly struct Divisive<T> : IModulation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static string Name => "divisive normalisation";

    /// <inheritdoc/>
    public static T Apply(T drive, T input) => Neutral() * drive / (T.One + Softplus(input));

    /// <inheritdoc/>
    public static (T DDrive, T DInput) Gradients(T drive, T input, T dy)
    {
        T divisor = T.One + Softplus(input);
        T scale = Neutral() / divisor;
        return (dy * scale, -dy * drive * scale * Sigmoid(input) / divisor);
    }

    /// <summary>1 + ln 2 = 1 + softplus(0).</summary>
    private static T Neutral() => T.One + T.Log(T.One + T.One);

    private static T Softplus(T u) => (u > T.Zero ? u : T.Zero) + T.Log(T.One + T.Exp(-T.Abs(u)));

    private static T Sigmoid(T u) => T.One / (T.One + T.Exp(-u));
}
