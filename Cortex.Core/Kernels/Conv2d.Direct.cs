using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Cortex.Core.Backends;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Cortex.Core.Kernels;

// The float, stride-1 CPU path on AVX-512: a convolution without im2col. A block of rows of one image is
// copied once, zero-padded, into a "wide" buffer P[c, row, col] whose rows are OutWidth + Kw − 1 long. Then
// output pixel n = i·wide + j (j ≥ OutWidth are throw-away columns) reads P[c, i + u, j + v] =
// P[c·plane + u·wide + v + n]: for fixed (c, u, v) the pixels are a contiguous run of P, so a register-blocked
// micro-kernel (4 output channels × 64 pixels, 16 AVX-512 accumulators) streams it straight from cache,
// broadcasting one weight per output channel. The wide rows cost (Kw − 1)/OutWidth extra work; im2col's
// K-fold copy of the input is gone.
public static partial class Conv2d
{
    private const int TileChannels = 4;
    private const int TilePixels = 64;

    /// <summary>Elements of one padded input block P: 64K floats = 256 KiB, leaving room in L2 for the output block.</summary>
    private const int DirectBlockElements = 1 << 16;

    private static bool DirectApplies<T>(Lowering l) =>
        typeof(T) == typeof(float) && l.Stride == 1 && !l.IsPointwise && Avx512F.IsSupported;

    /// <summary>y[b] (+)= w ⊛ x[b] (+ bias) for a stride-1 lowering, on float host arrays.</summary>
    private static unsafe void ConvolveDirect(CpuBackend<float> cpu, int batch, Lowering l, int outChannels, float[] x, int xOffset,
        float[] w, int wOffset, float[]? bias, int biasOffset, float[] y, int yOffset, bool accumulate)
    {
        int k = l.K, n = l.N, wo = l.OutWidth, wide = wo + l.KernelWidth - 1;
        int rowsMax = Math.Max(1, DirectBlockElements / (l.Channels * wide) - (l.KernelHeight - 1));
        int blocks = (l.OutHeight + rowsMax - 1) / rowsMax;
        int rows = (l.OutHeight + blocks - 1) / blocks;
        int plane = (rows + l.KernelHeight - 1) * wide;
        int pixelTiles = (rows * wide + TilePixels - 1) / TilePixels;
        int widePixels = pixelTiles * TilePixels;
        int channelTiles = (outChannels + TileChannels - 1) / TileChannels;
        // P plus the tail the last tile of throw-away columns may read past the last row.
        int pLength = l.Channels * plane + widePixels + l.KernelWidth + (l.KernelHeight - 1) * wide;

        var packed = ArrayPool<float>.Shared.Rent(channelTiles * TileChannels * k);
        Array.Copy(w, wOffset, packed, 0, outChannels * k);
        Array.Clear(packed, outChannels * k, (channelTiles * TileChannels - outChannels) * k);
        var offsets = new int[k];
        for (int c = 0; c < l.Channels; c++)
            for (int u = 0; u < l.KernelHeight; u++)
                for (int v = 0; v < l.KernelWidth; v++)
                    offsets[(c * l.KernelHeight + u) * l.KernelWidth + v] = c * plane + u * wide + v;

        int workers = Math.Min(cpu.Threads, batch * blocks);
        int next = -1;
        Parallel.For(0, workers, cpu.Parallel, _ =>
        {
            var p = ArrayPool<float>.Shared.Rent(pLength);
            var o = ArrayPool<float>.Shared.Rent(channelTiles * TileChannels * widePixels);
            Array.Clear(p);
            for (int task; (task = Interlocked.Increment(ref next)) < batch * blocks;)
            {
                int image = task / blocks, row0 = task % blocks * rows, count = Math.Min(rows, l.OutHeight - row0);
                FillWide(x.AsSpan(xOffset + image * l.ImageSize, l.ImageSize), l, row0, rows + l.KernelHeight - 1, wide, p);
                fixed (float* pp = p, po = o, pw = packed)
                fixed (int* off = offsets)
                    for (int t = 0; t < pixelTiles; t++)
                        for (int ct = 0; ct < channelTiles; ct++)
                            Tile(pw + ct * TileChannels * k, k, pp + t * TilePixels, off, po + ct * TileChannels * widePixels + t * TilePixels, widePixels);
                // Keep the real columns of each row, adding bias and what y held.
                for (int co = 0; co < outChannels; co++)
                {
                    float b = bias is null ? 0f : bias[biasOffset + co];
                    for (int r = 0; r < count; r++)
                    {
                        var src = o.AsSpan(co * widePixels + r * wide, wo);
                        var dst = y.AsSpan(yOffset + (image * outChannels + co) * n + (row0 + r) * wo, wo);
                        if (accumulate) TensorPrimitives.Add(dst, src, dst);
                        else src.CopyTo(dst);
                        if (b != 0f) TensorPrimitives.Add(dst, b, dst);
                    }
                }
            }
            ArrayPool<float>.Shared.Return(p);
            ArrayPool<float>.Shared.Return(o);
        });
        ArrayPool<float>.Shared.Return(packed);
    }

    /// <summary>P[c, i, j] = image[c, row0 + i − PadH, j − PadW] (zero outside) for i &lt; rows, j &lt; wide.</summary>
    private static void FillWide(ReadOnlySpan<float> image, Lowering l, int row0, int rows, int wide, Span<float> p)
    {
        int lo = Math.Clamp(l.PadW, 0, wide), hi = Math.Clamp(l.Width + l.PadW, lo, wide);
        int plane = rows * wide;
        for (int c = 0; c < l.Channels; c++)
            for (int i = 0; i < rows; i++)
            {
                var dst = p.Slice(c * plane + i * wide, wide);
                int ih = row0 + i - l.PadH;
                if ((uint)ih >= (uint)l.Height)
                {
                    dst.Clear();
                    continue;
                }
                dst[..lo].Clear();
                image.Slice((c * l.Height + ih) * l.Width + lo - l.PadW, hi - lo).CopyTo(dst[lo..hi]);
                dst[hi..].Clear();
            }
    }

    /// <summary>o[m, 0..64) = Σ_k w[m·K + k] · p[offsets[k] + 0..64) for m &lt; 4: one register-blocked tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Tile(float* w, int k, float* p, int* offsets, float* o, int ldo)
    {
        Vector512<float> a00 = default, a01 = default, a02 = default, a03 = default;
        Vector512<float> a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> a20 = default, a21 = default, a22 = default, a23 = default;
        Vector512<float> a30 = default, a31 = default, a32 = default, a33 = default;
        float* w0 = w, w1 = w + k, w2 = w + 2 * k, w3 = w + 3 * k;
        for (int i = 0; i < k; i++)
        {
            float* s = p + offsets[i];
            var b0 = Vector512.Load(s);
            var b1 = Vector512.Load(s + 16);
            var b2 = Vector512.Load(s + 32);
            var b3 = Vector512.Load(s + 48);
            var c = Vector512.Create(w0[i]);
            a00 = Avx512F.FusedMultiplyAdd(b0, c, a00); a01 = Avx512F.FusedMultiplyAdd(b1, c, a01);
            a02 = Avx512F.FusedMultiplyAdd(b2, c, a02); a03 = Avx512F.FusedMultiplyAdd(b3, c, a03);
            c = Vector512.Create(w1[i]);
            a10 = Avx512F.FusedMultiplyAdd(b0, c, a10); a11 = Avx512F.FusedMultiplyAdd(b1, c, a11);
            a12 = Avx512F.FusedMultiplyAdd(b2, c, a12); a13 = Avx512F.FusedMultiplyAdd(b3, c, a13);
            c = Vector512.Create(w2[i]);
            a20 = Avx512F.FusedMultiplyAdd(b0, c, a20); a21 = Avx512F.FusedMultiplyAdd(b1, c, a21);
            a22 = Avx512F.FusedMultiplyAdd(b2, c, a22); a23 = Avx512F.FusedMultiplyAdd(b3, c, a23);
            c = Vector512.Create(w3[i]);
            a30 = Avx512F.FusedMultiplyAdd(b0, c, a30); a31 = Avx512F.FusedMultiplyAdd(b1, c, a31);
            a32 = Avx512F.FusedMultiplyAdd(b2, c, a32); a33 = Avx512F.FusedMultiplyAdd(b3, c, a33);
        }
        a00.Store(o); a01.Store(o + 16); a02.Store(o + 32); a03.Store(o + 48); o += ldo;
        a10.Store(o); a11.Store(o + 16); a12.Store(o + 32); a13.Store(o + 48); o += ldo;
        a20.Store(o); a21.Store(o + 16); a22.Store(o + 32); a23.Store(o + 48); o += ldo;
        a30.Store(o); a31.Store(o + 16); a32.Store(o + 32); a33.Store(o + 48);
    }
}
