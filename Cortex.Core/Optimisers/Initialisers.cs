using System.Numerics;
using Cortex.Core.Tensors;

namespace Cortex.Core.Optimisers;

/// <summary>How a weight's scale is set from its fans (He et al. 2015; Glorot &amp; Bengio 2010).</summary>
public enum InitScheme
{
    /// <summary>Normal with std = gain / √fan_in.</summary>
    KaimingNormal,
    /// <summary>Uniform on ±gain·√(3 / fan_in).</summary>
    KaimingUniform,
    /// <summary>Normal with std = gain·√(2 / (fan_in + fan_out)).</summary>
    XavierNormal,
    /// <summary>Uniform on ±gain·√(6 / (fan_in + fan_out)).</summary>
    XavierUniform,
}

/// <summary>The nonlinearity that follows the weights, which sets the gain: linear 1, relu √2, tanh 5/3.</summary>
public enum Nonlinearity
{
    /// <summary>No nonlinearity (gain 1).</summary>
    Linear,
    /// <summary>ReLU (gain √2).</summary>
    Relu,
    /// <summary>tanh (gain 5/3).</summary>
    Tanh,
}

/// <summary>
/// A weight initialisation: a scheme and the nonlinearity whose gain it uses. Values are drawn on the host
/// from System.Random(seed) (normals by Box–Muller) and uploaded, so the same seed gives the same weights
/// on every backend. Fans come from the weight shape: [Out, In] (dense) has fan_in = In, fan_out = Out;
/// [Co, Ci, Kh, Kw] (convolution) has fan_in = Ci·Kh·Kw, fan_out = Co·Kh·Kw.
/// </summary>
public readonly record struct Initialiser(InitScheme Scheme, Nonlinearity Nonlinearity = Nonlinearity.Relu)
{
    /// <summary>He normal initialisation, std = gain / √fan_in (default gain: ReLU's).</summary>
    public static Initialiser KaimingNormal(Nonlinearity nonlinearity = Nonlinearity.Relu) => new(InitScheme.KaimingNormal, nonlinearity);

    /// <summary>He uniform initialisation on ±gain·√(3 / fan_in) (default gain: ReLU's).</summary>
    public static Initialiser KaimingUniform(Nonlinearity nonlinearity = Nonlinearity.Relu) => new(InitScheme.KaimingUniform, nonlinearity);

    /// <summary>Glorot normal initialisation, std = gain·√(2 / (fan_in + fan_out)) (default gain: 1).</summary>
    public static Initialiser XavierNormal(Nonlinearity nonlinearity = Nonlinearity.Linear) => new(InitScheme.XavierNormal, nonlinearity);

    /// <summary>Glorot uniform initialisation on ±gain·√(6 / (fan_in + fan_out)) (default gain: 1).</summary>
    public static Initialiser XavierUniform(Nonlinearity nonlinearity = Nonlinearity.Linear) => new(InitScheme.XavierUniform, nonlinearity);

    /// <summary>The gain of <see cref="Nonlinearity"/>: 1 for linear, √2 for ReLU, 5/3 for tanh.</summary>
    public double Gain => Nonlinearity switch
    {
        Nonlinearity.Linear => 1,
        Nonlinearity.Relu => Math.Sqrt(2),
        Nonlinearity.Tanh => 5.0 / 3,
        _ => throw new ArgumentOutOfRangeException(nameof(Nonlinearity), Nonlinearity, "unknown nonlinearity"),
    };

    /// <summary>(fan_in, fan_out) of a weight of rank ≥ 2: dims [Out, In, receptive field…].</summary>
    public static (int FanIn, int FanOut) Fans(Shape shape)
    {
        if (shape.Rank < 2)
            throw new ArgumentException($"initialiser: a weight needs at least [Out, In] (rank 2) to have fans, got shape {shape}");
        long receptive = 1;
        for (int d = 2; d < shape.Rank; d++) receptive *= shape[d];
        return ((int)(shape[1] * receptive), (int)(shape[0] * receptive));
    }

    /// <summary>The standard deviation of the distribution for a weight of this shape (uniform: bound/√3).</summary>
    public double StandardDeviation(Shape shape)
    {
        var (fanIn, fanOut) = Fans(shape);
        return Scheme switch
        {
            InitScheme.KaimingNormal or InitScheme.KaimingUniform => Gain / Math.Sqrt(fanIn),
            InitScheme.XavierNormal or InitScheme.XavierUniform => Gain * Math.Sqrt(2.0 / (fanIn + fanOut)),
            _ => throw new ArgumentOutOfRangeException(nameof(Scheme), Scheme, "unknown initialisation scheme"),
        };
    }

    /// <summary>The values for a weight of this shape, in row-major order.</summary>
    public double[] Sample(Shape shape, int seed)
    {
        double std = StandardDeviation(shape);
        var random = new Random(seed);
        var values = new double[shape.Size];
        if (Scheme is InitScheme.KaimingUniform or InitScheme.XavierUniform)
        {
            double bound = std * Math.Sqrt(3);
            for (int i = 0; i < values.Length; i++) values[i] = (2 * random.NextDouble() - 1) * bound;
            return values;
        }
        for (int i = 0; i < values.Length; i += 2)
        {
            // Box–Muller: two independent standard normals from two uniforms; 1 − u keeps the logarithm finite.
            double r = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble()));
            double angle = 2 * Math.PI * random.NextDouble();
            values[i] = std * r * Math.Cos(angle);
            if (i + 1 < values.Length) values[i + 1] = std * r * Math.Sin(angle);
        }
        return values;
    }

    /// <summary>Draws the values for <paramref name="weight"/> on the host and uploads them.</summary>
    public void Apply<T>(Tensor<T> weight, int seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(weight);
        var values = Sample(weight.Shape, seed);
        var cast = new T[values.Length];
        for (int i = 0; i < values.Length; i++) cast[i] = T.CreateChecked(values[i]);
        weight.CopyFrom(cast);
    }
}
