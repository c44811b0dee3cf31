using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;

namespace Cortex.Core.Kernels;

// The CPU half of Upsample: per-axis index and weight tables are built once per call from the shared index
// maths, then each worker runs whole (b, c) planes.
public static partial class Upsample
{
    private static void NearestForwardCpu<T>(CpuBackend<T> cpu, Tensor<T> x, Tensor<T> y, Planes g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var srcW = new int[g.Wo];
        for (int o = 0; o < g.Wo; o++) srcW[o] = NearestSource(o, g.W, g.Wo);
        int inPlane = g.H * g.W, outPlane = g.Ho * g.Wo;
        Pool2d.ForPlanes(cpu, y.Length / outPlane, outPlane, (first, end) =>
        {
            for (int p = first; p < end; p++)
            {
                var xs = x.Span.Slice(p * inPlane, inPlane);
                var ys = y.Span.Slice(p * outPlane, outPlane);
                for (int oh = 0; oh < g.Ho; oh++)
                {
                    var row = xs.Slice(NearestSource(oh, g.H, g.Ho) * g.W, g.W);
                    var yr = ys.Slice(oh * g.Wo, g.Wo);
                    if (g.Wo == g.W) row.CopyTo(yr);
                    else for (int ow = 0; ow < yr.Length; ow++) yr[ow] = row[srcW[ow]];
                }
            }
        });
    }

    private static void NearestBackwardCpu<T>(CpuBackend<T> cpu, Tensor<T> dy, Tensor<T> dx, Planes g, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var firstW = new int[g.W];
        var lastW = new int[g.W];
        for (int i = 0; i < g.W; i++) NearestReaders(i, g.W, g.Wo, out firstW[i], out lastW[i]);
        int inPlane = g.H * g.W, outPlane = g.Ho * g.Wo;
        Pool2d.ForPlanes(cpu, dx.Length / inPlane, outPlane, (first, end) =>
        {
            for (int p = first; p < end; p++)
            {
                var dys = dy.Span.Slice(p * outPlane, outPlane);
                var dxs = dx.Span.Slice(p * inPlane, inPlane);
                for (int ih = 0; ih < g.H; ih++)
                {
                    NearestReaders(ih, g.H, g.Ho, out int oh0, out int oh1);
                    var dxr = dxs.Slice(ih * g.W, g.W);
                    for (int iw = 0; iw < g.W; iw++)
                    {
                        T sum = T.Zero;
                        for (int oh = oh0; oh <= oh1; oh++)
                            foreach (T v in dys.Slice(oh * g.Wo + firstW[iw], lastW[iw] - firstW[iw] + 1)) sum += v;
                        dxr[iw] = accumulate ? dxr[iw] + sum : sum;
                    }
                }
            }
        });
    }

    /// <summary>Neighbours and weights of every output along one axis.</summary>
    private readonly record struct Taps<T>(int[] I0, int[] I1, T[] Lambda) where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static Taps<T> Of(int n, int nOut, T scale)
        {
            var taps = new Taps<T>(new int[nOut], new int[nOut], new T[nOut]);
            for (int o = 0; o < nOut; o++) BilinearSource(o, scale, n, nOut, out taps.I0[o], out taps.I1[o], out taps.Lambda[o]);
            return taps;
        }
    }

    private static void BilinearForwardCpu<T>(CpuBackend<T> cpu, Tensor<T> x, Tensor<T> y, Planes g, T scaleH, T scaleW)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var th = Taps<T>.Of(g.H, g.Ho, scaleH);
        var tw = Taps<T>.Of(g.W, g.Wo, scaleW);
        int inPlane = g.H * g.W, outPlane = g.Ho * g.Wo;
        // Separable: blend the two source rows, then pick and blend columns (rows are short: plain loops
        // beat TensorPrimitives' per-call cost here).
        Pool2d.ForPlanes(cpu, y.Length / outPlane, 2 * outPlane + g.Ho * g.W, (first, end) =>
        {
            var blend = new T[g.W];
            for (int p = first; p < end; p++)
            {
                var xs = x.Span.Slice(p * inPlane, inPlane);
                var ys = y.Span.Slice(p * outPlane, outPlane);
                for (int oh = 0; oh < g.Ho; oh++)
                {
                    T lh = th.Lambda[oh], kh = T.One - lh;
                    var r0 = xs.Slice(th.I0[oh] * g.W, g.W);
                    var r1 = xs.Slice(th.I1[oh] * g.W, g.W);
                    for (int w = 0; w < blend.Length; w++) blend[w] = kh * r0[w] + lh * r1[w];
                    var yr = ys.Slice(oh * g.Wo, g.Wo);
                    for (int ow = 0; ow < yr.Length; ow++)
                    {
                        T lw = tw.Lambda[ow];
                        yr[ow] = (T.One - lw) * blend[tw.I0[ow]] + lw * blend[tw.I1[ow]];
                    }
                }
            }
        });
    }

    private static void BilinearBackwardCpu<T>(CpuBackend<T> cpu, Tensor<T> dy, Tensor<T> dx, Planes g, T scaleH, T scaleW, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var th = Taps<T>.Of(g.H, g.Ho, scaleH);
        var tw = Taps<T>.Of(g.W, g.Wo, scaleW);
        int inPlane = g.H * g.W, outPlane = g.Ho * g.Wo;
        // Within a plane one worker scatters (no races, no atomics): each output row's gradient is spread
        // over the columns it read, then added to its two source rows.
        Pool2d.ForPlanes(cpu, dx.Length / inPlane, 2 * outPlane + g.Ho * g.W, (first, end) =>
        {
            var spread = new T[g.W];
            for (int p = first; p < end; p++)
            {
                var dys = dy.Span.Slice(p * outPlane, outPlane);
                var dxs = dx.Span.Slice(p * inPlane, inPlane);
                if (!accumulate) dxs.Clear();
                for (int oh = 0; oh < g.Ho; oh++)
                {
                    Array.Clear(spread);
                    var dyr = dys.Slice(oh * g.Wo, g.Wo);
                    for (int ow = 0; ow < dyr.Length; ow++)
                    {
                        T lw = tw.Lambda[ow];
                        spread[tw.I0[ow]] += (T.One - lw) * dyr[ow];
                        spread[tw.I1[ow]] += lw * dyr[ow];
                    }
                    T lh = th.Lambda[oh], kh = T.One - lh;
                    var r0 = dxs.Slice(th.I0[oh] * g.W, g.W);
                    for (int w = 0; w < r0.Length; w++) r0[w] += kh * spread[w];
                    var r1 = dxs.Slice(th.I1[oh] * g.W, g.W);
                    for (int w = 0; w < r1.Length; w++) r1[w] += lh * spread[w];
                }
            }
        });
    }
}
