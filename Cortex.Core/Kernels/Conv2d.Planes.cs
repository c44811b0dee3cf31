using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Cortex.Core.Kernels;

// The float CPU path for convolutions with few taps (fewer than RowMinTaps, e.g. the 1→32 convolution of an image, 9 taps)
// and output rows 17 to 32 wide, forward and backward-data: the vector lanes hold the pixels of one output row (two
// vectors, the second masked), 8 output channels × one row in 16 accumulators, each tap's two input vectors loaded once for
// the 8 channels, and the rows are stored straight into y, plane by plane in order. Such convolutions do few multiply–adds
// per value they write, so what this saves is memory traffic: no wide output buffer and no second pass to copy it out.
// (Their weight gradient stays on WeightTile over a wide copy of dy: a pixels-in-lanes tile there loads as many unaligned
// input vectors as it does multiply–adds, and measured slower.)
public static partial class Conv2d
{
    /// <summary>Output channels per forward plane tile.</summary>
    private const int PlaneChannels = 8;

    /// <summary>Whether the plane kernels take a lowering: few taps and rows 17 to 32 wide.</summary>
    private static bool PlanesApply(Lowering l) => l.K < RowMinTaps && l.OutWidth > 16 && l.OutWidth <= 32;

    /// <summary>Lanes [0, count) set, as a float mask for masked loads and stores (count 0 to 16).</summary>
    private static Vector512<float> FirstLanes(int count) => Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();

    /// <summary>
    /// y[c·ldy + j] (+)= Σ_i w[c·k + i] · p[offsets[i] + j] (+ bias[c]) for c &lt; 8, j &lt; wo (17–32): one output row of 8 channels,
    /// the first 16 pixels in full and the rest under the mask <paramref name="high"/>, stored straight into the planes of y.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void PlaneTile(float* w, int k, float* p, int* offsets, float* y, int ldy, float* bias, bool accumulate, Vector512<float> high)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default, b6 = default, b7 = default;
        var zero = Vector512<float>.Zero;
        for (int i = 0; i < k; i++)
        {
            float* s = p + offsets[i];
            var x0 = Vector512.Load(s);
            var x1 = Avx512F.MaskLoad(s + 16, high, zero);
            Vector512<float> c;
            c = Vector512.Create(w[i]); a0 = Avx512F.FusedMultiplyAdd(x0, c, a0); b0 = Avx512F.FusedMultiplyAdd(x1, c, b0);
            c = Vector512.Create(w[k + i]); a1 = Avx512F.FusedMultiplyAdd(x0, c, a1); b1 = Avx512F.FusedMultiplyAdd(x1, c, b1);
            c = Vector512.Create(w[2 * k + i]); a2 = Avx512F.FusedMultiplyAdd(x0, c, a2); b2 = Avx512F.FusedMultiplyAdd(x1, c, b2);
            c = Vector512.Create(w[3 * k + i]); a3 = Avx512F.FusedMultiplyAdd(x0, c, a3); b3 = Avx512F.FusedMultiplyAdd(x1, c, b3);
            c = Vector512.Create(w[4 * k + i]); a4 = Avx512F.FusedMultiplyAdd(x0, c, a4); b4 = Avx512F.FusedMultiplyAdd(x1, c, b4);
            c = Vector512.Create(w[5 * k + i]); a5 = Avx512F.FusedMultiplyAdd(x0, c, a5); b5 = Avx512F.FusedMultiplyAdd(x1, c, b5);
            c = Vector512.Create(w[6 * k + i]); a6 = Avx512F.FusedMultiplyAdd(x0, c, a6); b6 = Avx512F.FusedMultiplyAdd(x1, c, b6);
            c = Vector512.Create(w[7 * k + i]); a7 = Avx512F.FusedMultiplyAdd(x0, c, a7); b7 = Avx512F.FusedMultiplyAdd(x1, c, b7);
        }
        PutPlaneRow(a0, b0, y, bias, 0, accumulate, high);
        PutPlaneRow(a1, b1, y + ldy, bias, 1, accumulate, high);
        PutPlaneRow(a2, b2, y + 2 * ldy, bias, 2, accumulate, high);
        PutPlaneRow(a3, b3, y + 3 * ldy, bias, 3, accumulate, high);
        PutPlaneRow(a4, b4, y + 4 * ldy, bias, 4, accumulate, high);
        PutPlaneRow(a5, b5, y + 5 * ldy, bias, 5, accumulate, high);
        PutPlaneRow(a6, b6, y + 6 * ldy, bias, 6, accumulate, high);
        PutPlaneRow(a7, b7, y + 7 * ldy, bias, 7, accumulate, high);
    }

    /// <summary>The row [a, b] of channel c into y: 16 floats, then those of <paramref name="high"/>, each (+)= and + bias[c].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PutPlaneRow(Vector512<float> a, Vector512<float> b, float* y, float* bias, int c, bool accumulate, Vector512<float> high)
    {
        if (accumulate)
        {
            a += Vector512.Load(y);
            b += Avx512F.MaskLoad(y + 16, high, Vector512<float>.Zero);
        }
        if (bias is not null)
        {
            var v = Vector512.Create(bias[c]);
            a += v;
            b += v;
        }
        a.Store(y);
        Avx512F.MaskStore(y + 16, high, b);
    }
}
