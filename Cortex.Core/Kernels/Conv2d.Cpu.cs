using System.Buffers;
using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Backends.Blas;
using Cortex.Core.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Cortex.Core.Kernels;

// The CPU half. Float convolutions on AVX-512 machines with stride 1, or a stride no larger than the kernel
// (split into stride² phases), take the direct path for forward and weight gradient (Conv2d.Direct.cs: no
// im2col at all). Everything else (double, larger strides, 1×1 kernels, no AVX-512) is lowered to GEMM: each
// pass is split into tasks of (image, block of output rows) small enough that the block's columns (im2col)
// stay in the core's L2 cache; every worker thread unfolds one block into its own buffer and multiplies it at
// once with a single-threaded GEMM, so the columns are read from cache, never from memory.
// Backward-data of a stride-1 convolution is itself a stride-1 convolution of dy with the weights turned by
// 180° and with Ci and Co swapped (no scatter); a float strided one splits into stride² such convolutions, one
// per phase of dx (PhasedBackwardData); the rest use GEMM then col2im, one image per task.
public static partial class Conv2d
{
    /// <summary>Elements of one column block: 64K floats = 256 KiB, a quarter of a Zen 4 core's L2.</summary>
    internal const int ColumnBlockElements = 1 << 16;

    /// <summary>
    /// How an input of Channels × Height × Width unfolds into a column matrix [Channels·Kh·Kw, OutHeight·OutWidth]:
    /// row (c, u, v), column (i, j) holds x[c, i·Stride − PadH + u, j·Stride − PadW + v] (zero outside).
    /// Padding may differ per axis and may be negative (a crop), as backward-data needs.
    /// </summary>
    internal readonly record struct Lowering(int Channels, int Height, int Width, int KernelHeight, int KernelWidth,
        int Stride, int PadH, int PadW, int OutHeight, int OutWidth)
    {
        public static Lowering Of(Conv2dGeometry g) => new(g.InChannels, g.InHeight, g.InWidth, g.KernelHeight, g.KernelWidth,
            g.Stride, g.Padding, g.Padding, g.OutHeight, g.OutWidth);

        /// <summary>Rows of the column matrix: Channels·Kh·Kw.</summary>
        public int K => Channels * KernelHeight * KernelWidth;

        /// <summary>Columns of the column matrix: OutHeight·OutWidth.</summary>
        public int N => OutHeight * OutWidth;

        public int ImageSize => Channels * Height * Width;

        /// <summary>A 1×1 kernel that reads every pixel once in place: the image is its own column matrix.</summary>
        public bool IsPointwise => KernelHeight == 1 && KernelWidth == 1 && Stride == 1 && PadH == 0 && PadW == 0;

        /// <summary>Output rows per column block.</summary>
        public int RowsPerBlock => Math.Clamp(ColumnBlockElements / Math.Max(1, K * OutWidth), 1, OutHeight);
    }

    private static void CpuForward<T>(CpuBackend<T> cpu, Conv2dGeometry g, Tensor<T> x, Tensor<T> w, Tensor<T>? bias, Tensor<T> y, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (xa, xo) = x.HostArray;
        var (wa, wo) = w.HostArray;
        var (ya, yo) = y.HostArray;
        var b = bias?.HostArray;
        ConvolveHost(cpu, g.Batch, Lowering.Of(g), g.OutChannels, xa, xo, wa, wo, b?.Array, b?.Offset ?? 0, ya, yo, accumulate);
    }

    /// <summary>y[b] (+)= w·im2col(x[b]) (+ bias) for every image, over L2-sized blocks of output rows.</summary>
    private static void ConvolveHost<T>(CpuBackend<T> cpu, int batch, Lowering l, int outChannels, T[] x, int xOffset, T[] w, int wOffset,
        T[]? bias, int biasOffset, T[] y, int yOffset, bool accumulate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (DirectApplies<T>(l))
        {
            ConvolveDirect((CpuBackend<float>)(object)cpu, batch, l, outChannels, (float[])(object)x, xOffset, (float[])(object)w, wOffset,
                (float[]?)(object?)bias, biasOffset, (float[])(object)y, yOffset, accumulate);
            return;
        }
        int k = l.K, n = l.N, rows = l.RowsPerBlock;
        int blocks = (l.OutHeight + rows - 1) / rows;
        bool pointwise = l.IsPointwise;
        T beta = accumulate || bias is not null ? T.One : T.Zero;
        RunTasks(cpu, batch * blocks, pointwise ? 0 : k * rows * l.OutWidth, (_, cols, task) =>
        {
            int image = task / blocks, row0 = task % blocks * rows;
            int count = Math.Min(rows, l.OutHeight - row0) * l.OutWidth;
            int yAt = yOffset + image * outChannels * n + row0 * l.OutWidth;
            if (bias is not null)
                for (int co = 0; co < outChannels; co++)
                {
                    var target = y.AsSpan(yAt + co * n, count);
                    if (accumulate) TensorPrimitives.Add(target, bias[biasOffset + co], target);
                    else target.Fill(bias[biasOffset + co]);
                }
            int xAt = xOffset + image * l.ImageSize;
            if (pointwise)
            {
                CpuBlas.Gemm(false, false, outChannels, count, k, T.One, w, wOffset, k, x, xAt + row0 * l.OutWidth, n, beta, y, yAt, n, 1);
                return;
            }
            Im2col(x.AsSpan(xAt, l.ImageSize), l, row0, count / l.OutWidth, cols);
            CpuBlas.Gemm(false, false, outChannels, count, k, T.One, w, wOffset, k, cols, 0, count, beta, y, yAt, n, 1);
        });
    }

    private static void CpuBackwardData<T>(CpuBackend<T> cpu, Conv2dGeometry g, Tensor<T> dy, Tensor<T> w, Tensor<T> dx, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (dya, dyo) = dy.HostArray;
        var (wa, wo) = w.HostArray;
        var (dxa, dxo) = dx.HostArray;
        int co = g.OutChannels, ci = g.InChannels, kh = g.KernelHeight, kw = g.KernelWidth;
        if (g.Stride == 1)
        {
            // dx = conv(dy, w̃) with w̃[ci, co, u, v] = w[co, ci, Kh−1−u, Kw−1−v] and padding K−1−p (stride 1 keeps sizes).
            var flipped = ArrayPool<T>.Shared.Rent(co * ci * kh * kw);
            var src = w.Span;
            for (int o = 0; o < co; o++)
                for (int i = 0; i < ci; i++)
                    for (int u = 0; u < kh; u++)
                        for (int v = 0; v < kw; v++)
                            flipped[((i * co + o) * kh + u) * kw + v] = src[((o * ci + i) * kh + (kh - 1 - u)) * kw + (kw - 1 - v)];
            var l = new Lowering(co, g.OutHeight, g.OutWidth, kh, kw, 1, kh - 1 - g.Padding, kw - 1 - g.Padding, g.InHeight, g.InWidth);
            ConvolveHost(cpu, g.Batch, l, ci, dya, dyo, flipped, 0, null, 0, dxa, dxo, accumulate);
            ArrayPool<T>.Shared.Return(flipped);
            return;
        }
        if (PhasedBackwardData(cpu, g, dya, dyo, w, dxa, dxo, accumulate)) return;
        // Strided: cols = wᵀ·dy[b], then each column entry is added back to the input pixel it was read from.
        var lowering = Lowering.Of(g);
        int k = lowering.K, n = lowering.N;
        RunTasks(cpu, g.Batch, k * n, (_, cols, image) =>
        {
            CpuBlas.Gemm(true, false, k, n, co, T.One, wa, wo, k, dya, dyo + image * co * n, n, T.Zero, cols, 0, n, 1);
            var target = dxa.AsSpan(dxo + image * lowering.ImageSize, lowering.ImageSize);
            if (!accumulate) target.Clear();
            Col2imAdd(cols, lowering, target);
        });
    }

    /// <summary>
    /// Backward-data of a strided float convolution (the forward of a transposed convolution) as s² stride-1
    /// convolutions, one per phase (ph, pw) of dx: input row ih = s·a + ph receives taps u with
    /// (ph + P − u) ≡ 0 (mod s) from dy row a + (ph + P − u)/s, so the phase is a convolution of dy with those
    /// taps only (no zero taps, no col2im scatter), run by the direct kernels and interleaved into dx.
    /// False (nothing done) where that does not apply.
    /// </summary>
    private static bool PhasedBackwardData<T>(CpuBackend<T> cpu, Conv2dGeometry g, T[] dya, int dyo, Tensor<T> w, T[] dxa, int dxo, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int s = g.Stride, kh = g.KernelHeight, kw = g.KernelWidth, co = g.OutChannels, ci = g.InChannels;
        if (typeof(T) != typeof(float) || !System.Runtime.Intrinsics.X86.Avx512F.IsSupported || s > kh || s > kw || g.InHeight < s || g.InWidth < s)
            return false;
        // Taps of each phase: (first tap, count, padding of the phase convolution); taps step by s.
        var rowsOf = PhaseTaps(s, kh, g.Padding);
        var colsOf = PhaseTaps(s, kw, g.Padding);
        int ha0 = (g.InHeight + s - 1) / s, wb0 = (g.InWidth + s - 1) / s;
        if (PhasedDirect((CpuBackend<float>)(object)cpu, g, rowsOf, colsOf, (float[])(object)dya, dyo, (float[])(object)w.HostArray.Array,
                w.HostArray.Offset, (float[])(object)dxa, dxo, accumulate))
            return true;
        for (int ph = 0; ph < s; ph++)
            for (int pw = 0; pw < s; pw++)
                if (rowsOf[ph].Count == 1 && colsOf[pw].Count == 1 && rowsOf[ph].Pad == 0 && colsOf[pw].Pad == 0
                    && ((g.InHeight - ph + s - 1) / s != g.OutHeight || (g.InWidth - pw + s - 1) / s != g.OutWidth))
                    return false; // a 1×1 phase that is not a plain matrix product over dy's pixels
        var src = w.Span;
        // All s² phases first ([phase][B, ci, ha, wb], each at a stride of the largest), then one pass that
        // interleaves them into dx row by row, so dx is read and written once.
        long phaseLength = (long)g.Batch * ci * ha0 * wb0;
        var phase = ArrayPool<T>.Shared.Rent(checked((int)(s * s * phaseLength)));
        var taps = ArrayPool<T>.Shared.Rent(ci * co * kh * kw);
        for (int ph = 0; ph < s; ph++)
            for (int pw = 0; pw < s; pw++)
            {
                var (u0, nu, padH) = rowsOf[ph];
                var (v0, nv, padW) = colsOf[pw];
                int ha = (g.InHeight - ph + s - 1) / s, wb = (g.InWidth - pw + s - 1) / s;
                // Phase kernel [ci, co, nu, nv]: tap a reads dy row (phase row) + a − padH, the original tap u0 − s·a.
                for (int i = 0; i < ci; i++)
                    for (int o = 0; o < co; o++)
                        for (int a = 0; a < nu; a++)
                            for (int b = 0; b < nv; b++)
                                taps[((i * co + o) * nu + a) * nv + b] = src[((o * ci + i) * kh + (u0 - s * a)) * kw + (v0 - s * b)];
                var l = new Lowering(co, g.OutHeight, g.OutWidth, nu, nv, 1, padH, padW, ha, wb);
                ConvolveHost(cpu, g.Batch, l, ci, dya, dyo, taps, 0, null, 0, phase, (int)((ph * s + pw) * phaseLength), accumulate: false);
            }
        int planeIn = g.InHeight * g.InWidth, width = g.InWidth;
        CpuParallel.Chunks(cpu, g.Batch * ci * planeIn, (start, length) =>
        {
            // Whole planes only: each plane goes to the chunk that holds its first element.
            int p0 = (start + planeIn - 1) / planeIn, p1 = (start + length + planeIn - 1) / planeIn;
            for (int p = p0; p < p1; p++)
                for (int ih = 0; ih < g.InHeight; ih++)
                {
                    int ph = ih % s, a = ih / s, ha = (g.InHeight - ph + s - 1) / s;
                    var to = dxa.AsSpan(dxo + p * planeIn + ih * width, width);
                    for (int pw = 0; pw < s; pw++)
                    {
                        int wb = (width - pw + s - 1) / s;
                        var from = phase.AsSpan((int)((ph * s + pw) * phaseLength) + (p * ha + a) * wb, wb);
                        if (accumulate) for (int b = 0; b < wb; b++) to[s * b + pw] += from[b];
                        else for (int b = 0; b < wb; b++) to[s * b + pw] = from[b];
                    }
                }
        });
        ArrayPool<T>.Shared.Return(phase);
        ArrayPool<T>.Shared.Return(taps);
        return true;
    }

    /// <summary>
    /// For each phase r &lt; s of an input axis: the largest tap u0 with (r + P − u0) ≡ 0 (mod s), the number of
    /// taps u0, u0 − s, … ≥ 0, and the padding of the phase convolution (−(r + P − u0)/s: its first tap reads
    /// dy at offset (r + P − u0)/s).
    /// </summary>
    private static (int First, int Count, int Pad)[] PhaseTaps(int s, int k, int padding)
    {
        var result = new (int, int, int)[s];
        for (int r = 0; r < s; r++)
        {
            int u0 = k - 1;
            while (u0 >= 0 && ((r + padding - u0) % s + s) % s != 0) u0--;
            int count = u0 < 0 ? 0 : u0 / s + 1;
            result[r] = (u0, count, u0 < 0 ? 0 : -((r + padding - u0) / s));
        }
        return result;
    }

    /// <summary>dw += the weight gradient; returns true when dbias was summed along the way.</summary>
    private static bool CpuBackwardWeights<T>(CpuBackend<T> cpu, Conv2dGeometry g, Tensor<T> x, Tensor<T> dy, Tensor<T> dw, Tensor<T>? dbias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (xa, xo) = x.HostArray;
        var (dya, dyo) = dy.HostArray;
        var l = Lowering.Of(g);
        if (DirectApplies<T>(l))
        {
            var (dwa, dwo) = dw.HostArray;
            var db = dbias?.HostArray;
            if (g.OutChannels % RowChannels == 0 && l.K >= RowMinTaps)
                WeightsRows((CpuBackend<float>)(object)cpu, g.Batch, l, g.OutChannels, (float[])(object)xa, xo, (float[])(object)dya, dyo,
                    (float[])(object)dwa, dwo, (float[]?)(object?)db?.Array, db?.Offset ?? 0);
            else
                WeightsDirect((CpuBackend<float>)(object)cpu, g.Batch, l, g.OutChannels, (float[])(object)xa, xo, (float[])(object)dya, dyo,
                    (float[])(object)dwa, dwo, (float[]?)(object?)db?.Array, db?.Offset ?? 0);
            return true;
        }
        int co = g.OutChannels, k = l.K, n = l.N, rows = l.RowsPerBlock;
        int blocks = (l.OutHeight + rows - 1) / rows;
        bool pointwise = l.IsPointwise;
        // One dw per range of tasks, summed in order at the end: no two threads ever write the same accumulator, and the
        // result does not depend on which worker ran which range.
        using var partial = new OrderedPartials<T>(g.Batch * blocks, co * k);
        RunTasks(cpu, partial.Count, pointwise ? 0 : k * rows * l.OutWidth, (_, cols, range) =>
        {
            var (first, end, sum) = partial.Begin(range);
            for (int task = first; task < end; task++)
                AddWeightGradient(task, sum, cols);
        });
        var target = dw.Span;
        TensorPrimitives.Add(target, partial.Total(cpu).AsSpan(0, co * k), target);
        return false;

        void AddWeightGradient(int task, T[] sum, T[] cols)
        {
            int image = task / blocks, row0 = task % blocks * rows;
            int count = Math.Min(rows, l.OutHeight - row0) * l.OutWidth;
            int dyAt = dyo + image * co * n + row0 * l.OutWidth;
            int xAt = xo + image * l.ImageSize;
            if (pointwise)
            {
                CpuBlas.Gemm(false, true, co, k, count, T.One, dya, dyAt, n, xa, xAt + row0 * l.OutWidth, n, T.One, sum, 0, k, 1);
                return;
            }
            Im2col(xa.AsSpan(xAt, l.ImageSize), l, row0, count / l.OutWidth, cols);
            CpuBlas.Gemm(false, true, co, k, count, T.One, dya, dyAt, n, cols, 0, count, T.One, sum, 0, k, 1);
        }
    }

    private static void CpuAddBias<T>(CpuBackend<T> cpu, Tensor<T> y, Tensor<T> bias, int batch, int channels, int inner)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (ya, yo) = y.HostArray;
        var (ba, bo) = bias.HostArray;
        cpu.For(batch * channels, row =>
        {
            var target = ya.AsSpan(yo + row * inner, inner);
            TensorPrimitives.Add(target, ba[bo + row % channels], target);
        });
    }

    /// <summary>
    /// Runs body(worker, buffer, task) for every task in [0, tasks), on up to cpu.Threads workers that take
    /// tasks in turn; each worker owns a scratch buffer of <paramref name="bufferLength"/> elements.
    /// </summary>
    private static void RunTasks<T>(CpuBackend<T> cpu, int tasks, int bufferLength, Action<int, T[], int> body)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int workers = Math.Min(cpu.Threads, tasks);
        int next = -1;
        cpu.For(workers, worker =>
        {
            var buffer = bufferLength > 0 ? ArrayPool<T>.Shared.Rent(bufferLength) : [];
            for (int task; (task = Interlocked.Increment(ref next)) < tasks;)
                body(worker, buffer, task);
            if (bufferLength > 0) ArrayPool<T>.Shared.Return(buffer);
        });
    }

    /// <summary>
    /// Unfolds output rows [row0, row0 + rows) of one image [C, H, W] into cols [K, rows·OutWidth]. At stride 1
    /// each (c, u, v, row) is one contiguous copy with zeroed borders.
    /// </summary>
    private static void Im2col<T>(ReadOnlySpan<T> image, Lowering l, int row0, int rows, Span<T> cols)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int wo = l.OutWidth, count = rows * wo;
        for (int c = 0; c < l.Channels; c++)
            for (int u = 0; u < l.KernelHeight; u++)
                for (int v = 0; v < l.KernelWidth; v++)
                {
                    var row = cols.Slice(((c * l.KernelHeight + u) * l.KernelWidth + v) * count, count);
                    // Output columns j whose input column j·s − PadW + v lies inside [0, Width).
                    int lo = Math.Clamp(CeilDiv(l.PadW - v, l.Stride), 0, wo);
                    int hi = Math.Clamp(CeilDiv(l.Width + l.PadW - v, l.Stride), lo, wo);
                    for (int r = 0; r < rows; r++)
                    {
                        var dst = row.Slice(r * wo, wo);
                        int ih = (row0 + r) * l.Stride - l.PadH + u;
                        if ((uint)ih >= (uint)l.Height)
                        {
                            dst.Clear();
                            continue;
                        }
                        var src = image.Slice((c * l.Height + ih) * l.Width, l.Width);
                        dst[..lo].Clear();
                        if (l.Stride == 1)
                            src.Slice(lo - l.PadW + v, hi - lo).CopyTo(dst[lo..hi]);
                        else
                            for (int j = lo, iw = lo * l.Stride - l.PadW + v; j < hi; j++, iw += l.Stride)
                                dst[j] = src[iw];
                        dst[hi..].Clear();
                    }
                }
    }

    /// <summary>Adds every entry of cols [K, N] to the pixel of image [C, H, W] it was unfolded from (the adjoint of im2col).</summary>
    private static void Col2imAdd<T>(ReadOnlySpan<T> cols, Lowering l, Span<T> image) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int wo = l.OutWidth, n = l.N;
        for (int c = 0; c < l.Channels; c++)
            for (int u = 0; u < l.KernelHeight; u++)
                for (int v = 0; v < l.KernelWidth; v++)
                {
                    var row = cols.Slice(((c * l.KernelHeight + u) * l.KernelWidth + v) * n, n);
                    int lo = Math.Clamp(CeilDiv(l.PadW - v, l.Stride), 0, wo);
                    int hi = Math.Clamp(CeilDiv(l.Width + l.PadW - v, l.Stride), lo, wo);
                    for (int i = 0; i < l.OutHeight; i++)
                    {
                        int ih = i * l.Stride - l.PadH + u;
                        if ((uint)ih >= (uint)l.Height) continue;
                        var dst = image.Slice((c * l.Height + ih) * l.Width, l.Width);
                        for (int j = lo, iw = lo * l.Stride - l.PadW + v; j < hi; j++, iw += l.Stride)
                            dst[iw] += row[i * wo + j];
                    }
                }
    }

    private static int CeilDiv(int a, int b) => a >= 0 ? (a + b - 1) / b : -(-a / b);
}

/// <summary>
/// Partial sums of a reduction over tasks that several workers run: the tasks are cut into at most
/// <see cref="MaxRanges"/> contiguous ranges, each range (whichever worker runs it) sums into its own partial, cleared by
/// <see cref="Begin"/>, and <see cref="Total"/> adds the partials in range order, so the result depends neither on scheduling
/// nor on the number of threads.
/// </summary>
internal sealed class OrderedPartials<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    public const int MaxRanges = 16;
    private readonly int tasks;
    private readonly T[][] partials;

    public OrderedPartials(int tasks, int length)
    {
        this.tasks = tasks;
        Count = Math.Clamp(tasks, 1, MaxRanges);
        Length = length;
        partials = new T[Count][];
        for (int r = 0; r < Count; r++) partials[r] = ArrayPool<T>.Shared.Rent(length);
    }

    /// <summary>The number of ranges (and partials).</summary>
    public int Count { get; }

    public int Length { get; }

    /// <summary>Range r's tasks [First, End) and its partial, cleared (by the worker that runs it, so the partial is in its cache).</summary>
    public (int First, int End, T[] Sum) Begin(int r)
    {
        Array.Clear(partials[r], 0, Length);
        return ((int)((long)r * tasks / Count), (int)((long)(r + 1) * tasks / Count), partials[r]);
    }

    /// <summary>
    /// The partials added up in range order, ((p₀ + p₁) + p₂) + …, into the first one, which is returned: element ranges split
    /// over the backend's threads, each element summed in the same order whatever the split.
    /// </summary>
    public T[] Total(CpuBackend<T> cpu)
    {
        var total = partials[0];
        if (Count > 1)
            CpuParallel.Chunks(cpu, Length, (start, length) =>
            {
                var target = total.AsSpan(start, length);
                for (int r = 1; r < Count; r++) TensorPrimitives.Add(target, partials[r].AsSpan(start, length), target);
            });
        return total;
    }

    public void Dispose()
    {
        foreach (var p in partials) ArrayPool<T>.Shared.Return(p);
    }
}
