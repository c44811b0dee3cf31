using System.Runtime.InteropServices;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Cortex.Core.Backends;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Cortex.Core.Kernels;

// The float CPU path on AVX-512 (stride 1, or a stride split into phases: see Phases): a convolution without im2col. A block of rows of one image is
// copied once, zero-padded, into a "wide" buffer P[c, row, col] whose rows are OutWidth + Kw − 1 long. Then
// output pixel n = i·wide + j (j ≥ OutWidth are throw-away columns) reads P[c, i + u, j + v] =
// P[c·plane + u·wide + v + n]: for fixed (c, u, v) the pixels are a contiguous run of P, so a register-blocked
// micro-kernel (4 output channels × 64 pixels, 16 AVX-512 accumulators) streams it straight from cache,
// broadcasting one weight per output channel. The wide rows cost (Kw − 1)/OutWidth extra work; im2col's
// K-fold copy of the input is gone.
// Where the wide rows waste most (14-wide outputs: 16 columns computed for 14, rounded up to whole vectors), the
// lanes hold output channels instead: RowTile keeps 32 output channels × 14 pixels of one output row (a 28-wide row is
// two such tiles) in 28 accumulators and broadcasts each input pixel from P, so only real pixels are computed, and the
// tile is stored transposed straight into y; the weight gradient does the same over the real pixels of every row
// (WeightsRows, any width, output channels a multiple of 32).
public static partial class Conv2d
{
    private const int TileChannels = 4;
    private const int TilePixels = 64;
    private const int RowChannels = 32, RowPixels = 14;

    /// <summary>Taps below which the channel-vector tiles' transposes cost more than the throw-away columns they save (the 1→32 convolution of an image has 9).</summary>
    private const int RowMinTaps = 64;

    /// <summary>Elements of one padded input block P: 64K floats = 256 KiB, leaving room in L2 for the output block.</summary>
    private const int DirectBlockElements = 1 << 16;

    private static bool DirectApplies<T>(Lowering l) =>
        typeof(T) == typeof(float) && !l.IsPointwise && Avx512F.IsSupported
        && (l.Stride == 1 || l.Stride <= l.KernelHeight && l.Stride <= l.KernelWidth);

    /// <summary>y[b] (+)= w ⊛ x[b] (+ bias) for a stride-1 lowering, on float host arrays.</summary>
    private static unsafe void ConvolveDirect(CpuBackend<float> cpu, int batch, Lowering l, int outChannels, float[] x, int xOffset,
        float[] w, int wOffset, float[]? bias, int biasOffset, float[] y, int yOffset, bool accumulate)
    {
        var ph = Phases.Of(l);
        int k = l.K, n = l.N, wo = l.OutWidth, wide = wo + ph.SpanW - 1;
        int rowsMax = Math.Max(1, DirectBlockElements / (ph.Channels * wide) - (ph.SpanH - 1));
        int blocks = (l.OutHeight + rowsMax - 1) / rowsMax;
        int rows = (l.OutHeight + blocks - 1) / blocks;
        int plane = (rows + ph.SpanH - 1) * wide;
        int pixelTiles = (rows * wide + TilePixels - 1) / TilePixels;
        int widePixels = pixelTiles * TilePixels;
        // P plus the tail the last tile of throw-away columns may read past the last row.
        int pLength = ph.Channels * plane + widePixels + ph.SpanW + (ph.SpanH - 1) * wide;

        var offsets = new int[k];
        ph.Offsets(l, plane, wide, offsets);
        // Rows 14 or 28 wide (with at least RowMinTaps taps) go through RowTile (no throw-away columns) for each whole group
        // of 32 output channels, with the weights transposed to [K, Co]. When that is every channel, the tiles are stored
        // straight into y (14 lanes at a time, adding bias and what y held); otherwise the channels left over take the wide
        // tiles, and every channel goes through the wide output buffer.
        bool rowTiles = (wo == RowPixels || wo == 2 * RowPixels) && k >= RowMinTaps;
        bool straight = rowTiles && outChannels % RowChannels == 0;
        int rowChannels = straight || rowTiles && (rows - 1) * wide + wo + 2 <= widePixels ? outChannels / RowChannels * RowChannels : 0;
        var transposed = rowChannels > 0 ? TransposeWeights(w, wOffset, outChannels, k) : null;
        // Few taps and rows 17 to 32 wide (the 1→32 convolution of an image): plane tiles, stored straight into y too.
        bool planes = rowChannels == 0 && PlanesApply(l) && outChannels % PlaneChannels == 0;
        var high = FirstLanes(Math.Clamp(wo - 16, 0, 16));

        int workers = Math.Min(cpu.Threads, batch * blocks);
        int next = -1;
        cpu.For(workers, _ =>
        {
            int pAligned = (pLength + 15) / 16 * 16, oLength = straight ? 0 : outChannels * widePixels;
            float* pp = ThreadScratch(pAligned + oLength + RowChannels * RowPixels), po = pp + pAligned;
            float* pt = po + oLength;
            new Span<float>(pp, pLength).Clear();
            // Each worker claims its next task before it computes this one, so that (one image per task) the next image can be
            // fetched into the cache a piece per output row meanwhile.
            for (int task = Interlocked.Increment(ref next), following; task < batch * blocks; task = following)
            {
                following = Interlocked.Increment(ref next);
                int image = task / blocks, row0 = task % blocks * rows, count = Math.Min(rows, l.OutHeight - row0);
                FillWide(x.AsSpan(xOffset + image * l.ImageSize, l.ImageSize), l, ph, row0, rows + ph.SpanH - 1, wide, new Span<float>(pp, pLength));
                fixed (float* pw = &w[wOffset], py = y, pwt = transposed, pb = bias, px = x)
                fixed (int* off = offsets)
                {
                    if (planes)
                    {
                        float* y0 = py + yOffset + (long)image * outChannels * n + row0 * wo;
                        float* upcoming = blocks == 1 && following < batch ? px + xOffset + (long)following * l.ImageSize : null;
                        for (int c = 0; c < outChannels; c += PlaneChannels)
                        {
                            PrefetchPart(upcoming, l.ImageSize, c / PlaneChannels, outChannels / PlaneChannels);
                            for (int r = 0; r < count; r++)
                                PlaneTile(pw + c * k, k, pp + r * wide, off, y0 + (long)c * n + r * wo, n, pb is null ? null : pb + biasOffset + c, accumulate, high);
                        }
                        continue;
                    }
                    if (straight)
                    {
                        float* y0 = py + yOffset + (long)image * outChannels * n + row0 * wo;
                        float* b0 = pb is null ? null : pb + biasOffset;
                        float* upcoming = blocks == 1 && following < batch ? px + xOffset + (long)following * l.ImageSize : null;
                        for (int r = 0; r < count; r++)
                            for (int j = 0, part = r; j < wo; j += RowPixels)
                                for (int c = 0; c < outChannels; c += RowChannels)
                                {
                                    // y is far larger than the caches: ask for the tile's 32 rows of y while it is computed.
                                    float* dst = y0 + (long)c * n + r * wo + j;
                                    for (int q = 0; q < RowChannels; q++)
                                    {
                                        Sse.Prefetch0(dst + (long)q * n);
                                        Sse.Prefetch0(dst + (long)q * n + RowPixels - 1);
                                    }
                                    if (j == 0 && c == 0) PrefetchPart(upcoming, l.ImageSize, part, count);
                                    RowTile(pwt + c, outChannels, k, pp + r * wide + j, off, pt);
                                    StoreRowTile(pt, dst, n, b0 is null ? null : b0 + c, accumulate);
                                }
                        continue;
                    }
                    for (int r = 0; r < count && rowChannels > 0; r++)
                        for (int j = 0; j < wo; j += RowPixels)
                            for (int c = 0; c < rowChannels; c += RowChannels)
                            {
                                RowTile(pwt + c, outChannels, k, pp + r * wide + j, off, pt);
                                float* o = po + c * widePixels + r * wide + j;
                                Transpose16(pt, RowChannels, o, widePixels);
                                Transpose16(pt + 16, RowChannels, o + 16 * widePixels, widePixels);
                            }
                    for (int t = 0; t < pixelTiles && rowChannels < outChannels; t++)
                    {
                        // The last tile may need only half its pixels (e.g. 14 rows of 16 = 3½ tiles).
                        bool half = rows * wide - t * TilePixels <= TilePixels / 2;
                        int ct = rowChannels;
                        for (; ct + TileChannels <= outChannels; ct += TileChannels)
                            if (half) TileHalf(pw + ct * k, k, pp + t * TilePixels, off, po + ct * widePixels + t * TilePixels, widePixels);
                            else Tile(pw + ct * k, k, pp + t * TilePixels, off, po + ct * widePixels + t * TilePixels, widePixels);
                        for (; ct < outChannels; ct++)
                            TileRow(pw + ct * k, k, pp + t * TilePixels, off, po + ct * widePixels + t * TilePixels);
                    }
                    // Keep the real columns of each row, adding bias and what y held.
                    for (int co = 0; co < outChannels; co++)
                    {
                        float b = bias is null ? 0f : bias[biasOffset + co];
                        float* dst = py + yOffset + (image * outChannels + co) * n + row0 * wo;
                        for (int r = 0; r < count; r++)
                            CopyRow(po + co * widePixels + r * wide, dst + r * wo, wo, b, accumulate);
                    }
                }
            }
        });
        if (transposed is not null) System.Buffers.ArrayPool<float>.Shared.Return(transposed);
    }

    /// <summary>
    /// w [Co, K] (from <paramref name="offset"/>) as [K, Co] in an array from the shared pool (return it when done): each tap's
    /// output channels side by side, as <see cref="RowTile"/> reads them. By 16×16 blocks in registers where both sizes allow.
    /// </summary>
    private static unsafe float[] TransposeWeights(float[] w, int offset, int outChannels, int k)
    {
        var result = System.Buffers.ArrayPool<float>.Shared.Rent(k * outChannels);
        fixed (float* src = &w[offset], dst = result)
        {
            if (outChannels % 16 == 0 && k % 16 == 0)
            {
                for (int c = 0; c < outChannels; c += 16)
                    for (int i = 0; i < k; i += 16)
                        Transpose16(src + (long)c * k + i, k, true, dst + (long)i * outChannels + c, outChannels);
                return result;
            }
            for (int c = 0; c < outChannels; c++)
                for (int i = 0; i < k; i++)
                    dst[i * outChannels + c] = src[c * k + i];
        }
        return result;
    }

    /// <summary>
    /// Backward-data of a strided convolution (see PhasedBackwardData) in one pass per image: dy[b] is copied
    /// once into a wide buffer that every phase reads (each with its own taps and offsets), and each phase's
    /// tiles go straight to every s-th pixel of dx, so there is no per-phase copy of dy, no phase buffer and no
    /// interleaving pass. False (nothing done) when one image does not fit a block.
    /// </summary>
    private static unsafe bool PhasedDirect(CpuBackend<float> cpu, Conv2dGeometry g, (int First, int Count, int Pad)[] rowsOf,
        (int First, int Count, int Pad)[] colsOf, float[] dy, int dyOffset, float[] w, int wOffset, float[] dx, int dxOffset, bool accumulate)
    {
        int s = g.Stride, kh = g.KernelHeight, kw = g.KernelWidth, co = g.OutChannels, ci = g.InChannels;
        int ha0 = (g.InHeight + s - 1) / s, wb0 = (g.InWidth + s - 1) / s;
        // Phase tap a of row phase ph reads dy row i + a − Pad: the union of those offsets over all phases.
        int minH = int.MaxValue, maxH = int.MinValue, minW = int.MaxValue, maxW = int.MinValue;
        foreach (var (_, count, pad) in rowsOf) { minH = Math.Min(minH, -pad); maxH = Math.Max(maxH, count - 1 - pad); }
        foreach (var (_, count, pad) in colsOf) { minW = Math.Min(minW, -pad); maxW = Math.Max(maxW, count - 1 - pad); }
        int spanH = maxH - minH + 1, spanW = maxW - minW + 1;
        int wide = wb0 + spanW - 1, plane = (ha0 + spanH - 1) * wide;
        int pixelTiles = (ha0 * wide + TilePixels - 1) / TilePixels, widePixels = pixelTiles * TilePixels;
        int pLength = co * plane + widePixels + spanW + (spanH - 1) * wide;
        if (pLength > 2 * DirectBlockElements) return false;
        // The wide buffer of dy as a stride-1 lowering: P[c, i, j] = dy[c, i + minH, j + minW].
        var l = new Lowering(co, g.OutHeight, g.OutWidth, spanH, spanW, 1, -minH, -minW, ha0, wb0);
        var ph1 = Phases.Of(l);
        // Per phase: taps [ci, co·nu·nv] and their offsets into P.
        int phases = s * s;
        var taps = new float[phases][];
        var offsets = new int[phases][];
        for (int ph = 0; ph < s; ph++)
            for (int pw = 0; pw < s; pw++)
            {
                var (u0, nu, padH) = rowsOf[ph];
                var (v0, nv, padW) = colsOf[pw];
                int k = co * nu * nv;
                var t = taps[ph * s + pw] = new float[ci * k];
                var o = offsets[ph * s + pw] = new int[k];
                for (int i = 0; i < ci; i++)
                    for (int c = 0; c < co; c++)
                        for (int a = 0; a < nu; a++)
                            for (int b = 0; b < nv; b++)
                                t[i * k + (c * nu + a) * nv + b] = w[wOffset + ((c * ci + i) * kh + (u0 - s * a)) * kw + (v0 - s * b)];
                for (int c = 0; c < co; c++)
                    for (int a = 0; a < nu; a++)
                        for (int b = 0; b < nv; b++)
                            o[(c * nu + a) * nv + b] = c * plane + (a - padH - minH) * wide + (b - padW - minW);
            }
        // Phases whose rows are 14 wide take RowTile for each whole group of 32 input channels (as in ConvolveDirect).
        int rowChannels = ci / RowChannels * RowChannels;
        var transposed = new float[phases][];
        for (int ph = 0; ph < s; ph++)
            for (int pw = 0; pw < s; pw++)
                if (rowChannels > 0 && co * rowsOf[ph].Count * colsOf[pw].Count >= RowMinTaps && (g.InWidth - pw + s - 1) / s == RowPixels
                    && ((g.InHeight - ph + s - 1) / s - 1) * wide + 16 <= widePixels)
                    transposed[ph * s + pw] = TransposeWeights(taps[ph * s + pw], 0, ci, co * rowsOf[ph].Count * colsOf[pw].Count);
        int planeIn = g.InHeight * g.InWidth, imageOut = g.OutHeight * g.OutWidth * co;
        bool paired = s == 2 && g.InWidth == 2 * RowPixels && ci % RowChannels == 0 && transposed.All(t => t is not null);
        int workers = Math.Min(cpu.Threads, g.Batch);
        int next = -1;
        cpu.For(workers, _ =>
        {
            int pAligned = (pLength + 15) / 16 * 16;
            // The outputs of all phases, plus a tail that the last row's 16-wide loads may read.
            float* pp = ThreadScratch(pAligned + phases * ci * widePixels + 16 + 2 * RowChannels * RowPixels + 2 * 256), po = pp + pAligned;
            float* pt = po + phases * ci * widePixels + 16;
            new Span<float>(pp, pAligned + phases * ci * widePixels + 16).Clear();
            for (int image = Interlocked.Increment(ref next), following; image < g.Batch; image = following)
            {
                following = Interlocked.Increment(ref next);
                FillWide(dy.AsSpan(dyOffset + image * imageOut, imageOut), l, ph1, 0, ha0 + spanH - 1, wide, new Span<float>(pp, pLength));
                if (paired)
                {
                    // Stride 2 into rows 28 wide, every channel in row tiles: the two column phases of each output row are
                    // computed one after the other and stored interleaved straight into dx, row by row.
                    fixed (float* pdx = dx, pdy = dy)
                        for (int ih = 0; ih < g.InHeight; ih++)
                        {
                            int ph = ih % 2, r = ih / 2;
                            fixed (float* w0 = transposed[2 * ph], w1 = transposed[2 * ph + 1])
                            fixed (int* o0 = offsets[2 * ph], o1 = offsets[2 * ph + 1])
                                for (int c = 0; c < ci; c += RowChannels)
                                {
                                    float* dst = pdx + dxOffset + (long)(image * ci + c) * planeIn + ih * g.InWidth;
                                    for (int q = 0; q < RowChannels; q++)
                                    {
                                        Sse.Prefetch0(dst + (long)q * planeIn);
                                        Sse.Prefetch0(dst + (long)q * planeIn + 2 * RowPixels - 1);
                                    }
                                    if (c == 0 && following < g.Batch) PrefetchPart(pdy + dyOffset + (long)following * imageOut, imageOut, ih, g.InHeight);
                                    RowTile(w0 + c, ci, co * rowsOf[ph].Count * colsOf[0].Count, pp + r * wide, o0, pt);
                                    RowTile(w1 + c, ci, co * rowsOf[ph].Count * colsOf[1].Count, pp + r * wide, o1, pt + RowChannels * RowPixels);
                                    StoreInterleaved(pt, pt + RowChannels * RowPixels, pt + 2 * RowChannels * RowPixels, dst, planeIn, accumulate);
                                }
                        }
                    continue;
                }
                for (int ph = 0; ph < s; ph++)
                    for (int pw = 0; pw < s; pw++)
                    {
                        int k = co * rowsOf[ph].Count * colsOf[pw].Count;
                        int ha = (g.InHeight - ph + s - 1) / s;
                        int tiles = (ha * wide + TilePixels - 1) / TilePixels;
                        float* pout = po + (ph * s + pw) * ci * widePixels;
                        fixed (float* pwt = taps[ph * s + pw], prt = transposed[ph * s + pw])
                        fixed (int* off = offsets[ph * s + pw])
                        {
                            int first = prt is null ? 0 : rowChannels;
                            for (int r = 0; r < ha && prt is not null; r++)
                                for (int c = 0; c < rowChannels; c += RowChannels)
                                {
                                    RowTile(prt + c, ci, k, pp + r * wide, off, pt);
                                    float* o = pout + c * widePixels + r * wide;
                                    Transpose16(pt, RowChannels, o, widePixels);
                                    Transpose16(pt + 16, RowChannels, o + 16 * widePixels, widePixels);
                                }
                            for (int t = 0; t < tiles && first < ci; t++)
                            {
                                bool half = ha * wide - t * TilePixels <= TilePixels / 2;
                                int ct = first;
                                for (; ct + TileChannels <= ci; ct += TileChannels)
                                    if (half) TileHalf(pwt + ct * k, k, pp + t * TilePixels, off, pout + ct * widePixels + t * TilePixels, widePixels);
                                    else Tile(pwt + ct * k, k, pp + t * TilePixels, off, pout + ct * widePixels + t * TilePixels, widePixels);
                                for (; ct < ci; ct++)
                                    TileRow(pwt + ct * k, k, pp + t * TilePixels, off, pout + ct * widePixels + t * TilePixels);
                            }
                        }
                    }
                // Every output row of dx interleaves s phase rows: write each plane of dx once, in order.
                fixed (float* pdx = dx)
                    for (int c = 0; c < ci; c++)
                        for (int ih = 0; ih < g.InHeight; ih++)
                        {
                            int ph = ih % s, r = ih / s;
                            float* dst = pdx + dxOffset + (long)(image * ci + c) * planeIn + ih * g.InWidth;
                            float* src = po + (ph * s * ci + c) * widePixels + r * wide;
                            if (s == 2 && g.InWidth % 2 == 0)
                                Interleave2(src, src + ci * widePixels, dst, g.InWidth / 2, accumulate);
                            else
                                for (int pw = 0; pw < s; pw++)
                                {
                                    float* from = src + pw * ci * widePixels;
                                    int wb = (g.InWidth - pw + s - 1) / s;
                                    if (accumulate) for (int j = 0; j < wb; j++) dst[s * j + pw] += from[j];
                                    else for (int j = 0; j < wb; j++) dst[s * j + pw] = from[j];
                                }
                        }
            }
        });
        foreach (var t in transposed)
            if (t is not null) System.Buffers.ArrayPool<float>.Shared.Return(t);
        return true;
    }

    /// <summary>
    /// Two tiles of <see cref="RowTile"/> (t0, t1: 14 pixels × 32 channels each) interleaved into 28-wide rows of dx:
    /// dst[c·ldd + 2j] (+)= t0[j·32 + c], dst[c·ldd + 2j + 1] (+)= t1[j·32 + c] for c &lt; 32, j &lt; 14, through
    /// <paramref name="scratch"/> (512 floats): each half of the channels is transposed, then each row re-interleaved.
    /// </summary>
    private static unsafe void StoreInterleaved(float* t0, float* t1, float* scratch, float* dst, int ldd, bool accumulate)
    {
        var lo = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        var hi = Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        var twelve = Vector512.Create(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0).AsSingle();
        for (int half = 0; half < 2; half++)
        {
            Transpose16(t0 + 16 * half, RowChannels, scratch, 16);
            Transpose16(t1 + 16 * half, RowChannels, scratch + 256, 16);
            float* row = dst + (long)16 * half * ldd;
            for (int c = 0; c < 16; c++, row += ldd)
            {
                var a = Vector512.Load(scratch + 16 * c);
                var b = Vector512.Load(scratch + 256 + 16 * c);
                var v0 = Avx512F.PermuteVar16x32x2(a, lo, b);
                var v1 = Avx512F.PermuteVar16x32x2(a, hi, b);
                if (accumulate)
                {
                    v0 += Vector512.Load(row);
                    v1 += Avx512F.MaskLoad(row + 16, twelve, Vector512<float>.Zero);
                }
                v0.Store(row);
                Avx512F.MaskStore(row + 16, twelve, v1);
            }
        }
    }

    /// <summary>dst[2j] = a[j], dst[2j + 1] = b[j] for j &lt; pairs (or += when accumulating); a and b may be read up to 15 past pairs.</summary>
    private static unsafe void Interleave2(float* a, float* b, float* dst, int pairs, bool accumulate)
    {
        var lo = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        var hi = Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        int j = 0;
        for (; j + 16 <= pairs; j += 16)
        {
            var x = Vector512.Load(a + j);
            var y = Vector512.Load(b + j);
            var v0 = Avx512F.PermuteVar16x32x2(x, lo, y);
            var v1 = Avx512F.PermuteVar16x32x2(x, hi, y);
            if (accumulate) { v0 += Vector512.Load(dst + 2 * j); v1 += Vector512.Load(dst + 2 * j + 16); }
            v0.Store(dst + 2 * j);
            v1.Store(dst + 2 * j + 16);
        }
        if (j < pairs)
        {
            float* tail = stackalloc float[32];
            var x = Vector512.Load(a + j);
            var y = Vector512.Load(b + j);
            Avx512F.PermuteVar16x32x2(x, lo, y).Store(tail);
            Avx512F.PermuteVar16x32x2(x, hi, y).Store(tail + 16);
            CopyRow(tail, dst + 2 * j, 2 * (pairs - j), 0f, accumulate);
        }
    }

    /// <summary>
    /// Elements of the padded inputs and wide output gradients that one weight-gradient task keeps in L2 (1 MiB, at most 8 images: more
    /// images per group make each register tile run longer between its load, reduction and store of accumulators).
    /// </summary>
    private const int WeightGroupElements = 1 << 18;

    /// <summary>
    /// The same for the channel-vector weight gradient (256 KiB, one 28×28 image of 32 channels or two of 14×14 with 64): small enough
    /// that the next group's inputs, fetched while a group computes, fit in L2 beside it.
    /// </summary>
    private const int RowWeightGroupElements = 1 << 16;

    /// <summary>
    /// dw[co, k] += Σ_b Σ_pixels dy[b, co, pixel] · x window, for a stride-1 lowering on float host arrays. dy is
    /// laid out wide too (zeros in the throw-away columns), so a tile of 4 output channels × 4 taps runs down
    /// the pixels of a group of images with 16 vector accumulators and is summed across lanes once per group.
    /// Each range of tasks sums into its own partial (<see cref="OrderedPartials{T}"/>), added up in order at the end.
    /// </summary>
    private static unsafe void WeightsDirect(CpuBackend<float> cpu, int batch, Lowering l, int outChannels, float[] x, int xOffset,
        float[] dy, int dyOffset, float[] dw, int dwOffset, float[]? dbias, int dbiasOffset)
    {
        var ph = Phases.Of(l);
        int k = l.K, n = l.N, wo = l.OutWidth, wide = wo + ph.SpanW - 1;
        int rowsMax = Math.Max(1, DirectBlockElements / (ph.Channels * wide) - (ph.SpanH - 1));
        int blocks = (l.OutHeight + rowsMax - 1) / rowsMax;
        int rows = (l.OutHeight + blocks - 1) / blocks;
        int plane = (rows + ph.SpanH - 1) * wide;
        int widePixels = (rows * wide + 15) / 16 * 16;
        int channelTiles = (outChannels + TileChannels - 1) / TileChannels, tapTiles = (k + 3) / 4;
        int coPad = channelTiles * TileChannels, kPad = tapTiles * 4;
        int pLength = ph.Channels * plane + widePixels + ph.SpanW + (ph.SpanH - 1) * wide;
        int dLength = coPad * widePixels;
        int group = blocks == 1 ? Math.Clamp(WeightGroupElements / (pLength + dLength), 1, 8) : 1;
        int units = batch * blocks, tasks = (units + group - 1) / group;
        var offsets = new int[kPad];
        ph.Offsets(l, plane, wide, offsets);

        using var partial = new OrderedPartials<float>(tasks, coPad * kPad + outChannels);
        int workers = Math.Min(cpu.Threads, partial.Count);
        int next = -1;
        cpu.For(workers, _ =>
        {
            // dLength is a multiple of 16, so every row of dy in d starts on a 64-byte line.
            float* pd = ThreadScratch(group * (dLength + pLength)), pp = pd + group * dLength;
            new Span<float>(pd, group * (dLength + pLength)).Clear();
            var lanes = new float[256];
            for (int range; (range = Interlocked.Increment(ref next)) < partial.Count;)
            {
                var (first, end, sum) = partial.Begin(range);
                for (int task = first; task < end; task++)
                {
                    int images = Math.Min(group, units - task * group);
                    for (int g = 0; g < images; g++)
                    {
                        int unit = task * group + g, image = unit / blocks, row0 = unit % blocks * rows, count = Math.Min(rows, l.OutHeight - row0);
                        FillWide(x.AsSpan(xOffset + image * l.ImageSize, l.ImageSize), l, ph, row0, rows + ph.SpanH - 1, wide, new Span<float>(pp + g * pLength, pLength));
                        fixed (float* pdy = dy)
                            for (int co = 0; co < outChannels; co++)
                            {
                                float* target = pd + g * dLength + co * widePixels;
                                float* source = pdy + dyOffset + (image * outChannels + co) * n + row0 * wo;
                                for (int r = 0; r < count; r++)
                                {
                                    CopyRow(source + r * wo, target + r * wide, wo, 0f, false);
                                    for (int j = r * wide + wo; j < (r + 1) * wide; j++) target[j] = 0f;
                                }
                                new Span<float>(target + count * wide, widePixels - count * wide).Clear();
                                if (dbias is not null)
                                {
                                    // Measured here, TensorPrimitives.Sum took about 1.5 µs per 840-float row; this loop is several times faster.
                                    var total = Vector512<float>.Zero;
                                    for (int j = 0; j < widePixels; j += 16) total += Vector512.Load(target + j);
                                    sum[coPad * kPad + co] += Vector512.Sum(total);
                                }
                            }
                    }
                    fixed (float* ps0 = sum, acc = lanes)
                    fixed (int* off = offsets)
                        for (int ct = 0; ct < channelTiles; ct++)
                            for (int kt = 0; kt < tapTiles; kt++)
                            {
                                new Span<float>(acc, 256).Clear();
                                WeightTile(pd + ct * TileChannels * widePixels, widePixels, pp, off + kt * 4, widePixels, images, dLength, pLength, acc);
                                float* target = ps0 + ct * TileChannels * kPad + kt * 4;
                                for (int m = 0; m < 4; m++, target += kPad)
                                    (Vector128.Load(target) + Sum4(Vector512.Load(acc + 64 * m), Vector512.Load(acc + 64 * m + 16),
                                        Vector512.Load(acc + 64 * m + 32), Vector512.Load(acc + 64 * m + 48))).Store(target);
                            }
                }
            }
        });
        var total = partial.Total(cpu);
        for (int co = 0; co < outChannels; co++)
        {
            var target = dw.AsSpan(dwOffset + co * k, k);
            TensorPrimitives.Add(target, total.AsSpan(co * kPad, k), target);
        }
        if (dbias is not null)
            TensorPrimitives.Add(dbias.AsSpan(dbiasOffset, outChannels), total.AsSpan(coPad * kPad, outChannels), dbias.AsSpan(dbiasOffset, outChannels));
    }

    /// <summary>
    /// The weight gradient with output channels in vector lanes (when there are a multiple of 32 of them): dy of each image is
    /// transposed to [pixel, Co], and a tile of 14 taps × 32 output channels (28 accumulators) runs over the real pixels of a
    /// group of images only, each tap's input broadcast, so no throw-away column is ever multiplied. Each range of tasks sums
    /// its tiles into its own [K, Co] partial; the partials are added in order and transposed into dw at the end.
    /// </summary>
    private static unsafe void WeightsRows(CpuBackend<float> cpu, int batch, Lowering l, int outChannels, float[] x, int xOffset,
        float[] dy, int dyOffset, float[] dw, int dwOffset, float[]? dbias, int dbiasOffset)
    {
        var ph = Phases.Of(l);
        int k = l.K, n = l.N, wo = l.OutWidth, wide = wo + ph.SpanW - 1;
        int rowsMax = Math.Max(1, DirectBlockElements / (ph.Channels * wide) - (ph.SpanH - 1));
        int blocks = (l.OutHeight + rowsMax - 1) / rowsMax;
        int rows = (l.OutHeight + blocks - 1) / blocks;
        int plane = (rows + ph.SpanH - 1) * wide;
        // Every tap's window of the real pixels lies inside the channel's padded plane, so P needs no tail.
        int pLength = (ph.Channels * plane + 15) / 16 * 16;
        int pixels = rows * wo, dLength = (pixels + 16) * outChannels;
        int tapTiles = (k + RowPixels - 1) / RowPixels, kPad = tapTiles * RowPixels;
        int group = blocks == 1 ? Math.Clamp(RowWeightGroupElements / (pLength + dLength), 1, 8) : 1;
        int units = batch * blocks, tasks = (units + group - 1) / group;
        var offsets = new int[kPad]; // taps past K read P[0] and are never stored
        ph.Offsets(l, plane, wide, offsets);

        using var partial = new OrderedPartials<float>(tasks, kPad * outChannels + outChannels);
        int workers = Math.Min(cpu.Threads, partial.Count);
        int next = -1;
        cpu.For(workers, _ =>
        {
            float* pd = ThreadScratch(group * (dLength + pLength)), pp = pd + group * dLength;
            new Span<float>(pp, group * pLength).Clear();
            for (int range; (range = Interlocked.Increment(ref next)) < partial.Count;)
            {
                var (first, end, sum) = partial.Begin(range);
                for (int task = first; task < end; task++)
                {
                    int images = Math.Min(group, units - task * group), count = rows;
                    // While this task computes, the next one's images of x and dy are fetched into the cache, a piece per tile.
                    int ahead = blocks == 1 && task + 1 < end ? Math.Min(group, units - (task + 1) * group) : 0;
                    for (int g = 0; g < images; g++)
                    {
                        int unit = task * group + g, image = unit / blocks, row0 = unit % blocks * rows;
                        count = Math.Min(rows, l.OutHeight - row0);
                        FillWide(x.AsSpan(xOffset + image * l.ImageSize, l.ImageSize), l, ph, row0, rows + ph.SpanH - 1, wide, new Span<float>(pp + g * pLength, pLength));
                        fixed (float* pdy = dy)
                        {
                            float* source = pdy + dyOffset + (long)image * outChannels * n + row0 * wo;
                            TransposePlanes(source, n, outChannels, count * wo, pd + g * dLength);
                            if (dbias is not null)
                                for (int co = 0; co < outChannels; co++)
                                    sum[kPad * outChannels + co] += TensorPrimitives.Sum(new ReadOnlySpan<float>(source + (long)co * n, count * wo));
                        }
                    }
                    fixed (float* ps = sum, px = x, pdy = dy)
                    fixed (int* off = offsets)
                    {
                        float* nextX = ahead > 0 ? px + xOffset + (long)(task + 1) * group * l.ImageSize : null;
                        float* nextDy = ahead > 0 ? pdy + dyOffset + (long)(task + 1) * group * outChannels * n : null;
                        int parts = outChannels / RowChannels * tapTiles;
                        for (int c = 0, part = 0; c < outChannels; c += RowChannels)
                            for (int t = 0; t < tapTiles; t++, part++)
                            {
                                PrefetchPart(nextX, ahead * l.ImageSize, part, parts);
                                PrefetchPart(nextDy, ahead * outChannels * n, part, parts);
                                WeightRowTile(pd + c, outChannels, pp, off + t * RowPixels, images, count, wo, wide, dLength, pLength,
                                    ps + t * RowPixels * outChannels + c, outChannels, Math.Min(RowPixels, k - t * RowPixels));
                            }
                    }
                }
            }
        });
        // The total is [K, Co]: transposed into dw by blocks of output channels, one per thread.
        var total = partial.Total(cpu);
        int channelBlocks = Math.Min(cpu.Threads, outChannels / 16);
        cpu.For(channelBlocks, block =>
        {
            for (int co = block * outChannels / channelBlocks, end = (block + 1) * outChannels / channelBlocks; co < end; co++)
            {
                var target = dw.AsSpan(dwOffset + co * k, k);
                for (int i = 0; i < k; i++) target[i] += total[i * outChannels + co];
            }
        });
        if (dbias is not null)
            TensorPrimitives.Add(dbias.AsSpan(dbiasOffset, outChannels), total.AsSpan(kPad * outChannels, outChannels), dbias.AsSpan(dbiasOffset, outChannels));
    }

    /// <summary>dst[p·channels + c] = src[c·ld + p] for c &lt; channels (a multiple of 16), p &lt; pixels: planes to pixel-major rows, by 16×16 blocks.</summary>
    private static unsafe void TransposePlanes(float* src, int ld, int channels, int pixels, float* dst)
    {
        int p = 0;
        for (; p + 16 <= pixels; p += 16)
            for (int c = 0; c < channels; c += 16)
                Transpose16(src + (long)c * ld + p, ld, true, dst + (long)p * channels + c, channels);
        for (; p < pixels; p++)
            for (int c = 0; c < channels; c++)
                dst[(long)p * channels + c] = src[(long)c * ld + p];
    }

    /// <summary>
    /// sum[t·lds + c] += Σ_images Σ_pixels d[pixel·ldd + c] · p[offsets[t] + pixel's place in P] for t &lt; valid, c &lt; 32: the pixels
    /// of each image are rows × wo, row r at P offset r·wide; images follow at dStride in d and pStride in P.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void WeightRowTile(float* d, int ldd, float* p, int* offsets, int images, int rows, int wo, int wide, int dStride, int pStride,
        float* sum, int lds, int valid)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default;
        Vector512<float> a7 = default, a8 = default, a9 = default, a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default, b6 = default;
        Vector512<float> b7 = default, b8 = default, b9 = default, b10 = default, b11 = default, b12 = default, b13 = default;
        float* dp = d, s = p;
        int j = 0, r = rows;
        // One flat loop over pixels, rows and images (nested loops make the JIT spill the accumulators).
        for (;;)
        {
            var d0 = Vector512.Load(dp);
            var d1 = Vector512.Load(dp + 16);
            Vector512<float> x;
            x = Vector512.Create(s[offsets[0]]); a0 = Avx512F.FusedMultiplyAdd(d0, x, a0); b0 = Avx512F.FusedMultiplyAdd(d1, x, b0);
            x = Vector512.Create(s[offsets[1]]); a1 = Avx512F.FusedMultiplyAdd(d0, x, a1); b1 = Avx512F.FusedMultiplyAdd(d1, x, b1);
            x = Vector512.Create(s[offsets[2]]); a2 = Avx512F.FusedMultiplyAdd(d0, x, a2); b2 = Avx512F.FusedMultiplyAdd(d1, x, b2);
            x = Vector512.Create(s[offsets[3]]); a3 = Avx512F.FusedMultiplyAdd(d0, x, a3); b3 = Avx512F.FusedMultiplyAdd(d1, x, b3);
            x = Vector512.Create(s[offsets[4]]); a4 = Avx512F.FusedMultiplyAdd(d0, x, a4); b4 = Avx512F.FusedMultiplyAdd(d1, x, b4);
            x = Vector512.Create(s[offsets[5]]); a5 = Avx512F.FusedMultiplyAdd(d0, x, a5); b5 = Avx512F.FusedMultiplyAdd(d1, x, b5);
            x = Vector512.Create(s[offsets[6]]); a6 = Avx512F.FusedMultiplyAdd(d0, x, a6); b6 = Avx512F.FusedMultiplyAdd(d1, x, b6);
            x = Vector512.Create(s[offsets[7]]); a7 = Avx512F.FusedMultiplyAdd(d0, x, a7); b7 = Avx512F.FusedMultiplyAdd(d1, x, b7);
            x = Vector512.Create(s[offsets[8]]); a8 = Avx512F.FusedMultiplyAdd(d0, x, a8); b8 = Avx512F.FusedMultiplyAdd(d1, x, b8);
            x = Vector512.Create(s[offsets[9]]); a9 = Avx512F.FusedMultiplyAdd(d0, x, a9); b9 = Avx512F.FusedMultiplyAdd(d1, x, b9);
            x = Vector512.Create(s[offsets[10]]); a10 = Avx512F.FusedMultiplyAdd(d0, x, a10); b10 = Avx512F.FusedMultiplyAdd(d1, x, b10);
            x = Vector512.Create(s[offsets[11]]); a11 = Avx512F.FusedMultiplyAdd(d0, x, a11); b11 = Avx512F.FusedMultiplyAdd(d1, x, b11);
            x = Vector512.Create(s[offsets[12]]); a12 = Avx512F.FusedMultiplyAdd(d0, x, a12); b12 = Avx512F.FusedMultiplyAdd(d1, x, b12);
            x = Vector512.Create(s[offsets[13]]); a13 = Avx512F.FusedMultiplyAdd(d0, x, a13); b13 = Avx512F.FusedMultiplyAdd(d1, x, b13);
            dp += ldd;
            s++;
            if (++j < wo) continue;
            j = 0;
            s += wide - wo;
            if (--r > 0) continue;
            if (--images == 0) break;
            r = rows;
            d += dStride;
            p += pStride;
            dp = d;
            s = p;
        }
        if (0 < valid) { (Vector512.Load(sum + 0 * lds) + a0).Store(sum + 0 * lds); (Vector512.Load(sum + 0 * lds + 16) + b0).Store(sum + 0 * lds + 16); }
        if (1 < valid) { (Vector512.Load(sum + 1 * lds) + a1).Store(sum + 1 * lds); (Vector512.Load(sum + 1 * lds + 16) + b1).Store(sum + 1 * lds + 16); }
        if (2 < valid) { (Vector512.Load(sum + 2 * lds) + a2).Store(sum + 2 * lds); (Vector512.Load(sum + 2 * lds + 16) + b2).Store(sum + 2 * lds + 16); }
        if (3 < valid) { (Vector512.Load(sum + 3 * lds) + a3).Store(sum + 3 * lds); (Vector512.Load(sum + 3 * lds + 16) + b3).Store(sum + 3 * lds + 16); }
        if (4 < valid) { (Vector512.Load(sum + 4 * lds) + a4).Store(sum + 4 * lds); (Vector512.Load(sum + 4 * lds + 16) + b4).Store(sum + 4 * lds + 16); }
        if (5 < valid) { (Vector512.Load(sum + 5 * lds) + a5).Store(sum + 5 * lds); (Vector512.Load(sum + 5 * lds + 16) + b5).Store(sum + 5 * lds + 16); }
        if (6 < valid) { (Vector512.Load(sum + 6 * lds) + a6).Store(sum + 6 * lds); (Vector512.Load(sum + 6 * lds + 16) + b6).Store(sum + 6 * lds + 16); }
        if (7 < valid) { (Vector512.Load(sum + 7 * lds) + a7).Store(sum + 7 * lds); (Vector512.Load(sum + 7 * lds + 16) + b7).Store(sum + 7 * lds + 16); }
        if (8 < valid) { (Vector512.Load(sum + 8 * lds) + a8).Store(sum + 8 * lds); (Vector512.Load(sum + 8 * lds + 16) + b8).Store(sum + 8 * lds + 16); }
        if (9 < valid) { (Vector512.Load(sum + 9 * lds) + a9).Store(sum + 9 * lds); (Vector512.Load(sum + 9 * lds + 16) + b9).Store(sum + 9 * lds + 16); }
        if (10 < valid) { (Vector512.Load(sum + 10 * lds) + a10).Store(sum + 10 * lds); (Vector512.Load(sum + 10 * lds + 16) + b10).Store(sum + 10 * lds + 16); }
        if (11 < valid) { (Vector512.Load(sum + 11 * lds) + a11).Store(sum + 11 * lds); (Vector512.Load(sum + 11 * lds + 16) + b11).Store(sum + 11 * lds + 16); }
        if (12 < valid) { (Vector512.Load(sum + 12 * lds) + a12).Store(sum + 12 * lds); (Vector512.Load(sum + 12 * lds + 16) + b12).Store(sum + 12 * lds + 16); }
        if (13 < valid) { (Vector512.Load(sum + 13 * lds) + a13).Store(sum + 13 * lds); (Vector512.Load(sum + 13 * lds + 16) + b13).Store(sum + 13 * lds + 16); }
    }

    /// <summary>
    /// acc[m·64 + j·16 + lane] += Σ_i d[m·ldd + i] · (p + offsets[j])[i] over lanes of 16, for m, j &lt; 4: one
    /// register-blocked tile of the weight gradient for one image, left in vector lanes (summed by the caller).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void WeightTile(float* d, int ldd, float* p, int* offsets, int length, int images, int dStride, int pStride, float* acc)
    {
        var a00 = Vector512.Load(acc); var a01 = Vector512.Load(acc + 16); var a02 = Vector512.Load(acc + 32); var a03 = Vector512.Load(acc + 48);
        var a10 = Vector512.Load(acc + 64); var a11 = Vector512.Load(acc + 80); var a12 = Vector512.Load(acc + 96); var a13 = Vector512.Load(acc + 112);
        var a20 = Vector512.Load(acc + 128); var a21 = Vector512.Load(acc + 144); var a22 = Vector512.Load(acc + 160); var a23 = Vector512.Load(acc + 176);
        var a30 = Vector512.Load(acc + 192); var a31 = Vector512.Load(acc + 208); var a32 = Vector512.Load(acc + 224); var a33 = Vector512.Load(acc + 240);
        float* d0 = d, d1 = d + ldd, d2 = d + 2 * ldd, d3 = d + 3 * ldd;
        float* s0 = p + offsets[0], s1 = p + offsets[1], s2 = p + offsets[2], s3 = p + offsets[3];
        // One flat loop over the images of the group (a nested loop makes the JIT spill the accumulators).
        for (int i = 0; ;)
        {
            var x0 = Vector512.Load(d0 + i);
            var x1 = Vector512.Load(d1 + i);
            var x2 = Vector512.Load(d2 + i);
            var x3 = Vector512.Load(d3 + i);
            var y0 = Vector512.Load(s0 + i);
            var y1 = Vector512.Load(s1 + i);
            var y2 = Vector512.Load(s2 + i);
            var y3 = Vector512.Load(s3 + i);
            a00 = Avx512F.FusedMultiplyAdd(x0, y0, a00); a01 = Avx512F.FusedMultiplyAdd(x0, y1, a01);
            a02 = Avx512F.FusedMultiplyAdd(x0, y2, a02); a03 = Avx512F.FusedMultiplyAdd(x0, y3, a03);
            a10 = Avx512F.FusedMultiplyAdd(x1, y0, a10); a11 = Avx512F.FusedMultiplyAdd(x1, y1, a11);
            a12 = Avx512F.FusedMultiplyAdd(x1, y2, a12); a13 = Avx512F.FusedMultiplyAdd(x1, y3, a13);
            a20 = Avx512F.FusedMultiplyAdd(x2, y0, a20); a21 = Avx512F.FusedMultiplyAdd(x2, y1, a21);
            a22 = Avx512F.FusedMultiplyAdd(x2, y2, a22); a23 = Avx512F.FusedMultiplyAdd(x2, y3, a23);
            a30 = Avx512F.FusedMultiplyAdd(x3, y0, a30); a31 = Avx512F.FusedMultiplyAdd(x3, y1, a31);
            a32 = Avx512F.FusedMultiplyAdd(x3, y2, a32); a33 = Avx512F.FusedMultiplyAdd(x3, y3, a33);
            i += 16;
            if (i < length) continue;
            if (--images == 0) break;
            i = 0;
            d0 += dStride; d1 += dStride; d2 += dStride; d3 += dStride;
            s0 += pStride; s1 += pStride; s2 += pStride; s3 += pStride;
        }
        a00.Store(acc); a01.Store(acc + 16); a02.Store(acc + 32); a03.Store(acc + 48);
        a10.Store(acc + 64); a11.Store(acc + 80); a12.Store(acc + 96); a13.Store(acc + 112);
        a20.Store(acc + 128); a21.Store(acc + 144); a22.Store(acc + 160); a23.Store(acc + 176);
        a30.Store(acc + 192); a31.Store(acc + 208); a32.Store(acc + 224); a33.Store(acc + 240);
    }

    /// <summary>[Σa, Σb, Σc, Σd] over the 16 lanes of each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Sum4(Vector512<float> a, Vector512<float> b, Vector512<float> c, Vector512<float> d)
    {
        var a2 = a.GetLower() + a.GetUpper();
        var b2 = b.GetLower() + b.GetUpper();
        var c2 = c.GetLower() + c.GetUpper();
        var d2 = d.GetLower() + d.GetUpper();
        var a4 = a2.GetLower() + a2.GetUpper();
        var b4 = b2.GetLower() + b2.GetUpper();
        var c4 = c2.GetLower() + c2.GetUpper();
        var d4 = d2.GetLower() + d2.GetUpper();
        return Sse3.HorizontalAdd(Sse3.HorizontalAdd(a4, b4), Sse3.HorizontalAdd(c4, d4));
    }

    [ThreadStatic] private static float[]? scratch;

    /// <summary>
    /// At least <paramref name="length"/> floats of this thread's scratch memory, 64-byte aligned (contents
    /// undefined). The array is pinned for life, so the pointer stays valid; it only grows.
    /// </summary>
    private static unsafe float* ThreadScratch(int length)
    {
        if (scratch is null || scratch.Length < length + 16)
            scratch = GC.AllocateUninitializedArray<float>(length + 16, pinned: true);
        nint start = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(scratch));
        return (float*)((start + 63) & ~(nint)63);
    }

    /// <summary>
    /// How a stride-s lowering reads P: tap u − PadH = s·du + pu (0 ≤ pu &lt; s, likewise v − PadW = s·dv + pv), so the
    /// input is split into s² phases P[c, pu, pv, i, j] = image[c, s·(row0 + i + DuMin) + pu, s·(j + DvMin) + pv]
    /// and tap (c, u, v) of output pixel i·wide + j reads phase (c, pu, pv) at (i + du − DuMin, j + dv − DvMin):
    /// again a contiguous run for fixed (c, u, v), as at stride 1 (where it all reduces to one phase, du = u − PadH).
    /// </summary>
    private readonly record struct Phases(int Stride, int Channels, int DuMin, int DvMin, int SpanH, int SpanW)
    {
        public static Phases Of(Lowering l)
        {
            int s = l.Stride;
            int duMin = FloorDiv(-l.PadH, s), duMax = FloorDiv(l.KernelHeight - 1 - l.PadH, s);
            int dvMin = FloorDiv(-l.PadW, s), dvMax = FloorDiv(l.KernelWidth - 1 - l.PadW, s);
            return new(s, l.Channels * s * s, duMin, dvMin, duMax - duMin + 1, dvMax - dvMin + 1);
        }

        public void Offsets(Lowering l, int plane, int wide, int[] offsets)
        {
            for (int c = 0; c < l.Channels; c++)
                for (int u = 0; u < l.KernelHeight; u++)
                    for (int v = 0; v < l.KernelWidth; v++)
                    {
                        int du = FloorDiv(u - l.PadH, Stride), pu = u - l.PadH - du * Stride;
                        int dv = FloorDiv(v - l.PadW, Stride), pv = v - l.PadW - dv * Stride;
                        offsets[(c * l.KernelHeight + u) * l.KernelWidth + v] =
                            ((c * Stride + pu) * Stride + pv) * plane + (du - DuMin) * wide + dv - DvMin;
                    }
        }

        private static int FloorDiv(int a, int b) => a >= 0 ? a / b : -((-a + b - 1) / b);
    }

    /// <summary>
    /// P[c, i, j] = image[c, row0 + i − PadH, j − PadW] (zero outside) for i &lt; rows, j &lt; wide; the s² phases of <see cref="Phases"/>
    /// at stride s. At stride 1 only the rows are written, never the columns left and right of the image: those must be zero
    /// already (every caller clears its buffers once per job, and no tile writes to them).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe void FillWide(ReadOnlySpan<float> image, Lowering l, Phases ph, int row0, int rows, int wide, Span<float> p)
    {
        if (ph.Stride > 1)
        {
            FillPhases(image, l, ph, row0, rows, wide, p);
            return;
        }
        int lo = Math.Clamp(l.PadW, 0, wide), hi = Math.Clamp(l.Width + l.PadW, lo, wide), count = hi - lo;
        // Rows of a few vectors: whole vectors, then the rest under a mask.
        int whole = count / 16 * 16;
        var tail = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count - whole)).AsSingle();
        fixed (float* from = image, to = p)
        {
            float* dst = to;
            for (int c = 0; c < l.Channels; c++)
                for (int i = 0; i < rows; i++, dst += wide)
                {
                    int ih = row0 + i - l.PadH;
                    if ((uint)ih >= (uint)l.Height)
                    {
                        new Span<float>(dst, wide).Clear();
                        continue;
                    }
                    float* src = from + (c * l.Height + ih) * l.Width + lo - l.PadW, at = dst + lo;
                    int j = 0;
                    for (; j < whole; j += 16) Vector512.Load(src + j).Store(at + j);
                    if (j < count) Avx512F.MaskStore(at + j, tail, Avx512F.MaskLoad(src + j, tail, Vector512<float>.Zero));
                }
        }
    }

    /// <summary>Prefetches part <paramref name="part"/> of <paramref name="parts"/> of the floats [start, start + length): spread over a
    /// task's steps, so that the next task's input arrives in the cache while this one computes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PrefetchPart(float* start, int length, int part, int parts)
    {
        if (start is null) return;
        int lines = (length + 15) / 16;
        for (int line = (int)((long)part * lines / parts), end = (int)((long)(part + 1) * lines / parts); line < end; line++)
            Sse.Prefetch0(start + 16 * line);
    }

    private static readonly Vector512<int> Even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);

    private static unsafe void FillPhases(ReadOnlySpan<float> image, Lowering l, Phases ph, int row0, int rows, int wide, Span<float> p)
    {
        int s = ph.Stride;
        if (s == 2)
        {
            fixed (float* from = image, to = p)
                FillPhasesStride2(from, image.Length, l, ph, row0, rows, wide, to);
            return;
        }
        fixed (float* from = image, to = p)
        {
            float* dst = to;
            for (int c = 0; c < l.Channels; c++)
                for (int pu = 0; pu < s; pu++)
                    for (int pv = 0; pv < s; pv++)
                        for (int i = 0; i < rows; i++, dst += wide)
                        {
                            int ih = s * (row0 + i + ph.DuMin) + pu;
                            if ((uint)ih >= (uint)l.Height)
                            {
                                new Span<float>(dst, wide).Clear();
                                continue;
                            }
                            float* src = from + (c * l.Height + ih) * l.Width;
                            // Columns j read iw = iw0 + s·j: inside the row for j in [lo, hi).
                            int iw0 = s * ph.DvMin + pv;
                            int lo = Math.Clamp(CeilDiv(-iw0, s), 0, wide), hi = Math.Clamp(CeilDiv(l.Width - iw0, s), lo, wide);
                            for (int j = 0; j < lo; j++) dst[j] = 0f;
                            int at = lo;
                            // Stride 2: 16 columns from 32 floats with one permute (the row's tail is fixed up after; P has room
                            // past its last row, and the 32 floats must lie inside the image).
                            if (s == 2)
                                for (; at < hi && (c * l.Height + ih) * l.Width + iw0 + 2 * at + 32 <= image.Length; at += 16)
                                    Avx512F.PermuteVar16x32x2(Vector512.Load(src + iw0 + 2 * at), Even, Vector512.Load(src + iw0 + 2 * at + 16))
                                        .Store(dst + at);
                            for (int j = at; j < hi; j++) dst[j] = src[iw0 + s * j];
                            for (int j = hi; j < wide; j++) dst[j] = 0f;
                        }
        }
    }

    private static readonly Vector512<int> Odd = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);

    /// <summary>
    /// <see cref="FillPhases"/> at stride 2: both column phases of a source row come from the same 32 floats (even and odd
    /// lanes), and each phase's column limits are worked out once. A row's 16-column stores may run into the following rows
    /// of the same phase plane (written after it), never past the plane (the two planes are written side by side).
    /// </summary>
    private static unsafe void FillPhasesStride2(float* from, int length, Lowering l, Phases ph, int row0, int rows, int wide, float* to)
    {
        int e = 2 * ph.DvMin; // source column of phase column 0 in phase pv = 0 (pv = 1: e + 1)
        int lo0 = Math.Clamp(CeilDiv(-e, 2), 0, wide), hi0 = Math.Clamp(CeilDiv(l.Width - e, 2), lo0, wide);
        int lo1 = Math.Clamp(CeilDiv(-e - 1, 2), 0, wide), hi1 = Math.Clamp(CeilDiv(l.Width - e - 1, 2), lo1, wide);
        int start = Math.Max(lo0, lo1), end = Math.Max(hi0, hi1), plane = rows * wide;
        for (int c = 0; c < l.Channels; c++)
            for (int pu = 0; pu < 2; pu++)
            {
                float* d0 = to + (c * 4 + pu * 2) * plane, d1 = d0 + plane;
                for (int i = 0; i < rows; i++, d0 += wide, d1 += wide)
                {
                    int ih = 2 * (row0 + i + ph.DuMin) + pu;
                    if ((uint)ih >= (uint)l.Height)
                    {
                        new Span<float>(d0, wide).Clear();
                        new Span<float>(d1, wide).Clear();
                        continue;
                    }
                    long first = (long)(c * l.Height + ih) * l.Width;
                    float* src = from + first;
                    int at = start;
                    for (; at < end && i * wide + at + 16 <= plane && first + e + 2 * at + 32 <= length; at += 16)
                    {
                        var a = Vector512.Load(src + e + 2 * at);
                        var b = Vector512.Load(src + e + 2 * at + 16);
                        Avx512F.PermuteVar16x32x2(a, Even, b).Store(d0 + at);
                        Avx512F.PermuteVar16x32x2(a, Odd, b).Store(d1 + at);
                    }
                    PhaseRow(d0, src + e, lo0, hi0, start, at, wide);
                    PhaseRow(d1, src + e + 1, lo1, hi1, start, at, wide);
                }
            }
    }

    /// <summary>The columns of a phase row that the vectors did not write (they wrote [from, to)): dst[j] = src[2j] for j in [lo, hi), zero outside.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void PhaseRow(float* dst, float* src, int lo, int hi, int from, int to, int wide)
    {
        for (int j = 0; j < lo; j++) dst[j] = 0f;
        for (int j = lo, stop = Math.Min(hi, from); j < stop; j++) dst[j] = src[2 * j];
        for (int j = Math.Max(lo, to); j < hi; j++) dst[j] = src[2 * j];
        for (int j = hi; j < wide; j++) dst[j] = 0f;
    }

    /// <summary>dst[j] = src[j] + bias (or dst[j] += src[j] + bias when accumulating) for j &lt; count; short rows, so no span calls.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void CopyRow(float* src, float* dst, int count, float bias, bool accumulate)
    {
        int j = 0;
        var b16 = Vector512.Create(bias);
        if (accumulate)
        {
            for (; j + 16 <= count; j += 16) (Vector512.Load(dst + j) + Vector512.Load(src + j) + b16).Store(dst + j);
            if (j + 8 <= count) { (Vector256.Load(dst + j) + Vector256.Load(src + j) + b16.GetLower()).Store(dst + j); j += 8; }
            if (j + 4 <= count) { (Vector128.Load(dst + j) + Vector128.Load(src + j) + b16.GetLower().GetLower()).Store(dst + j); j += 4; }
            for (; j < count; j++) dst[j] += src[j] + bias;
        }
        else
        {
            for (; j + 16 <= count; j += 16) (Vector512.Load(src + j) + b16).Store(dst + j);
            if (j + 8 <= count) { (Vector256.Load(src + j) + b16.GetLower()).Store(dst + j); j += 8; }
            if (j + 4 <= count) { (Vector128.Load(src + j) + b16.GetLower().GetLower()).Store(dst + j); j += 4; }
            for (; j < count; j++) dst[j] = src[j] + bias;
        }
    }

    /// <summary>
    /// t[j·32 + c] = Σ_i w[i·ldw + c] · p[offsets[i] + j] for c &lt; 32, j &lt; 14: 32 output channels (two vectors) × 14
    /// pixels of one output row in 28 accumulators, each pixel's input broadcast, left in t (448 floats) pixel by pixel for
    /// the caller to transpose (<see cref="Transpose16(float*, int, float*, int)"/>, <see cref="StoreRowTile"/>). Unlike
    /// <see cref="Tile"/> it computes no throw-away columns (a 14-wide row is 14 outputs, not 16). Per tap it loads two weight
    /// vectors and broadcasts 14 pixels for 28 multiply–adds: few enough loads that two 512-bit FMA pipes stay busy.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void RowTile(float* w, int ldw, int k, float* p, int* offsets, float* t)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default;
        Vector512<float> a7 = default, a8 = default, a9 = default, a10 = default, a11 = default, a12 = default, a13 = default;
        Vector512<float> b0 = default, b1 = default, b2 = default, b3 = default, b4 = default, b5 = default, b6 = default;
        Vector512<float> b7 = default, b8 = default, b9 = default, b10 = default, b11 = default, b12 = default, b13 = default;
        for (int i = 0; i < k; i++)
        {
            float* s = p + offsets[i];
            var w0 = Vector512.Load(w + (nint)i * ldw);
            var w1 = Vector512.Load(w + (nint)i * ldw + 16);
            Vector512<float> x;
            x = Vector512.Create(s[0]); a0 = Avx512F.FusedMultiplyAdd(w0, x, a0); b0 = Avx512F.FusedMultiplyAdd(w1, x, b0);
            x = Vector512.Create(s[1]); a1 = Avx512F.FusedMultiplyAdd(w0, x, a1); b1 = Avx512F.FusedMultiplyAdd(w1, x, b1);
            x = Vector512.Create(s[2]); a2 = Avx512F.FusedMultiplyAdd(w0, x, a2); b2 = Avx512F.FusedMultiplyAdd(w1, x, b2);
            x = Vector512.Create(s[3]); a3 = Avx512F.FusedMultiplyAdd(w0, x, a3); b3 = Avx512F.FusedMultiplyAdd(w1, x, b3);
            x = Vector512.Create(s[4]); a4 = Avx512F.FusedMultiplyAdd(w0, x, a4); b4 = Avx512F.FusedMultiplyAdd(w1, x, b4);
            x = Vector512.Create(s[5]); a5 = Avx512F.FusedMultiplyAdd(w0, x, a5); b5 = Avx512F.FusedMultiplyAdd(w1, x, b5);
            x = Vector512.Create(s[6]); a6 = Avx512F.FusedMultiplyAdd(w0, x, a6); b6 = Avx512F.FusedMultiplyAdd(w1, x, b6);
            x = Vector512.Create(s[7]); a7 = Avx512F.FusedMultiplyAdd(w0, x, a7); b7 = Avx512F.FusedMultiplyAdd(w1, x, b7);
            x = Vector512.Create(s[8]); a8 = Avx512F.FusedMultiplyAdd(w0, x, a8); b8 = Avx512F.FusedMultiplyAdd(w1, x, b8);
            x = Vector512.Create(s[9]); a9 = Avx512F.FusedMultiplyAdd(w0, x, a9); b9 = Avx512F.FusedMultiplyAdd(w1, x, b9);
            x = Vector512.Create(s[10]); a10 = Avx512F.FusedMultiplyAdd(w0, x, a10); b10 = Avx512F.FusedMultiplyAdd(w1, x, b10);
            x = Vector512.Create(s[11]); a11 = Avx512F.FusedMultiplyAdd(w0, x, a11); b11 = Avx512F.FusedMultiplyAdd(w1, x, b11);
            x = Vector512.Create(s[12]); a12 = Avx512F.FusedMultiplyAdd(w0, x, a12); b12 = Avx512F.FusedMultiplyAdd(w1, x, b12);
            x = Vector512.Create(s[13]); a13 = Avx512F.FusedMultiplyAdd(w0, x, a13); b13 = Avx512F.FusedMultiplyAdd(w1, x, b13);
        }
        a0.Store(t + 0); b0.Store(t + 16);
        a1.Store(t + 32); b1.Store(t + 48);
        a2.Store(t + 64); b2.Store(t + 80);
        a3.Store(t + 96); b3.Store(t + 112);
        a4.Store(t + 128); b4.Store(t + 144);
        a5.Store(t + 160); b5.Store(t + 176);
        a6.Store(t + 192); b6.Store(t + 208);
        a7.Store(t + 224); b7.Store(t + 240);
        a8.Store(t + 256); b8.Store(t + 272);
        a9.Store(t + 288); b9.Store(t + 304);
        a10.Store(t + 320); b10.Store(t + 336);
        a11.Store(t + 352); b11.Store(t + 368);
        a12.Store(t + 384); b12.Store(t + 400);
        a13.Store(t + 416); b13.Store(t + 432);
    }

    /// <summary>
    /// dst[c·ldd + j] = src[j·lds + c] for c &lt; 16, j &lt; 14 (rows 14 and 15 read as zero): a 16×16 transpose in registers.
    /// Writes 16 floats per row of dst, so columns 14 and 15 of each must be free to overwrite.
    /// </summary>
    private static unsafe void Transpose16(float* src, int lds, float* dst, int ldd) => Transpose16(src, lds, false, dst, ldd);

    /// <summary>As above, reading 16 rows of src when <paramref name="sixteen"/> (a full 16×16 transpose), 14 otherwise.</summary>
    private static unsafe void Transpose16(float* src, int lds, bool sixteen, float* dst, int ldd) => Transpose16(src, lds, sixteen, dst, ldd, new WholeRows());

    /// <summary>
    /// The tile of <see cref="RowTile"/> in t (14 pixels × 32 channels) into the planes of y: dst[c·ldd + j] (+)= t[j·32 + c]
    /// (+ bias[c] when bias is given) for c &lt; 32, j &lt; 14, by masked stores of 14 lanes, so nothing next to the row is touched.
    /// </summary>
    private static unsafe void StoreRowTile(float* t, float* dst, int ldd, float* bias, bool accumulate)
    {
        Transpose16(t, RowChannels, false, dst, ldd, new FourteenLanes(bias, accumulate));
        Transpose16(t + 16, RowChannels, false, dst + 16 * ldd, ldd, new FourteenLanes(bias is null ? null : bias + 16, accumulate));
    }

    /// <summary>How <see cref="Transpose16{TRows}"/> writes each row c of the transposed block at <c>at</c>.</summary>
    private unsafe interface IRowWriter
    {
        void Write(Vector512<float> row, float* at, int c);
    }

    /// <summary>All 16 floats of each row.</summary>
    private readonly unsafe struct WholeRows : IRowWriter
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Write(Vector512<float> row, float* at, int c) => row.Store(at);
    }

    /// <summary>The first 14 floats of each row (masked), added to what is there when accumulating, plus bias[c] when given.</summary>
    private readonly unsafe struct FourteenLanes(float* bias, bool accumulate) : IRowWriter
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Write(Vector512<float> row, float* at, int c)
        {
            var mask = Vector512.Create(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 0).AsSingle();
            if (accumulate) row += Avx512F.MaskLoad(at, mask, Vector512<float>.Zero);
            if (bias is not null) row += Vector512.Create(bias[c]);
            Avx512F.MaskStore(at, mask, row);
        }
    }

    /// <summary>
    /// The 16×16 transpose in registers (rows 14 and 15 of src read as zero unless <paramref name="sixteen"/>), each row of the
    /// result written by <paramref name="rows"/>. Compiled on its own at full optimisation: inlined into the large tile kernels
    /// it would exhaust their inlining budget.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static unsafe void Transpose16<TRows>(float* src, int lds, bool sixteen, float* dst, int ldd, TRows rows) where TRows : struct, IRowWriter
    {
        var r0 = Vector512.Load(src); var r1 = Vector512.Load(src + lds); var r2 = Vector512.Load(src + 2 * lds); var r3 = Vector512.Load(src + 3 * lds);
        var r4 = Vector512.Load(src + 4 * lds); var r5 = Vector512.Load(src + 5 * lds); var r6 = Vector512.Load(src + 6 * lds); var r7 = Vector512.Load(src + 7 * lds);
        var r8 = Vector512.Load(src + 8 * lds); var r9 = Vector512.Load(src + 9 * lds); var r10 = Vector512.Load(src + 10 * lds); var r11 = Vector512.Load(src + 11 * lds);
        var r12 = Vector512.Load(src + 12 * lds); var r13 = Vector512.Load(src + 13 * lds); var r14 = sixteen ? Vector512.Load(src + 14 * lds) : Vector512<float>.Zero;
        var r15 = sixteen ? Vector512.Load(src + 15 * lds) : Vector512<float>.Zero;
        // 32-bit interleave of row pairs, then 64-bit interleave of those, then two rounds of 128-bit lane shuffles.
        var t0 = Avx512F.UnpackLow(r0, r1); var t1 = Avx512F.UnpackHigh(r0, r1); var t2 = Avx512F.UnpackLow(r2, r3); var t3 = Avx512F.UnpackHigh(r2, r3);
        var t4 = Avx512F.UnpackLow(r4, r5); var t5 = Avx512F.UnpackHigh(r4, r5); var t6 = Avx512F.UnpackLow(r6, r7); var t7 = Avx512F.UnpackHigh(r6, r7);
        var t8 = Avx512F.UnpackLow(r8, r9); var t9 = Avx512F.UnpackHigh(r8, r9); var t10 = Avx512F.UnpackLow(r10, r11); var t11 = Avx512F.UnpackHigh(r10, r11);
        var t12 = Avx512F.UnpackLow(r12, r13); var t13 = Avx512F.UnpackHigh(r12, r13); var t14 = Avx512F.UnpackLow(r14, r15); var t15 = Avx512F.UnpackHigh(r14, r15);
        r0 = Lo64(t0, t2); r1 = Hi64(t0, t2); r2 = Lo64(t1, t3); r3 = Hi64(t1, t3);
        r4 = Lo64(t4, t6); r5 = Hi64(t4, t6); r6 = Lo64(t5, t7); r7 = Hi64(t5, t7);
        r8 = Lo64(t8, t10); r9 = Hi64(t8, t10); r10 = Lo64(t9, t11); r11 = Hi64(t9, t11);
        r12 = Lo64(t12, t14); r13 = Hi64(t12, t14); r14 = Lo64(t13, t15); r15 = Hi64(t13, t15);
        t0 = Avx512F.Shuffle4x128(r0, r4, 0x88); t1 = Avx512F.Shuffle4x128(r1, r5, 0x88); t2 = Avx512F.Shuffle4x128(r2, r6, 0x88); t3 = Avx512F.Shuffle4x128(r3, r7, 0x88);
        t4 = Avx512F.Shuffle4x128(r0, r4, 0xdd); t5 = Avx512F.Shuffle4x128(r1, r5, 0xdd); t6 = Avx512F.Shuffle4x128(r2, r6, 0xdd); t7 = Avx512F.Shuffle4x128(r3, r7, 0xdd);
        t8 = Avx512F.Shuffle4x128(r8, r12, 0x88); t9 = Avx512F.Shuffle4x128(r9, r13, 0x88); t10 = Avx512F.Shuffle4x128(r10, r14, 0x88); t11 = Avx512F.Shuffle4x128(r11, r15, 0x88);
        t12 = Avx512F.Shuffle4x128(r8, r12, 0xdd); t13 = Avx512F.Shuffle4x128(r9, r13, 0xdd); t14 = Avx512F.Shuffle4x128(r10, r14, 0xdd); t15 = Avx512F.Shuffle4x128(r11, r15, 0xdd);
        rows.Write(Avx512F.Shuffle4x128(t0, t8, 0x88), dst, 0); rows.Write(Avx512F.Shuffle4x128(t1, t9, 0x88), dst + ldd, 1);
        rows.Write(Avx512F.Shuffle4x128(t2, t10, 0x88), dst + 2 * ldd, 2); rows.Write(Avx512F.Shuffle4x128(t3, t11, 0x88), dst + 3 * ldd, 3);
        rows.Write(Avx512F.Shuffle4x128(t4, t12, 0x88), dst + 4 * ldd, 4); rows.Write(Avx512F.Shuffle4x128(t5, t13, 0x88), dst + 5 * ldd, 5);
        rows.Write(Avx512F.Shuffle4x128(t6, t14, 0x88), dst + 6 * ldd, 6); rows.Write(Avx512F.Shuffle4x128(t7, t15, 0x88), dst + 7 * ldd, 7);
        rows.Write(Avx512F.Shuffle4x128(t0, t8, 0xdd), dst + 8 * ldd, 8); rows.Write(Avx512F.Shuffle4x128(t1, t9, 0xdd), dst + 9 * ldd, 9);
        rows.Write(Avx512F.Shuffle4x128(t2, t10, 0xdd), dst + 10 * ldd, 10); rows.Write(Avx512F.Shuffle4x128(t3, t11, 0xdd), dst + 11 * ldd, 11);
        rows.Write(Avx512F.Shuffle4x128(t4, t12, 0xdd), dst + 12 * ldd, 12); rows.Write(Avx512F.Shuffle4x128(t5, t13, 0xdd), dst + 13 * ldd, 13);
        rows.Write(Avx512F.Shuffle4x128(t6, t14, 0xdd), dst + 14 * ldd, 14); rows.Write(Avx512F.Shuffle4x128(t7, t15, 0xdd), dst + 15 * ldd, 15);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Lo64(Vector512<float> a, Vector512<float> b) => Avx512F.UnpackLow(a.AsDouble(), b.AsDouble()).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Hi64(Vector512<float> a, Vector512<float> b) => Avx512F.UnpackHigh(a.AsDouble(), b.AsDouble()).AsSingle();

    /// <summary><see cref="Tile"/> for 32 pixels: the tail of a row block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void TileHalf(float* w, int k, float* p, int* offsets, float* o, int ldo)
    {
        Vector512<float> a00 = default, a01 = default, a10 = default, a11 = default;
        Vector512<float> a20 = default, a21 = default, a30 = default, a31 = default;
        float* w0 = w, w1 = w + k, w2 = w + 2 * k, w3 = w + 3 * k;
        for (int i = 0; i < k; i++)
        {
            float* s = p + offsets[i];
            var b0 = Vector512.Load(s);
            var b1 = Vector512.Load(s + 16);
            var c = Vector512.Create(w0[i]);
            a00 = Avx512F.FusedMultiplyAdd(b0, c, a00); a01 = Avx512F.FusedMultiplyAdd(b1, c, a01);
            c = Vector512.Create(w1[i]);
            a10 = Avx512F.FusedMultiplyAdd(b0, c, a10); a11 = Avx512F.FusedMultiplyAdd(b1, c, a11);
            c = Vector512.Create(w2[i]);
            a20 = Avx512F.FusedMultiplyAdd(b0, c, a20); a21 = Avx512F.FusedMultiplyAdd(b1, c, a21);
            c = Vector512.Create(w3[i]);
            a30 = Avx512F.FusedMultiplyAdd(b0, c, a30); a31 = Avx512F.FusedMultiplyAdd(b1, c, a31);
        }
        a00.Store(o); a01.Store(o + 16); o += ldo;
        a10.Store(o); a11.Store(o + 16); o += ldo;
        a20.Store(o); a21.Store(o + 16); o += ldo;
        a30.Store(o); a31.Store(o + 16);
    }

    /// <summary>o[0..64) = Σ_k w[k] · p[offsets[k] + 0..64): one output channel (the channels left over by 4-row tiles).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void TileRow(float* w, int k, float* p, int* offsets, float* o)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (int i = 0; i < k; i++)
        {
            float* s = p + offsets[i];
            var c = Vector512.Create(w[i]);
            a0 = Avx512F.FusedMultiplyAdd(Vector512.Load(s), c, a0);
            a1 = Avx512F.FusedMultiplyAdd(Vector512.Load(s + 16), c, a1);
            a2 = Avx512F.FusedMultiplyAdd(Vector512.Load(s + 32), c, a2);
            a3 = Avx512F.FusedMultiplyAdd(Vector512.Load(s + 48), c, a3);
        }
        a0.Store(o); a1.Store(o + 16); a2.Store(o + 32); a3.Store(o + 48);
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
