using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Cortex.Core.Kernels;

// The CPU half of Pool2d: each worker owns whole (b, c) planes, so backward passes may scatter into dx
// within a plane without races.
public static partial class Pool2d
{
    private static void MaxForwardCpu<T>(CpuBackend<T> cpu, Tensor<T> x, Tensor<T> y, Geometry2d g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inPlane = g.H * g.W, outPlane = g.Ho * g.Wo;
        if (g.Kernel == 2 && g.Stride == 2 && g.Padding == 0)
        {
            // The 2×2, stride 2 case: AVX-512 on float (Pooling.Avx512.cs); otherwise four loads and three maxima per
            // output, straight on the arrays (measured several times faster than SIMD row maxima followed by a pass
            // over the short rows).
            var (xa, xo) = x.HostArray;
            var (ya, yo) = y.HostArray;
            if (HalvingAvx512Applies<T>())
            {
                MaxForwardHalvingAvx512((CpuBackend<float>)(object)cpu, (float[])(object)xa, xo, (float[])(object)ya, yo, y.Length / outPlane, g);
                return;
            }
            ForPlanes(cpu, y.Length / outPlane, inPlane, (first, end) =>
            {
                for (int p = first; p < end; p++)
                    for (int oh = 0; oh < g.Ho; oh++)
                    {
                        int at = xo + p * inPlane + 2 * oh * g.W, to = yo + p * outPlane + oh * g.Wo;
                        for (int ow = 0; ow < g.Wo; ow++, at += 2)
                            ya[to + ow] = T.Max(T.Max(xa[at], xa[at + 1]), T.Max(xa[at + g.W], xa[at + g.W + 1]));
                    }
            });
            return;
        }
        ForPlanes(cpu, y.Length / outPlane, inPlane, (first, end) =>
        {
            for (int p = first; p < end; p++)
                MaxPlane(x.Span.Slice(p * inPlane, inPlane), y.Span.Slice(p * outPlane, outPlane), g);
        });
    }

    private static void MaxPlane<T>(ReadOnlySpan<T> xs, Span<T> ys, Geometry2d g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int oh = 0; oh < g.Ho; oh++)
        {
            Window(oh, g.H, g.Kernel, g.Stride, g.Padding, out int hs, out int he);
            for (int ow = 0; ow < g.Wo; ow++)
            {
                Window(ow, g.W, g.Kernel, g.Stride, g.Padding, out int ws, out int we);
                T best = xs[hs * g.W + ws];
                for (int h = hs; h < he; h++)
                {
                    var row = xs.Slice(h * g.W + ws, we - ws);
                    foreach (T v in row) best = T.Max(best, v);
                }
                ys[oh * g.Wo + ow] = best;
            }
        }
    }

    private static void MaxBackwardCpu<T>(CpuBackend<T> cpu, Tensor<T> x, Tensor<T> y, Tensor<T> dy, Tensor<T> dx, Geometry2d g, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inPlane = g.H * g.W, outPlane = g.Ho * g.Wo;
        if (g.Kernel == 2 && g.Stride == 2 && g.Padding == 0)
        {
            MaxBackwardHalving(cpu, x, y, dy, dx, g, accumulate);
            return;
        }
        ForPlanes(cpu, y.Length / outPlane, inPlane, (first, end) =>
        {
            for (int p = first; p < end; p++)
            {
                var xs = x.Span.Slice(p * inPlane, inPlane);
                var dxs = dx.Span.Slice(p * inPlane, inPlane);
                var ys = y.Span.Slice(p * outPlane, outPlane);
                var dys = dy.Span.Slice(p * outPlane, outPlane);
                if (!accumulate) dxs.Clear();
                for (int oh = 0; oh < g.Ho; oh++)
                {
                    Window(oh, g.H, g.Kernel, g.Stride, g.Padding, out int hs, out int he);
                    for (int ow = 0; ow < g.Wo; ow++)
                    {
                        Window(ow, g.W, g.Kernel, g.Stride, g.Padding, out int ws, out int we);
                        int o = oh * g.Wo + ow;
                        int chosen = FirstMax(xs, g.W, hs, he, ws, we, ys[o]);
                        if (chosen >= 0) dxs[chosen] += dys[o];
                    }
                }
            }
        });
    }

    /// <summary>
    /// The 2×2, stride 2 case of the backward, straight on the arrays: each window's four values are compared with
    /// its maximum at once and the first match (row-major, as in <see cref="FirstMax{T}"/>) receives the gradient. Float
    /// with AVX-512 goes to <see cref="MaxBackwardHalvingAvx512"/>, which gives the same sums bit for bit.
    /// </summary>
    private static void MaxBackwardHalving<T>(CpuBackend<T> cpu, Tensor<T> x, Tensor<T> y, Tensor<T> dy, Tensor<T> dx, Geometry2d g, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (xa, xo) = x.HostArray;
        var (ya, yo) = y.HostArray;
        var (dya, dyo) = dy.HostArray;
        var (dxa, dxo) = dx.HostArray;
        int inPlane = g.H * g.W, outPlane = g.Ho * g.Wo, width = g.W;
        if (HalvingAvx512Applies<T>())
        {
            MaxBackwardHalvingAvx512((CpuBackend<float>)(object)cpu, (float[])(object)xa, xo, (float[])(object)ya, yo,
                (float[])(object)dya, dyo, (float[])(object)dxa, dxo, y.Length / outPlane, g, accumulate);
            return;
        }
        ForPlanes(cpu, y.Length / outPlane, inPlane, (first, end) =>
        {
            for (int p = first; p < end; p++)
            {
                if (!accumulate) dxa.AsSpan(dxo + p * inPlane, inPlane).Clear();
                for (int oh = 0; oh < g.Ho; oh++)
                {
                    int row = p * inPlane + 2 * oh * width, o = p * outPlane + oh * g.Wo;
                    for (int ow = 0; ow < g.Wo; ow++)
                    {
                        int at = row + 2 * ow;
                        T m = ya[yo + o + ow];
                        T v0 = xa[xo + at], v1 = xa[xo + at + 1], v2 = xa[xo + at + width], v3 = xa[xo + at + width + 1];
                        if (T.IsNaN(m))
                        {
                            // The first NaN of the window takes the gradient.
                            int k = T.IsNaN(v0) ? 0 : T.IsNaN(v1) ? 1 : T.IsNaN(v2) ? 2 : T.IsNaN(v3) ? 3 : -1;
                            if (k >= 0) dxa[dxo + at + (k & 1) + (k >> 1) * width] += dya[dyo + o + ow];
                            continue;
                        }
                        // Flags, not branches: on real data which element is the maximum is a coin toss per window.
                        uint hits = Bit(v0 == m) | Bit(v1 == m) << 1 | Bit(v2 == m) << 2 | Bit(v3 == m) << 3;
                        if (hits == 0) continue;
                        int j = BitOperations.TrailingZeroCount(hits);
                        dxa[dxo + at + (j & 1) + (j >> 1) * width] += dya[dyo + o + ow];
                    }
                }
            }
        });
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static uint Bit(bool value) => System.Runtime.CompilerServices.Unsafe.BitCast<bool, byte>(value);

    /// <summary>The plane index of the first element of window [hs, he) × [ws, we) equal to m, or −1.</summary>
    private static int FirstMax<T>(ReadOnlySpan<T> xs, int width, int hs, int he, int ws, int we, T m) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int span = we - ws;
        if ((he - hs) * span <= 32 && !T.IsNaN(m))
        {
            // A bit per element and the lowest set bit: no branch on where the maximum lies (on random
            // data such a branch is mispredicted about once per window).
            uint hits = 0;
            int bit = 0;
            for (int h = hs; h < he; h++)
            {
                var row = xs.Slice(h * width + ws, span);
                for (int w = 0; w < row.Length; w++, bit++)
                    hits |= (row[w] == m ? 1u : 0u) << bit;
            }
            if (hits == 0) return -1;
            int k = BitOperations.TrailingZeroCount(hits);
            return (hs + k / span) * width + ws + k % span;
        }
        for (int h = hs; h < he; h++)
            for (int w = ws; w < we; w++)
                if (IsMax(xs[h * width + w], m)) return h * width + w;
        return -1;
    }

    private static void AvgForwardCpu<T>(CpuBackend<T> cpu, Tensor<T> x, Tensor<T> y, Geometry2d g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inPlane = g.H * g.W, outPlane = g.Ho * g.Wo;
        ForPlanes(cpu, y.Length / outPlane, inPlane, (first, end) =>
        {
            for (int p = first; p < end; p++)
            {
                var xs = x.Span.Slice(p * inPlane, inPlane);
                var ys = y.Span.Slice(p * outPlane, outPlane);
                for (int oh = 0; oh < g.Ho; oh++)
                {
                    Window(oh, g.H, g.Kernel, g.Stride, g.Padding, out int hs, out int he);
                    for (int ow = 0; ow < g.Wo; ow++)
                    {
                        Window(ow, g.W, g.Kernel, g.Stride, g.Padding, out int ws, out int we);
                        T sum = T.Zero;
                        for (int h = hs; h < he; h++)
                            foreach (T v in xs.Slice(h * g.W + ws, we - ws)) sum += v;
                        ys[oh * g.Wo + ow] = sum / T.CreateTruncating((he - hs) * (we - ws));
                    }
                }
            }
        });
    }

    private static void AvgBackwardCpu<T>(CpuBackend<T> cpu, Tensor<T> dy, Tensor<T> dx, Geometry2d g, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inPlane = g.H * g.W, outPlane = g.Ho * g.Wo;
        // 1 / count for every window, and for every input row and column the windows that cover it.
        var inverse = new T[outPlane];
        for (int oh = 0; oh < g.Ho; oh++)
        {
            Window(oh, g.H, g.Kernel, g.Stride, g.Padding, out int hs, out int he);
            for (int ow = 0; ow < g.Wo; ow++)
            {
                Window(ow, g.W, g.Kernel, g.Stride, g.Padding, out int ws, out int we);
                inverse[oh * g.Wo + ow] = T.One / T.CreateTruncating((he - hs) * (we - ws));
            }
        }
        var firstW = new int[g.W];
        var lastW = new int[g.W];
        for (int iw = 0; iw < g.W; iw++) Covering(iw, g.Wo, g.Kernel, g.Stride, g.Padding, out firstW[iw], out lastW[iw]);
        ForPlanes(cpu, dy.Length / outPlane, inPlane, (first, end) =>
        {
            var share = new T[outPlane];
            for (int p = first; p < end; p++)
            {
                var dxs = dx.Span.Slice(p * inPlane, inPlane);
                TensorPrimitives.Multiply<T>(dy.Span.Slice(p * outPlane, outPlane), inverse, share);
                for (int ih = 0; ih < g.H; ih++)
                {
                    Covering(ih, g.Ho, g.Kernel, g.Stride, g.Padding, out int oh0, out int oh1);
                    var dxr = dxs.Slice(ih * g.W, g.W);
                    for (int iw = 0; iw < g.W; iw++)
                    {
                        T sum = T.Zero;
                        for (int oh = oh0; oh <= oh1; oh++)
                            for (int ow = firstW[iw]; ow <= lastW[iw]; ow++)
                                sum += share[oh * g.Wo + ow];
                        dxr[iw] = accumulate ? dxr[iw] + sum : sum;
                    }
                }
            }
        });
    }

    private static void GlobalAvgForwardCpu<T>(CpuBackend<T> cpu, Tensor<T> x, Tensor<T> y, int planes, int plane)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T inverse = T.One / T.CreateTruncating(plane);
        ForPlanes(cpu, planes, plane, (first, end) =>
        {
            var xs = x.Span;
            var ys = y.Span;
            for (int p = first; p < end; p++)
                ys[p] = TensorPrimitives.Sum<T>(xs.Slice(p * plane, plane)) * inverse;
        });
    }

    private static void GlobalAvgBackwardCpu<T>(CpuBackend<T> cpu, Tensor<T> dy, Tensor<T> dx, int planes, int plane, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T inverse = T.One / T.CreateTruncating(plane);
        ForPlanes(cpu, planes, plane, (first, end) =>
        {
            var dys = dy.Span;
            for (int p = first; p < end; p++)
            {
                var dxs = dx.Span.Slice(p * plane, plane);
                T g = dys[p] * inverse;
                if (accumulate) TensorPrimitives.Add<T>(dxs, g, dxs);
                else dxs.Fill(g);
            }
        });
    }
}
