using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;

namespace Cortex.Core.Kernels;

/// <summary>
/// Two-dimensional pooling over each (b, c) plane of an x [B, C, H, W]: max, average and global average,
/// forward and backward, on every backend. A square window of side <c>kernel</c> moves by <c>stride</c>
/// over the input padded by <c>padding</c> on each side, so the output is [B, C, Ho, Wo] with
/// Ho = (H + 2·padding − kernel) / stride + 1 (floor), and likewise Wo. Requires kernel ≥ 1, stride ≥ 1,
/// 0 ≤ padding &lt; kernel and H + 2·padding ≥ kernel; then every window holds at least one real element.
/// <para>Semantics, decided once for every backend:</para>
/// <list type="bullet">
/// <item>Max: the value is the largest of the window's real elements; padding positions never win (they
/// act as −∞). Ties go to the first maximum in row-major window order (top row first, left to right):
/// only that element receives the window's gradient. NaN propagates: a window holding a NaN outputs NaN,
/// and its first NaN receives the gradient.</item>
/// <item>Average: the divisor is the number of real (non-padding) elements in the window
/// (PyTorch's count_include_pad = false), so border windows are plain means of what they cover.</item>
/// <item>Backward passes are gathers on the GPU (one thread per input element sums over the windows that
/// contain it), so no atomics are needed and results are deterministic. Input gradients overwrite dx,
/// or add to it when <c>accumulate</c> is true.</item>
/// <item>Output sizes round down (no ceil mode). Padding may be up to kernel − 1 (PyTorch allows at most
/// kernel / 2).</item>
/// </list>
/// The CPU half runs whole (b, c) planes per worker, in parallel over planes; the 2×2, stride-2 max pool
/// and the global average are SIMD.
/// </summary>
public static partial class Pool2d
{
    /// <summary>y[b, c, i, j] = max over window (i, j) of x[b, c]. y: [B, C, Ho, Wo].</summary>
    public static void MaxForward<T>(Tensor<T> x, Tensor<T> y, int kernel, int stride, int padding)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "max pool forward";
        var backend = Check.SameBackend(op, x, y);
        var g = Geometry(op, x, kernel, stride, padding);
        Check.Shape(op, "y", y, OutputShape(x, g));
        if (backend is IlgpuBackend<T> gpu)
        {
            gpu.Launch(MaxForwardKernel, y.Length, x.View, y.View, g);
            return;
        }
        MaxForwardCpu((CpuBackend<T>)backend, x, y, g);
    }

    /// <summary>
    /// dx = ∂L/∂x given dy = ∂L/∂y (or dx += … when <paramref name="accumulate"/>). Each window's dy goes to
    /// its chosen element: the first element of the window equal to y, which must be
    /// <see cref="MaxForward{T}"/>'s output for this x.
    /// </summary>
    public static void MaxBackward<T>(Tensor<T> x, Tensor<T> y, Tensor<T> dy, Tensor<T> dx, int kernel, int stride, int padding, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "max pool backward";
        var backend = Check.SameBackend(op, x, y, dy, dx);
        var g = Geometry(op, x, kernel, stride, padding);
        var outShape = OutputShape(x, g);
        Check.Shape(op, "y", y, outShape);
        Check.Shape(op, "dy", dy, outShape);
        Check.Shape(op, "dx", dx, x.Shape);
        if (backend is IlgpuBackend<T> gpu)
        {
            gpu.Launch(MaxBackwardKernel, x.Length, x.View, y.View, dy.View, dx.View, g, accumulate ? 1 : 0);
            return;
        }
        MaxBackwardCpu((CpuBackend<T>)backend, x, y, dy, dx, g, accumulate);
    }

    /// <summary>y[b, c, i, j] = mean of the real (non-padding) elements of window (i, j) of x[b, c]. y: [B, C, Ho, Wo].</summary>
    public static void AvgForward<T>(Tensor<T> x, Tensor<T> y, int kernel, int stride, int padding)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "average pool forward";
        var backend = Check.SameBackend(op, x, y);
        var g = Geometry(op, x, kernel, stride, padding);
        Check.Shape(op, "y", y, OutputShape(x, g));
        if (backend is IlgpuBackend<T> gpu)
        {
            gpu.Launch(AvgForwardKernel, y.Length, x.View, y.View, g);
            return;
        }
        AvgForwardCpu((CpuBackend<T>)backend, x, y, g);
    }

    /// <summary>dx[e] = Σ over windows w containing e of dy[w] / count(w) (or dx += … when <paramref name="accumulate"/>).</summary>
    public static void AvgBackward<T>(Tensor<T> dy, Tensor<T> dx, int kernel, int stride, int padding, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "average pool backward";
        var backend = Check.SameBackend(op, dy, dx);
        var g = Geometry(op, dx, kernel, stride, padding, "dx");
        Check.Shape(op, "dy", dy, OutputShape(dx, g));
        if (backend is IlgpuBackend<T> gpu)
        {
            gpu.Launch(AvgBackwardKernel, dx.Length, dy.View, dx.View, g, accumulate ? 1 : 0);
            return;
        }
        AvgBackwardCpu((CpuBackend<T>)backend, dy, dx, g, accumulate);
    }

    /// <summary>y[b, c] = mean over h, w of x[b, c, h, w]. x: [B, C, H, W], y: [B, C].</summary>
    public static void GlobalAvgForward<T>(Tensor<T> x, Tensor<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "global average pool forward";
        var backend = Check.SameBackend(op, x, y);
        Check.Rank(op, "x", x, 4, "[B, C, H, W]");
        Check.Shape(op, "y", y, new Shape(x.Shape[0], x.Shape[1]));
        int planes = y.Length, plane = x.Shape[2] * x.Shape[3];
        if (backend is IlgpuBackend<T> gpu)
        {
            gpu.Launch(GlobalAvgForwardKernel, planes, x.View, y.View, plane, T.One / T.CreateTruncating(plane));
            return;
        }
        GlobalAvgForwardCpu((CpuBackend<T>)backend, x, y, planes, plane);
    }

    /// <summary>dx[b, c, h, w] = dy[b, c] / (H·W) (or dx += … when <paramref name="accumulate"/>). dy: [B, C], dx: [B, C, H, W].</summary>
    public static void GlobalAvgBackward<T>(Tensor<T> dy, Tensor<T> dx, bool accumulate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "global average pool backward";
        var backend = Check.SameBackend(op, dy, dx);
        Check.Rank(op, "dx", dx, 4, "[B, C, H, W]");
        Check.Shape(op, "dy", dy, new Shape(dx.Shape[0], dx.Shape[1]));
        int planes = dy.Length, plane = dx.Shape[2] * dx.Shape[3];
        if (backend is IlgpuBackend<T> gpu)
        {
            gpu.Launch(GlobalAvgBackwardKernel, dx.Length, dy.View, dx.View, plane, T.One / T.CreateTruncating(plane), accumulate ? 1 : 0);
            return;
        }
        GlobalAvgBackwardCpu((CpuBackend<T>)backend, dy, dx, planes, plane, accumulate);
    }

    /// <summary>The output extent of a pooling window along one axis of length n.</summary>
    public static int OutputSize(int n, int kernel, int stride, int padding) => (n + 2 * padding - kernel) / stride + 1;

    /// <summary>Plane sizes and window parameters, passed to every kernel.</summary>
    internal readonly record struct Geometry2d(int H, int W, int Ho, int Wo, int Kernel, int Stride, int Padding);

    private static Geometry2d Geometry<T>(string op, Tensor<T> x, int kernel, int stride, int padding, string name = "x")
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check.Rank(op, name, x, 4, "[B, C, H, W]");
        Check.Positive(op, "kernel", kernel);
        Check.Positive(op, "stride", stride);
        Check.NonNegative(op, "padding", padding);
        if (padding >= kernel)
            throw new ArgumentOutOfRangeException(nameof(padding), $"{op}: padding must be less than kernel ({kernel}), got {padding}");
        int h = x.Shape[2], w = x.Shape[3];
        if (Math.Min(h, w) + 2 * padding < kernel)
            throw new ArgumentException($"{op}: a {kernel}×{kernel} window with padding {padding} does not fit {name} {x.Shape} (H + 2·padding and W + 2·padding must be ≥ kernel)");
        return new Geometry2d(h, w, OutputSize(h, kernel, stride, padding), OutputSize(w, kernel, stride, padding), kernel, stride, padding);
    }

    private static Shape OutputShape<T>(Tensor<T> x, Geometry2d g) where T : unmanaged, IFloatingPointIeee754<T>
        => new(x.Shape[0], x.Shape[1], g.Ho, g.Wo);

    // ---- Index maths shared by the CPU loops and the ILGPU kernels (one axis at a time). ----

    /// <summary>The real input range [start, end) of window o along an axis of n elements.</summary>
    internal static void Window(int o, int n, int kernel, int stride, int padding, out int start, out int end)
    {
        int a = o * stride - padding;
        int b = a + kernel;
        start = a < 0 ? 0 : a;
        end = b > n ? n : b;
    }

    /// <summary>The windows [first, last] (possibly empty: last &lt; first) along an axis of nOut outputs that contain input i.</summary>
    internal static void Covering(int i, int nOut, int kernel, int stride, int padding, out int first, out int last)
    {
        int lowest = i + padding - kernel + 1;
        first = lowest <= 0 ? 0 : (lowest + stride - 1) / stride;
        int highest = (i + padding) / stride;
        last = highest < nOut ? highest : nOut - 1;
    }

    /// <summary>True when v equals the window maximum m (NaN matches NaN): the chosen element is the first such.</summary>
    internal static bool IsMax<T>(T v, T m) where T : unmanaged, IFloatingPointIeee754<T>
        => v == m || (T.IsNaN(v) && T.IsNaN(m));

    /// <summary>
    /// Calls body(first, end) on contiguous ranges of the planes, in parallel when the work (planes ×
    /// elements per plane) is large enough to pay for the threads.
    /// </summary>
    internal static void ForPlanes<T>(CpuBackend<T> cpu, int planes, int perPlane, Action<int, int> body)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long work = (long)planes * Math.Max(1, perPlane);
        int workers = (int)Math.Min(Math.Min(cpu.Threads, planes), Math.Max(1, work / (CpuParallel.SerialBelow / 2)));
        if (workers <= 1)
        {
            body(0, planes);
            return;
        }
        int chunk = (planes + workers - 1) / workers;
        cpu.For(workers, w =>
        {
            int first = w * chunk;
            int end = Math.Min(planes, first + chunk);
            if (first < end) body(first, end);
        });
    }
}
