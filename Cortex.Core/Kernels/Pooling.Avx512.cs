using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Cortex.Core.Backends;

namespace Cortex.Core.Kernels;

// The 2×2, stride 2 max pool on float with AVX-512. Each output row is read as its two input rows, 32
// columns (16 windows) per step: the rows are compared first, then even and odd lanes are split apart
// with two-source permutes. The last step of a row masks its loads and stores, so widths such as 28
// (14 windows, no full step) cost one masked step per row and a dropped odd column is never touched.
// Semantics are those of the scalar path: Vector512.Max, like T.Max, propagates NaN and puts +0 above −0.
public static partial class Pool2d
{
    private static bool HalvingAvx512Applies<T>() => typeof(T) == typeof(float) && Avx512F.IsSupported;

    /// <summary>Lanes of a two-source permute: the even and odd columns of 32, and the two halves of their re-interleaving.</summary>
    private static Vector512<int> EvenLanes => Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    private static Vector512<int> OddLanes => Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    private static Vector512<int> LowPairs => Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    private static Vector512<int> HighPairs => Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);

    /// <summary>The masks of a last step of 1–15 windows: its outputs and its two input vectors.</summary>
    private readonly record struct TailMasks(Vector512<float> Out, Vector512<float> In0, Vector512<float> In1)
    {
        public static TailMasks Of(int windows)
        {
            var lane = Vector512.Create(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
            return new(Vector512.LessThan(lane, Vector512.Create(windows)).AsSingle(),
                Vector512.LessThan(lane, Vector512.Create(2 * windows)).AsSingle(),
                Vector512.LessThan(lane, Vector512.Create(2 * windows - 16)).AsSingle());
        }
    }

    private static unsafe void MaxForwardHalvingAvx512(CpuBackend<float> cpu, float[] x, int xOffset, float[] y, int yOffset, int planes, Geometry2d g)
    {
        int width = g.W, inPlane = g.H * g.W, outPlane = g.Ho * g.Wo, full = g.Wo & ~15;
        var tail = TailMasks.Of(g.Wo - full);
        ForPlanes(cpu, planes, inPlane, (first, end) =>
        {
            fixed (float* px = x, py = y)
                for (int p = first; p < end; p++)
                    for (int oh = 0; oh < g.Ho; oh++)
                    {
                        float* a = px + xOffset + (long)p * inPlane + 2 * oh * width, b = a + width;
                        float* o = py + yOffset + (long)p * outPlane + oh * g.Wo;
                        int ow = 0;
                        for (; ow < full; ow += 16)
                            Halve(Vector512.Load(a + 2 * ow), Vector512.Load(a + 2 * ow + 16),
                                Vector512.Load(b + 2 * ow), Vector512.Load(b + 2 * ow + 16)).Store(o + ow);
                        if (ow < g.Wo)
                        {
                            var zero = Vector512<float>.Zero;
                            Avx512F.MaskStore(o + ow, tail.Out, Halve(
                                Avx512F.MaskLoad(a + 2 * ow, tail.In0, zero), Avx512F.MaskLoad(a + 2 * ow + 16, tail.In1, zero),
                                Avx512F.MaskLoad(b + 2 * ow, tail.In0, zero), Avx512F.MaskLoad(b + 2 * ow + 16, tail.In1, zero)));
                        }
                    }
        });
    }

    /// <summary>The maxima of 16 windows whose top rows are a0 a1 and bottom rows b0 b1 (32 columns each).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Halve(Vector512<float> a0, Vector512<float> a1, Vector512<float> b0, Vector512<float> b1)
    {
        var m0 = Vector512.Max(a0, b0);
        var m1 = Vector512.Max(a1, b1);
        return Vector512.Max(Avx512F.PermuteVar16x32x2(m0, EvenLanes, m1), Avx512F.PermuteVar16x32x2(m0, OddLanes, m1));
    }

    /// <summary>
    /// The backward of the 2×2, stride 2 max pool on float. Each window's four values are compared with y at once; the
    /// first match in row-major order takes dy and the others −0, which leaves any dx unchanged when added (even −0),
    /// so the sums are bit for bit those of the scalar path. A step whose y holds a NaN goes window by window.
    /// </summary>
    private static unsafe void MaxBackwardHalvingAvx512(CpuBackend<float> cpu, float[] x, int xOffset, float[] y, int yOffset,
        float[] dy, int dyOffset, float[] dx, int dxOffset, int planes, Geometry2d g, bool accumulate)
    {
        int width = g.W, inPlane = g.H * g.W, outPlane = g.Ho * g.Wo, full = g.Wo & ~15;
        var tail = TailMasks.Of(g.Wo - full);
        ForPlanes(cpu, planes, inPlane, (first, end) =>
        {
            fixed (float* px = x, py = y, pdy = dy, pdx = dx)
                for (int p = first; p < end; p++)
                {
                    float* dxPlane = pdx + dxOffset + (long)p * inPlane;
                    // Overwriting: the rows and the column that no window covers (odd H or W) are cleared here, the rest
                    // is written by the steps below.
                    if (!accumulate && (g.H & 1) != 0) new Span<float>(dxPlane + (g.H - 1) * width, width).Clear();
                    for (int oh = 0; oh < g.Ho; oh++)
                    {
                        long row = 2L * oh * width;
                        float* a = px + xOffset + (long)p * inPlane + row, b = a + width;
                        float* da = dxPlane + row, db = da + width;
                        float* m = py + yOffset + (long)p * outPlane + oh * g.Wo, d = pdy + dyOffset + (long)p * outPlane + oh * g.Wo;
                        if (!accumulate && (width & 1) != 0) da[width - 1] = db[width - 1] = 0;
                        int ow = 0;
                        for (; ow < full; ow += 16)
                        {
                            var mv = Vector512.Load(m + ow);
                            if (Vector512.EqualsAll(mv, mv))
                            {
                                Route(Vector512.Load(a + 2 * ow), Vector512.Load(a + 2 * ow + 16), Vector512.Load(b + 2 * ow), Vector512.Load(b + 2 * ow + 16),
                                    mv, Vector512.Load(d + ow), out var ra0, out var ra1, out var rb0, out var rb1);
                                if (accumulate)
                                {
                                    ra0 += Vector512.Load(da + 2 * ow); ra1 += Vector512.Load(da + 2 * ow + 16);
                                    rb0 += Vector512.Load(db + 2 * ow); rb1 += Vector512.Load(db + 2 * ow + 16);
                                }
                                else
                                {
                                    // +0 + (−0) = +0 and +0 + dy: what clearing dx and then adding would give.
                                    var zero = Vector512<float>.Zero;
                                    ra0 += zero; ra1 += zero; rb0 += zero; rb1 += zero;
                                }
                                ra0.Store(da + 2 * ow); ra1.Store(da + 2 * ow + 16);
                                rb0.Store(db + 2 * ow); rb1.Store(db + 2 * ow + 16);
                            }
                            else RouteWindows(a + 2 * ow, b + 2 * ow, da + 2 * ow, db + 2 * ow, m + ow, d + ow, 16, accumulate);
                        }
                        if (ow < g.Wo)
                        {
                            var zero = Vector512<float>.Zero;
                            var mv = Avx512F.MaskLoad(m + ow, tail.Out, zero);
                            if (Vector512.EqualsAll(mv, mv))
                            {
                                Route(Avx512F.MaskLoad(a + 2 * ow, tail.In0, zero), Avx512F.MaskLoad(a + 2 * ow + 16, tail.In1, zero),
                                    Avx512F.MaskLoad(b + 2 * ow, tail.In0, zero), Avx512F.MaskLoad(b + 2 * ow + 16, tail.In1, zero),
                                    mv, Avx512F.MaskLoad(d + ow, tail.Out, zero), out var ra0, out var ra1, out var rb0, out var rb1);
                                if (accumulate)
                                {
                                    ra0 += Avx512F.MaskLoad(da + 2 * ow, tail.In0, zero); ra1 += Avx512F.MaskLoad(da + 2 * ow + 16, tail.In1, zero);
                                    rb0 += Avx512F.MaskLoad(db + 2 * ow, tail.In0, zero); rb1 += Avx512F.MaskLoad(db + 2 * ow + 16, tail.In1, zero);
                                }
                                else
                                {
                                    ra0 += zero; ra1 += zero; rb0 += zero; rb1 += zero;
                                }
                                Avx512F.MaskStore(da + 2 * ow, tail.In0, ra0); Avx512F.MaskStore(da + 2 * ow + 16, tail.In1, ra1);
                                Avx512F.MaskStore(db + 2 * ow, tail.In0, rb0); Avx512F.MaskStore(db + 2 * ow + 16, tail.In1, rb1);
                            }
                            else RouteWindows(a + 2 * ow, b + 2 * ow, da + 2 * ow, db + 2 * ow, m + ow, d + ow, g.Wo - ow, accumulate);
                        }
                    }
                }
        });
    }

    /// <summary>
    /// The gradients of 16 windows (top rows a0 a1, bottom rows b0 b1; maxima m; output gradients d), interleaved back
    /// into the two rows: dy where an element is its window's first maximum, −0 elsewhere.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Route(Vector512<float> a0, Vector512<float> a1, Vector512<float> b0, Vector512<float> b1, Vector512<float> m, Vector512<float> d,
        out Vector512<float> ra0, out Vector512<float> ra1, out Vector512<float> rb0, out Vector512<float> rb1)
    {
        var even = EvenLanes;
        var odd = OddLanes;
        var hit0 = Vector512.Equals(Avx512F.PermuteVar16x32x2(a0, even, a1), m);
        var hit1 = Vector512.AndNot(Vector512.Equals(Avx512F.PermuteVar16x32x2(a0, odd, a1), m), hit0);
        var taken = hit0 | hit1;
        var hit2 = Vector512.AndNot(Vector512.Equals(Avx512F.PermuteVar16x32x2(b0, even, b1), m), taken);
        var hit3 = Vector512.AndNot(Vector512.Equals(Avx512F.PermuteVar16x32x2(b0, odd, b1), m), taken | hit2);
        var none = Vector512.Create(-0f);
        var c0 = Vector512.ConditionalSelect(hit0, d, none);
        var c1 = Vector512.ConditionalSelect(hit1, d, none);
        var c2 = Vector512.ConditionalSelect(hit2, d, none);
        var c3 = Vector512.ConditionalSelect(hit3, d, none);
        var lo = LowPairs;
        var hi = HighPairs;
        ra0 = Avx512F.PermuteVar16x32x2(c0, lo, c1);
        ra1 = Avx512F.PermuteVar16x32x2(c0, hi, c1);
        rb0 = Avx512F.PermuteVar16x32x2(c2, lo, c3);
        rb1 = Avx512F.PermuteVar16x32x2(c2, hi, c3);
    }

    /// <summary>Windows one at a time, as the scalar path: for steps whose maxima hold a NaN.</summary>
    private static unsafe void RouteWindows(float* a, float* b, float* da, float* db, float* m, float* d, int windows, bool accumulate)
    {
        for (int j = 0; j < windows; j++)
        {
            int at = 2 * j;
            if (!accumulate) da[at] = da[at + 1] = db[at] = db[at + 1] = 0;
            float v0 = a[at], v1 = a[at + 1], v2 = b[at], v3 = b[at + 1], mj = m[j];
            int k = float.IsNaN(mj)
                ? float.IsNaN(v0) ? 0 : float.IsNaN(v1) ? 1 : float.IsNaN(v2) ? 2 : float.IsNaN(v3) ? 3 : -1
                : v0 == mj ? 0 : v1 == mj ? 1 : v2 == mj ? 2 : v3 == mj ? 3 : -1;
            if (k >= 0) ((k >> 1) == 0 ? da : db)[at + (k & 1)] += d[j];
        }
    }
}
