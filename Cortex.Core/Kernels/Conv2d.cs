using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;

namespace Cortex.Core.Kernels;

/// <summary>
/// The sizes of one 2-D convolution: x [Batch, InChannels, InHeight, InWidth] ⊛ w [OutChannels, InChannels,
/// KernelHeight, KernelWidth] → y [Batch, OutChannels, OutHeight, OutWidth], square stride and zero padding,
/// with OutHeight = (InHeight + 2·Padding − KernelHeight) / Stride + 1 (and likewise OutWidth).
/// </summary>
public readonly record struct Conv2dGeometry(int Batch, int InChannels, int InHeight, int InWidth, int OutChannels,
    int KernelHeight, int KernelWidth, int Stride, int Padding)
{
    /// <summary>Output height.</summary>
    public int OutHeight => Conv2d.OutputSize(InHeight, KernelHeight, Stride, Padding);

    /// <summary>Output width.</summary>
    public int OutWidth => Conv2d.OutputSize(InWidth, KernelWidth, Stride, Padding);

    /// <summary>Shape of the input x: [B, Ci, H, W].</summary>
    public Shape InputShape => new(Batch, InChannels, InHeight, InWidth);

    /// <summary>Shape of the weights w: [Co, Ci, Kh, Kw].</summary>
    public Shape WeightShape => new(OutChannels, InChannels, KernelHeight, KernelWidth);

    /// <summary>Shape of the output y: [B, Co, Ho, Wo].</summary>
    public Shape OutputShape => new(Batch, OutChannels, OutHeight, OutWidth);

    /// <summary>Multiply-adds of one pass (forward, backward-data or backward-weights) times two.</summary>
    public long Flops => 2L * Batch * OutChannels * OutHeight * OutWidth * InChannels * KernelHeight * KernelWidth;

    /// <summary>Throws, naming <paramref name="op"/> and the sizes, unless every size is positive and the output is non-empty.</summary>
    public Conv2dGeometry Validate(string op = "conv2d")
    {
        if (Batch <= 0 || InChannels <= 0 || InHeight <= 0 || InWidth <= 0 || OutChannels <= 0 || KernelHeight <= 0 || KernelWidth <= 0)
            throw new ArgumentException($"{op}: every size must be positive, got {Describe()}");
        if (Stride <= 0)
            throw new ArgumentOutOfRangeException(nameof(Stride), $"{op}: stride must be positive, got {Stride} ({Describe()})");
        if (Padding < 0)
            throw new ArgumentOutOfRangeException(nameof(Padding), $"{op}: padding must be ≥ 0, got {Padding} ({Describe()})");
        if (InHeight + 2 * Padding < KernelHeight || InWidth + 2 * Padding < KernelWidth)
            throw new ArgumentException(
                $"{op}: the {KernelHeight}×{KernelWidth} kernel does not fit the {InHeight}×{InWidth} input with padding {Padding}: the output would be empty ({Describe()})");
        return this;
    }

    /// <summary>
    /// The geometry of conv(x, w), read from the shapes of x [B, Ci, H, W] and w [Co, Ci, Kh, Kw], validated.
    /// </summary>
    public static Conv2dGeometry From<T>(Tensor<T> x, Tensor<T> w, int stride, int padding, string op = "conv2d")
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check.Rank(op, "x", x, 4, "[B, Ci, H, W]");
        Check.Rank(op, "w", w, 4, "[Co, Ci, Kh, Kw]");
        if (w.Shape[1] != x.Shape[1])
            throw new ArgumentException($"{op}: w {w.Shape} expects {w.Shape[1]} input channels (w is [Co, Ci, Kh, Kw]), but x {x.Shape} has {x.Shape[1]} (x is [B, Ci, H, W])");
        return new Conv2dGeometry(x.Shape[0], x.Shape[1], x.Shape[2], x.Shape[3], w.Shape[0], w.Shape[2], w.Shape[3], stride, padding).Validate(op);
    }

    private string Describe() =>
        $"x [{Batch}, {InChannels}, {InHeight}, {InWidth}], w [{OutChannels}, {InChannels}, {KernelHeight}, {KernelWidth}], stride {Stride}, padding {Padding}";
}

/// <summary>
/// 2-D convolution (cross-correlation, as in PyTorch), NCHW: y[b, co, i, j] = bias[co] +
/// Σ_{ci, u, v} w[co, ci, u, v] · x[b, ci, i·s − p + u, j·s − p + v], with x read as zero outside the image.
/// Forward, backward-data and backward-weights side by side; the CPU half (Conv2d.Cpu.cs) lowers each pass to
/// matrix products over cache-sized column blocks, the ILGPU half (Conv2d.Gpu.cs) to direct kernels for
/// few input channels, otherwise to gather kernels and a few large (batched) products per chunk of images.
/// Input gradients take <c>accumulate</c>; parameter gradients always accumulate (+=), because
/// backpropagation through time sums them over steps.
/// </summary>
public static partial class Conv2d
{
    /// <summary>The output extent along one axis of length n: ⌊(n + 2p − k)/s⌋ + 1, or 0 when the kernel does not fit the padded input.</summary>
    public static int OutputSize(int n, int kernel, int stride, int padding)
        => n + 2 * padding < kernel ? 0 : (n + 2 * padding - kernel) / stride + 1;

    /// <summary>
    /// y = conv(x, w) + bias, or y += conv(x, w) + bias when <paramref name="accumulate"/> (an area's drive
    /// is a sum of projections). x [B, Ci, H, W], w [Co, Ci, Kh, Kw], bias [Co] or null, y [B, Co, Ho, Wo].
    /// </summary>
    public static void Forward<T>(Tensor<T> x, Tensor<T> w, Tensor<T>? bias, Tensor<T> y, int stride, int padding, bool accumulate = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "conv2d forward";
        var backend = Check.SameBackend(op, x, w, bias, y);
        var g = Conv2dGeometry.From(x, w, stride, padding, op);
        Check.Shape(op, "y", y, g.OutputShape);
        if (bias is not null) Check.Shape(op, "bias", bias, new Shape(g.OutChannels));
        ForwardCore(backend, g, x, w, bias, y, accumulate);
    }

    /// <summary>
    /// dx = conv(·, w)ᵀ dy, the gradient of the input (or dx += … when <paramref name="accumulate"/>).
    /// dy [B, Co, Ho, Wo], w [Co, Ci, Kh, Kw], dx [B, Ci, H, W].
    /// </summary>
    public static void BackwardData<T>(Tensor<T> dy, Tensor<T> w, Tensor<T> dx, int stride, int padding, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "conv2d backward data";
        var backend = Check.SameBackend(op, dy, w, dx);
        var g = Conv2dGeometry.From(dx, w, stride, padding, op);
        Check.Shape(op, "dy", dy, g.OutputShape);
        BackwardDataCore(backend, g, dy, w, dx, accumulate);
    }

    /// <summary>
    /// dw += Σ_b dy_b · im2col(x_b)ᵀ and dbias += Σ_{b, i, j} dy (always accumulated: gradients sum over time
    /// steps; zero them before the first step). x [B, Ci, H, W], dy [B, Co, Ho, Wo], dw [Co, Ci, Kh, Kw], dbias [Co] or null.
    /// </summary>
    public static void BackwardWeights<T>(Tensor<T> x, Tensor<T> dy, Tensor<T> dw, Tensor<T>? dbias, int stride, int padding)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "conv2d backward weights";
        var backend = Check.SameBackend(op, x, dy, dw, dbias);
        var g = Conv2dGeometry.From(x, dw, stride, padding, op);
        Check.Shape(op, "dy", dy, g.OutputShape);
        if (dbias is not null) Check.Shape(op, "dbias", dbias, new Shape(g.OutChannels));
        BackwardWeightsCore(backend, g, x, dy, dw, dbias);
    }

    // The three passes on validated geometry; ConvTranspose2d reuses them with the roles of x and y swapped.

    internal static void ForwardCore<T>(IBackend<T> backend, Conv2dGeometry g, Tensor<T> x, Tensor<T> w, Tensor<T>? bias, Tensor<T> y, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (backend is IlgpuBackend<T> gpu)
            GpuForward(gpu, g, x, w, bias, y, accumulate);
        else
            CpuForward((CpuBackend<T>)backend, g, x, w, bias, y, accumulate);
    }

    internal static void BackwardDataCore<T>(IBackend<T> backend, Conv2dGeometry g, Tensor<T> dy, Tensor<T> w, Tensor<T> dx, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (backend is IlgpuBackend<T> gpu)
            GpuBackwardData(gpu, g, dy, w, dx, accumulate);
        else
            CpuBackwardData((CpuBackend<T>)backend, g, dy, w, dx, accumulate);
    }

    /// <summary>dw += the weight gradient; dbias (when given) += Σ dy over batch and pixels.</summary>
    internal static void BackwardWeightsCore<T>(IBackend<T> backend, Conv2dGeometry g, Tensor<T> x, Tensor<T> dy, Tensor<T> dw, Tensor<T>? dbias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // The GPU path and the direct CPU path sum dbias along with dw; elsewhere it is one more pass over dy.
        if (backend is IlgpuBackend<T> gpu)
        {
            GpuBackwardWeights(gpu, g, x, dy, dw, dbias);
            return;
        }
        if (CpuBackwardWeights((CpuBackend<T>)backend, g, x, dy, dw, dbias))
            return;
        if (dbias is not null)
            Reduce.SumOverAxes(dy, g.Batch, g.OutChannels, g.OutHeight * g.OutWidth, dbias, accumulate: true);
    }

    /// <summary>y[b, c, ·] += bias[c] for y seen as [batch, channels, inner].</summary>
    internal static void AddBias<T>(IBackend<T> backend, Tensor<T> y, Tensor<T> bias, int batch, int channels, int inner)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (backend is IlgpuBackend<T> gpu)
            GpuAddBias(gpu, y, bias, new Layout(batch, channels, inner));
        else
            CpuAddBias((CpuBackend<T>)backend, y, bias, batch, channels, inner);
    }

    internal readonly record struct Layout(int Batch, int Channels, int Inner);
}
