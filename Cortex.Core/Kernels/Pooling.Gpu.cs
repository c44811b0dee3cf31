using System.Numerics;
using ILGPU;

namespace Cortex.Core.Kernels;

// The ILGPU half of Pool2d: one thread per output element forward, one per input element backward (gathers).
public static partial class Pool2d
{
    private static void MaxForwardKernel<T>(Index1D index, ArrayView<T> x, ArrayView<T> y, Geometry2d g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int plane = index / (g.Ho * g.Wo), r = index % (g.Ho * g.Wo);
        Window(r / g.Wo, g.H, g.Kernel, g.Stride, g.Padding, out int hs, out int he);
        Window(r % g.Wo, g.W, g.Kernel, g.Stride, g.Padding, out int ws, out int we);
        long b = (long)plane * g.H * g.W;
        T best = x[b + (long)hs * g.W + ws];
        for (int h = hs; h < he; h++)
            for (int w = ws; w < we; w++)
            {
                // Not T.Max: PTX's max.f32 drops a NaN operand, and the CPU path's T.Max propagates it.
                T v = x[b + (long)h * g.W + w];
                best = v > best || T.IsNaN(v) ? v : best;
            }
        y[index] = best;
    }

    private static void MaxBackwardKernel<T>(Index1D index, ArrayView<T> x, ArrayView<T> y, ArrayView<T> dy, ArrayView<T> dx, Geometry2d g, int accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int plane = index / (g.H * g.W), r = index % (g.H * g.W);
        int ih = r / g.W, iw = r % g.W;
        Covering(ih, g.Ho, g.Kernel, g.Stride, g.Padding, out int oh0, out int oh1);
        Covering(iw, g.Wo, g.Kernel, g.Stride, g.Padding, out int ow0, out int ow1);
        long b = (long)plane * g.H * g.W, ob = (long)plane * g.Ho * g.Wo;
        T v = x[index];
        T sum = T.Zero;
        for (int oh = oh0; oh <= oh1; oh++)
            for (int ow = ow0; ow <= ow1; ow++)
            {
                long o = ob + (long)oh * g.Wo + ow;
                T m = y[o];
                if (!IsMax(v, m)) continue;
                // Chosen only when no earlier element of the window (row-major) also equals the maximum.
                Window(oh, g.H, g.Kernel, g.Stride, g.Padding, out int hs, out int he);
                Window(ow, g.W, g.Kernel, g.Stride, g.Padding, out int ws, out int we);
                bool first = true;
                for (int h = hs; h <= ih && first; h++)
                {
                    int wEnd = h < ih ? we : iw;
                    for (int w = ws; w < wEnd; w++)
                        if (IsMax(x[b + (long)h * g.W + w], m)) { first = false; break; }
                }
                if (first) sum += dy[o];
            }
        dx[index] = accumulate != 0 ? dx[index] + sum : sum;
    }

    private static void AvgForwardKernel<T>(Index1D index, ArrayView<T> x, ArrayView<T> y, Geometry2d g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int plane = index / (g.Ho * g.Wo), r = index % (g.Ho * g.Wo);
        Window(r / g.Wo, g.H, g.Kernel, g.Stride, g.Padding, out int hs, out int he);
        Window(r % g.Wo, g.W, g.Kernel, g.Stride, g.Padding, out int ws, out int we);
        long b = (long)plane * g.H * g.W;
        T sum = T.Zero;
        for (int h = hs; h < he; h++)
            for (int w = ws; w < we; w++)
                sum += x[b + (long)h * g.W + w];
        y[index] = sum / KernelMath.FromInt<T>((he - hs) * (we - ws));
    }

    private static void AvgBackwardKernel<T>(Index1D index, ArrayView<T> dy, ArrayView<T> dx, Geometry2d g, int accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int plane = index / (g.H * g.W), r = index % (g.H * g.W);
        Covering(r / g.W, g.Ho, g.Kernel, g.Stride, g.Padding, out int oh0, out int oh1);
        Covering(r % g.W, g.Wo, g.Kernel, g.Stride, g.Padding, out int ow0, out int ow1);
        long ob = (long)plane * g.Ho * g.Wo;
        T sum = T.Zero;
        for (int oh = oh0; oh <= oh1; oh++)
        {
            Window(oh, g.H, g.Kernel, g.Stride, g.Padding, out int hs, out int he);
            for (int ow = ow0; ow <= ow1; ow++)
            {
                Window(ow, g.W, g.Kernel, g.Stride, g.Padding, out int ws, out int we);
                sum += dy[ob + (long)oh * g.Wo + ow] / KernelMath.FromInt<T>((he - hs) * (we - ws));
            }
        }
        dx[index] = accumulate != 0 ? dx[index] + sum : sum;
    }

    private static void GlobalAvgForwardKernel<T>(Index1D index, ArrayView<T> x, ArrayView<T> y, int plane, T inverse)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        y[index] = NormStatistics.SumRun(x, (long)(int)index * plane, 1, plane) * inverse;
    }

    private static void GlobalAvgBackwardKernel<T>(Index1D index, ArrayView<T> dy, ArrayView<T> dx, int plane, T inverse, int accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T g = dy[index / plane] * inverse;
        dx[index] = accumulate != 0 ? dx[index] + g : g;
    }
}
