using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;

namespace Cortex.Core.Kernels;

/// <summary>
/// Resampling of each (b, c) plane of an x [B, C, H, W] to a y [B, C, Ho, Wo] of any size Ho, Wo ≥ 1 (up or
/// down, not necessarily by an integer factor), forward and backward, on every backend. The two modes follow
/// PyTorch's <c>interpolate</c> given an output size:
/// <list type="bullet">
/// <item>Nearest ('nearest'): y[o] = x[floor(o·H / Ho)] along each axis, computed exactly in integers
/// (PyTorch computes o·(H/Ho) in floating point, which can differ by one in rare rounding cases).</item>
/// <item>Bilinear with align_corners = false: along each axis src = (o + ½)·H/Ho − ½, clamped below at 0;
/// the neighbours are i0 = floor(src) and i1 = min(i0 + 1, H − 1), with weights 1 − λ and λ = src − i0.
/// The scale H/Ho is computed in the element type T, as PyTorch does.</item>
/// </list>
/// Backward passes are gathers: each input element sums the contributions of the bounded range of outputs
/// that read it, so the GPU kernels need no atomics. Input gradients overwrite dx, or add to it when
/// <c>accumulate</c> is true.
/// </summary>
public static partial class Upsample
{
    /// <summary>The extent along one axis of length n upsampled by an integer factor: n·factor.</summary>
    public static int OutputSize(int n, int factor) => n * factor;

    /// <summary>y[b, c, i, j] = x[b, c, floor(i·H/Ho), floor(j·W/Wo)]. y: [B, C, Ho, Wo].</summary>
    public static void NearestForward<T>(Tensor<T> x, Tensor<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "nearest upsample forward";
        var backend = Check.SameBackend(op, x, y);
        var g = Geometry(op, "x", x, "y", y);
        if (backend is IlgpuBackend<T> gpu)
        {
            gpu.Launch(NearestForwardKernel, y.Length, x.View, y.View, g);
            return;
        }
        NearestForwardCpu((CpuBackend<T>)backend, x, y, g);
    }

    /// <summary>dx[e] = Σ of dy over the outputs that copy e (or dx += … when <paramref name="accumulate"/>).</summary>
    public static void NearestBackward<T>(Tensor<T> dy, Tensor<T> dx, bool accumulate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "nearest upsample backward";
        var backend = Check.SameBackend(op, dy, dx);
        var g = Geometry(op, "dx", dx, "dy", dy);
        if (backend is IlgpuBackend<T> gpu)
        {
            gpu.Launch(NearestBackwardKernel, dx.Length, dy.View, dx.View, g, accumulate ? 1 : 0);
            return;
        }
        NearestBackwardCpu((CpuBackend<T>)backend, dy, dx, g, accumulate);
    }

    /// <summary>Bilinear resampling with align_corners = false (see the class summary). y: [B, C, Ho, Wo].</summary>
    public static void BilinearForward<T>(Tensor<T> x, Tensor<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "bilinear upsample forward";
        var backend = Check.SameBackend(op, x, y);
        var g = Geometry(op, "x", x, "y", y);
        T scaleH = Scale<T>(g.H, g.Ho), scaleW = Scale<T>(g.W, g.Wo);
        if (backend is IlgpuBackend<T> gpu)
        {
            gpu.Launch(BilinearForwardKernel, y.Length, x.View, y.View, g, scaleH, scaleW);
            return;
        }
        BilinearForwardCpu((CpuBackend<T>)backend, x, y, g, scaleH, scaleW);
    }

    /// <summary>dx[e] = Σ over outputs o reading e of weight(o, e)·dy[o] (or dx += … when <paramref name="accumulate"/>).</summary>
    public static void BilinearBackward<T>(Tensor<T> dy, Tensor<T> dx, bool accumulate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "bilinear upsample backward";
        var backend = Check.SameBackend(op, dy, dx);
        var g = Geometry(op, "dx", dx, "dy", dy);
        T scaleH = Scale<T>(g.H, g.Ho), scaleW = Scale<T>(g.W, g.Wo);
        if (backend is IlgpuBackend<T> gpu)
        {
            gpu.Launch(BilinearBackwardKernel, dx.Length, dy.View, dx.View, g, scaleH, scaleW, accumulate ? 1 : 0);
            return;
        }
        BilinearBackwardCpu((CpuBackend<T>)backend, dy, dx, g, scaleH, scaleW, accumulate);
    }

    /// <summary>Input and output plane sizes, passed to every kernel.</summary>
    internal readonly record struct Planes(int H, int W, int Ho, int Wo);

    private static Planes Geometry<T>(string op, string inName, Tensor<T> input, string outName, Tensor<T> output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check.Rank(op, inName, input, 4, "[B, C, H, W]");
        Check.Rank(op, outName, output, 4, "[B, C, Ho, Wo]");
        if (output.Shape[0] != input.Shape[0] || output.Shape[1] != input.Shape[1])
            throw new ArgumentException(
                $"{op}: {outName} must have shape [{input.Shape[0]}, {input.Shape[1]}, Ho, Wo] (batch and channels of {inName} {input.Shape}), got {output.Shape}");
        return new Planes(input.Shape[2], input.Shape[3], output.Shape[2], output.Shape[3]);
    }

    /// <summary>H / Ho in the element type, as PyTorch computes it for align_corners = false.</summary>
    private static T Scale<T>(int n, int nOut) where T : unmanaged, IFloatingPointIeee754<T>
        => T.CreateTruncating(n) / T.CreateTruncating(nOut);

    // ---- Index maths shared by the CPU loops and the ILGPU kernels (one axis at a time). ----

    /// <summary>Nearest: the input index output o copies, floor(o·n / nOut).</summary>
    internal static int NearestSource(int o, int n, int nOut) => (int)((long)o * n / nOut);

    /// <summary>Nearest: the outputs [first, last] (empty when last &lt; first) that copy input i: ceil(i·nOut/n) ≤ o &lt; ceil((i+1)·nOut/n).</summary>
    internal static void NearestReaders(int i, int n, int nOut, out int first, out int last)
    {
        first = (int)(((long)i * nOut + n - 1) / n);
        last = (int)(((long)(i + 1) * nOut + n - 1) / n) - 1;
    }

    /// <summary>
    /// Bilinear: the neighbours i0 ≤ i1 of output o (of nOut, reading an axis of n) and the weight λ of i1
    /// (i0 gets 1 − λ). Written with <see cref="KernelMath"/> conversions so that kernels compile it too.
    /// </summary>
    internal static void BilinearSource<T>(int o, T scale, int n, int nOut, out int i0, out int i1, out T lambda)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T half = T.One / (T.One + T.One);
        T src = scale * (KernelMath.FromInt<T>(o) + half) - half;
        if (src < T.Zero) src = T.Zero;
        // Exactly, src = ((2o + 1)·n − nOut) / (2·nOut): its integer part is the estimate Floor corrects.
        long estimate = ((2L * o + 1) * n - nOut) / (2L * nOut);
        i0 = KernelMath.Floor(src, estimate < 0 ? 0 : (int)estimate);
        if (i0 > n - 1) i0 = n - 1;
        i1 = i0 < n - 1 ? i0 + 1 : i0;
        lambda = src - KernelMath.FromInt<T>(i0);
    }

    /// <summary>Bilinear: the weight with which output o reads input i (zero when it does not).</summary>
    internal static T BilinearWeight<T>(int i, int o, T scale, int n, int nOut) where T : unmanaged, IFloatingPointIeee754<T>
    {
        BilinearSource(o, scale, n, nOut, out int i0, out int i1, out T lambda);
        T w = T.Zero;
        if (i0 == i) w += T.One - lambda;
        if (i1 == i) w += lambda;
        return w;
    }

    /// <summary>
    /// Bilinear: a range [first, last] of outputs holding every output that reads input i. Reading i needs
    /// i − 1 ≤ src &lt; i + 1, i.e. (2i − 1)·nOut − n ≤ 2o·n &lt; (2i + 3)·nOut − n; one output of margin on each
    /// side covers rounding in src, and <see cref="BilinearWeight{T}"/> decides exactly.
    /// </summary>
    internal static void BilinearReaders(int i, int n, int nOut, out int first, out int last)
    {
        long lo = ((2L * i - 1) * nOut - n) / (2L * n) - 1;
        long hi = ((2L * i + 3) * nOut - n) / (2L * n) + 1;
        first = lo < 0 ? 0 : (int)lo;
        last = hi > nOut - 1 ? nOut - 1 : (int)hi;
    }
}
