using System.Numerics;
using Cortex.Core.Kernels;

namespace Cortex.Areas.Modes;

/// <summary>
/// <c>mode: multiplicative</c>: a gain on the drive, d ← d ⊙ (1 + tanh u), where u sums the target's multiplicative
/// projections. The gain is exactly 1 at u = 0 and stays in (0, 2): feedback can amplify or suppress what the drive
/// carries but cannot create activity where there is none.
/// </summary>
public sealed class MultiplicativeMode : ModulatoryMode<Gain<float>, Gain<double>>
{
    /// <inheritdoc/>
    public override string Word => "multiplicative";

    /// <inheritdoc/>
    public override string Summary => "gain: drive ⊙ (1 + tanh u)";

    /// <inheritdoc/>
    public override string Symbol => "×";
}

/// <summary>The gain's per-element maths: y = d·(1 + tanh u); ∂y/∂d = 1 + tanh u, ∂y/∂u = d·(1 − tanh² u).</summary>
/// <typeparam name="T">float or double.</typeparam>
public readonly struct Gain<T> : IModulation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static string Name => "gain";

    /// <inheritdoc/>
    public static T Apply(T drive, T input) => drive * (T.One + T.Tanh(input));

    /// <inheritdoc/>
    public static (T DDrive, T DInput) Gradients(T drive, T input, T dy)
    {
        T th = T.Tanh(input);
        return (dy * (T.One + th), dy * drive * (T.One - th * th));
    }
}
