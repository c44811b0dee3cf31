namespace Cortex.Connectivity.Spec;

/// <summary>How the source's units connect to the target's: a k×k convolution or all-to-all.</summary>
public enum ConnectivityKind { Conv, Dense }

/// <summary>
/// Resampling between map sizes. Pooling and upsampling are applied to the source first, so the convolution
/// runs on the target's grid; a transposed convolution is itself the connection (stride = factor).
/// </summary>
public enum Resampling { None, MaxPool, AvgPool, UpsampleNearest, UpsampleBilinear, TransposedConv }

/// <summary>
/// How a projection enters its target's drive. Additive: drive += W∗x. Multiplicative (lateral and feedback only):
/// its output g = Σ (W∗x) over the target's multiplicative projections sets a gain, drive ← drive ⊙ (1 + tanh(g)),
/// which is 1 at g = 0 and stays in (0, 2).
/// </summary>
public enum ProjectionMode { Additive, Multiplicative }

/// <summary>Weight initialisation: Kaiming (He) normal, std = gain·√(2 / fan_in), or Xavier (Glorot) normal, std = gain·√(2 / (fan_in + fan_out)).</summary>
public enum WeightInit { Kaiming, Xavier }

/// <summary>An optional sign constraint on the weights (Dale's law): none, all ≥ 0, or all ≤ 0.</summary>
public enum WeightSign { None, Excitatory, Inhibitory }

/// <summary>
/// One typed projection: the target reads the source's state at t − <see cref="Delay"/>. Defaults are resolved
/// when read (delay by type and unroll mode; padding from the kernel; factor 2 when resampling).
/// </summary>
public sealed record ProjectionSpec : SpecNode
{
    /// <summary>A name unique among projections; defaults to <c>from->to</c>.</summary>
    public required string Name { get; init; }
    public required string From { get; init; }
    public required string To { get; init; }
    public ProjectionType Type { get; init; }
    public ConnectivityKind Connectivity { get; init; } = ConnectivityKind.Conv;

    /// <summary>Square kernel size k (convolution and transposed convolution).</summary>
    public int Kernel { get; init; } = 3;

    /// <summary>Convolution stride (a transposed convolution's stride is its <see cref="Factor"/>).</summary>
    public int Stride { get; init; } = 1;

    /// <summary>Zero padding on each side. Default: ⌊k/2⌋ for a convolution ("same" size at stride 1 for odd k);
    /// ⌈(k − factor)/2⌉ for a transposed convolution, with output padding chosen to multiply the size by factor.</summary>
    public int Padding { get; init; } = 1;

    public Resampling Resampling { get; init; } = Resampling.None;

    /// <summary>The resampling factor (pool size and stride, upsampling factor, transposed-conv stride); 1 without resampling.</summary>
    public int Factor { get; init; } = 1;

    /// <summary>Steps between the source's state that is read and the target's update: the target at t reads the source at t − delay.</summary>
    public int Delay { get; init; }

    public ProjectionMode Mode { get; init; } = ProjectionMode.Additive;
    public WeightInit Init { get; init; } = WeightInit.Kaiming;
    public double Gain { get; init; } = 1.0;
    public WeightSign Sign { get; init; } = WeightSign.None;
}
