using System.Numerics;
using System.Runtime.CompilerServices;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;
using ILGPU;

namespace Cortex.Core.Kernels;

// The ILGPU half. Every pass is a handful of launches for the whole batch (or per chunk of images whose
// workspaces fit WorkspaceBytes), never one per image:
// - Few input channels (K = Ci·Kh·Kw ≤ DirectMaxK, e.g. a first layer on a grey or RGB image): forward and
//   backward-data are single direct kernels, one thread per output (or input) pixel; a GEMM with so short a
//   dimension would mostly move the column matrix.
// - Otherwise forward unfolds the chunk into cols [K, count·N] (row k, column image·N + pixel), multiplies
//   once, W [Co, K] · cols → [Co, count·N], and a gather kernel writes NCHW y adding bias (and y when
//   accumulating). Backward-data at stride 1 with Co ≤ Ci is the same lowering applied to the adjoint
//   convolution (dy with w turned by 180°, Ci and Co swapped); otherwise it multiplies wᵀ·dy per image (one
//   batched product) into cols [count, K, N], then a gather kernel sums, for every input pixel, the column
//   entries that read it (no atomics). 1×1 stride-1 kernels multiply x or dy in place (one batched product).
// - Backward-weights lays dy out as [Co, count·N] and x as cols [K (+1 row of ones for the bias), count·N];
//   their product has a short output (Co × K) and a long inner dimension (count·N), which one GEMM would
//   run on a few thread blocks. So the inner dimension is cut into slices multiplied as one batched product
//   into partial sums [slices, Co, K + 1], which a last kernel adds in slice order (deterministic) into dw
//   and dbias.
// - Or, for any pass, the implicit GEMM (Conv2d.Gpu.Implicit*.cs): one tiled kernel that gathers its operands
//   from the tensors, with TF32 tensor cores on CUDA (docs/decisions/0010). TF32 takes it by rule, FP32 the
//   lowering above; on CUDA autotuning measures both once per pass and shape (UseImplicit).
public static partial class Conv2d
{
    /// <summary>Upper bound on the GPU workspaces of one pass (column matrix plus transposed dy), in bytes.</summary>
    internal const long WorkspaceBytes = 256L << 20;

    /// <summary>Upper bound on the partial weight gradients of the sliced product, in bytes.</summary>
    internal const long PartialBytes = 64L << 20;

    /// <summary>
    /// Knobs of the GPU lowering. MaxChunkImages caps images per chunk (tests force several chunks);
    /// DirectMaxK is the largest Ci·Kh·Kw that takes the direct kernels; MinSliceColumns is the shortest
    /// slice of the weight gradient's inner dimension; TargetBlocks is about how many thread blocks the sliced
    /// product should offer the GPU (two or so per streaming multiprocessor).
    /// </summary>
    internal readonly record struct GpuTuning(int MaxChunkImages, int DirectMaxK, int MinSliceColumns, int TargetBlocks)
    {
        public static GpuTuning Default => new(int.MaxValue, 32, 512, 256);
    }

    /// <summary>The lowering's knobs; tests change them to reach every path with tiny shapes.</summary>
    internal static GpuTuning Tuning { get; set; } = GpuTuning.Default;

    /// <summary>Images [First, First + Count) of the batch; Accumulate is 1 for +=.</summary>
    internal readonly record struct Chunk(int First, int Count, int Accumulate);

    /// <summary>How a result [Batch, Channels, Inner] is finished: HasBias adds bias[c], Accumulate adds what was there.</summary>
    internal readonly record struct Epilogue(int Channels, int Inner, int HasBias, int Accumulate);

    /// <summary>
    /// Division of a non-negative int below 2³¹ by a fixed positive divisor as one multiply and one shift
    /// (Granlund and Montgomery): with ℓ = ⌈log₂ d⌉ and Magic = ⌊2^(32+ℓ) / d⌋ + 1, Magic·d exceeds 2^(32+ℓ)
    /// by at most d ≤ 2^ℓ, which makes ⌊x·Magic / 2^(32+ℓ)⌋ = ⌊x / d⌋ for every x below 2³²; x·Magic stays
    /// below 2⁶⁴ for x below 2³¹. A GPU has no integer divide instruction: a / by a value known only at run
    /// time costs a sequence of some twenty instructions, and index decoding is most of a gather kernel's work.
    /// </summary>
    internal readonly record struct Divisor(int Value, ulong Magic, int Shift)
    {
        public static Divisor Of(int d)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(d, 1);
            int log = d == 1 ? 0 : 32 - BitOperations.LeadingZeroCount((uint)(d - 1));
            return new Divisor(d, (1UL << (32 + log)) / (ulong)d + 1, 32 + log);
        }

        /// <summary>⌊x / Value⌋ for 0 ≤ x &lt; 2³¹.</summary>
        public int Divide(int x) => (int)((ulong)(uint)x * Magic >> Shift);
    }

    /// <summary>The divisors that decode an index of the column matrix [K, Count·N] of chunk First…First + Count.</summary>
    internal readonly record struct Unfold(Lowering L, int First, Divisor Pixels, Divisor Images, Divisor KernelWidth, Divisor KernelHeight,
        Divisor OutWidth)
    {
        public static Unfold Of(Lowering l, Chunk chunk) => new(l, chunk.First, Divisor.Of(l.OutHeight * l.OutWidth), Divisor.Of(chunk.Count),
            Divisor.Of(l.KernelWidth), Divisor.Of(l.KernelHeight), Divisor.Of(l.OutWidth));
    }

    /// <summary>The divisors that decode an index of a [Batch, Channels, Height, Width] tensor (or of Count images of one).</summary>
    internal readonly record struct Planes(Divisor Width, Divisor Height, Divisor Channels)
    {
        public static Planes Of(int channels, int height, int width) => new(Divisor.Of(width), Divisor.Of(height), Divisor.Of(channels));
    }

    /// <summary>Count partial sums of Size values each, laid out [Count, Channels, Rows]; row K (when Rows &gt; K) is the bias.</summary>
    internal readonly record struct Slices(int Count, int Size, int K, int Rows);

    private static void GpuForward<T>(IlgpuBackend<T> gpu, Conv2dGeometry g, Tensor<T> x, Tensor<T> w, Tensor<T>? bias, Tensor<T> y, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var l = Lowering.Of(g);
        if (l.K <= Tuning.DirectMaxK && gpu.ConvAlgorithm != ConvAlgorithm.ImplicitGemm)
        {
            gpu.Launch(DirectForwardKernel, y.Length, x.View, w.View, (bias ?? w).View, y.View, l, Planes.Of(g.OutChannels, l.OutHeight, l.OutWidth),
                new Epilogue(g.OutChannels, l.N, bias is null ? 0 : 1, accumulate ? 1 : 0));
            return;
        }
        if (UseImplicit(gpu, ConvPass.Forward, g, useImplicit =>
            {
                var scratch = gpu.Workspace("conv.tune", y.Shape);
                if (useImplicit) ImplicitForward(gpu, g, x, w, null, scratch, false);
                else Im2colForward(gpu, g, x, w, null, scratch, false);
            }))
            ImplicitForward(gpu, g, x, w, bias, y, accumulate);
        else
            Im2colForward(gpu, g, x, w, bias, y, accumulate);
    }

    private static void Im2colForward<T>(IlgpuBackend<T> gpu, Conv2dGeometry g, Tensor<T> x, Tensor<T> w, Tensor<T>? bias, Tensor<T> y, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var l = Lowering.Of(g);
        int k = l.K, n = l.N, co = g.OutChannels;
        var precision = gpu.ConvPrecision;
        var epilogue = new Epilogue(co, n, bias is null ? 0 : 1, accumulate ? 1 : 0);
        var biasView = bias?.View ?? w.View; // read only when HasBias
        if (l.IsPointwise)
        {
            gpu.GemmBatched(false, false, co, n, k, T.One, w, k, 0, x, n, k * n, accumulate ? T.One : T.Zero, y, n, co * n, g.Batch, precision);
            if (bias is not null)
                GpuAddBias(gpu, y, bias, new Layout(g.Batch, co, n));
            return;
        }
        UnfoldAndMultiply(gpu, g.Batch, l, co, x, w, biasView, y, epilogue);
    }

    /// <summary>
    /// y (+)= w · im2col(x) (+ bias) per chunk: unfold, one product [Co, K] · [K, count·N], and a gather into NCHW y
    /// that finishes as <paramref name="epilogue"/> says.
    /// </summary>
    private static void UnfoldAndMultiply<T>(IlgpuBackend<T> gpu, int batch, Lowering l, int co, Tensor<T> x, Tensor<T> w, ArrayView<T> bias,
        Tensor<T> y, Epilogue epilogue) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = l.K, n = l.N;
        foreach (var chunk in Chunks<T>(batch, (long)(k + co) * n))
        {
            int columns = chunk.Count * n;
            var cols = gpu.Workspace("conv.cols", new Shape(k, columns));
            var product = gpu.Workspace("conv.product", new Shape(co, columns));
            gpu.Launch(Im2colKernel, cols.Length, x.View, cols.View, Unfold.Of(l, chunk));
            gpu.Gemm(false, false, co, columns, k, T.One, w, k, cols, columns, T.Zero, product, columns, gpu.ConvPrecision);
            gpu.Launch(ScatterChannelsKernel, product.Length, product.View, bias, y.View, epilogue, chunk,
                Planes.Of(co, chunk.Count, n));
        }
    }

    private static void GpuBackwardData<T>(IlgpuBackend<T> gpu, Conv2dGeometry g, Tensor<T> dy, Tensor<T> w, Tensor<T> dx, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var l = Lowering.Of(g);
        if (l.K <= Tuning.DirectMaxK && gpu.ConvAlgorithm != ConvAlgorithm.ImplicitGemm)
        {
            gpu.Launch(DirectBackwardDataKernel, dx.Length, dy.View, w.View, dx.View, l, Planes.Of(l.Channels, l.Height, l.Width),
                Divisor.Of(l.Stride), new Epilogue(g.OutChannels, l.N, 0, accumulate ? 1 : 0));
            return;
        }
        if (UseImplicit(gpu, ConvPass.BackwardData, g, useImplicit =>
            {
                var scratch = gpu.Workspace("conv.tune", dx.Shape);
                if (useImplicit) ImplicitBackwardData(gpu, g, dy, w, scratch, false);
                else Im2colBackwardData(gpu, g, dy, w, scratch, false);
            }))
            ImplicitBackwardData(gpu, g, dy, w, dx, accumulate);
        else
            Im2colBackwardData(gpu, g, dy, w, dx, accumulate);
    }

    private static void Im2colBackwardData<T>(IlgpuBackend<T> gpu, Conv2dGeometry g, Tensor<T> dy, Tensor<T> w, Tensor<T> dx, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var l = Lowering.Of(g);
        int k = l.K, n = l.N, co = g.OutChannels;
        var precision = gpu.ConvPrecision;
        if (l.IsPointwise)
        {
            gpu.GemmBatched(true, false, k, n, co, T.One, w, k, 0, dy, n, co * n, accumulate ? T.One : T.Zero, dx, n, k * n, g.Batch, precision);
            return;
        }
        if (g.Stride == 1 && co <= g.InChannels)
        {
            // Stride 1: dx is the convolution of dy with w turned by 180° and Ci, Co swapped, padded by Kh − 1 − p
            // (Kw − 1 − p): unfolding dy (Co·Kh·Kw rows) moves no more than the column gradient (Ci·Kh·Kw rows)
            // would, the product is one large GEMM, and the gather needs no col2im.
            var turned = gpu.Workspace("conv.turned", new Shape(g.InChannels, co * g.KernelHeight * g.KernelWidth));
            gpu.Launch(TurnWeightsKernel, turned.Length, w.View, turned.View, new Layout(co, g.InChannels, g.KernelHeight * g.KernelWidth));
            var adjoint = new Lowering(co, g.OutHeight, g.OutWidth, g.KernelHeight, g.KernelWidth, 1,
                g.KernelHeight - 1 - g.Padding, g.KernelWidth - 1 - g.Padding, g.InHeight, g.InWidth);
            var epilogue = new Epilogue(g.InChannels, g.InHeight * g.InWidth, 0, accumulate ? 1 : 0);
            UnfoldAndMultiply(gpu, g.Batch, adjoint, g.InChannels, dy, turned, dx.View, dx, epilogue);
            return;
        }
        foreach (var chunk in Chunks<T>(g.Batch, (long)k * n, accumulate))
        {
            var cols = gpu.Workspace("conv.cols", new Shape(chunk.Count, k, n));
            gpu.GemmBatched(true, false, k, n, co, T.One, w, k, 0, dy.Slice(chunk.First * co * n, new Shape(chunk.Count * co * n)), n, co * n,
                T.Zero, cols, n, k * n, chunk.Count, precision);
            gpu.Launch(Col2imKernel, chunk.Count * l.ImageSize, cols.View, dx.View, l, chunk, Planes.Of(l.Channels, l.Height, l.Width),
                Divisor.Of(l.Stride));
        }
    }

    private static void GpuBackwardWeights<T>(IlgpuBackend<T> gpu, Conv2dGeometry g, Tensor<T> x, Tensor<T> dy, Tensor<T> dw, Tensor<T>? dbias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (UseImplicit(gpu, ConvPass.BackwardWeights, g, useImplicit =>
            {
                var scratch = gpu.Workspace("conv.tune", dw.Shape);
                if (useImplicit) ImplicitBackwardWeights(gpu, g, x, dy, scratch, null);
                else Im2colBackwardWeights(gpu, g, x, dy, scratch, null);
            }))
            ImplicitBackwardWeights(gpu, g, x, dy, dw, dbias);
        else
            Im2colBackwardWeights(gpu, g, x, dy, dw, dbias);
    }

    private static void Im2colBackwardWeights<T>(IlgpuBackend<T> gpu, Conv2dGeometry g, Tensor<T> x, Tensor<T> dy, Tensor<T> dw, Tensor<T>? dbias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var precision = gpu.ConvPrecision;
        var l = Lowering.Of(g);
        int k = l.K, n = l.N, co = g.OutChannels;
        int rows = dbias is null ? k : k + 1; // a row of ones makes the last column of the product Σ dy: the bias gradient
        foreach (var chunk in Chunks<T>(g.Batch, (long)(rows + co) * n))
        {
            int columns = chunk.Count * n;
            var cols = gpu.Workspace("conv.cols", new Shape(rows, columns));
            var dyt = gpu.Workspace("conv.dyt", new Shape(co, columns));
            gpu.Launch(Im2colKernel, cols.Length, x.View, cols.View, Unfold.Of(l, chunk));
            gpu.Launch(GatherChannelsKernel, dyt.Length, dy.View, dyt.View, new Layout(g.Batch, co, n), chunk, Planes.Of(co, chunk.Count, n));
            // partials[s] = dyt[:, slice s] · cols[:, slice s]ᵀ; the slices (but the last, shorter one) are one batched product.
            var split = SplitOf<T>(co, rows, columns);
            int size = co * rows;
            var partials = gpu.Workspace("conv.partials", new Shape(split.Count, co, rows));
            if (split.Full > 0)
                gpu.GemmBatched(false, true, co, rows, split.Length, T.One, dyt, columns, split.Length, cols, columns, split.Length,
                    T.Zero, partials, rows, size, split.Full, precision);
            if (split.Tail > 0)
            {
                int at = split.Full * split.Length;
                gpu.Gemm(false, true, co, rows, split.Tail, T.One, dyt.Slice(at, new Shape(dyt.Length - at)), columns,
                    cols.Slice(at, new Shape(cols.Length - at)), columns, T.Zero, partials.Slice(split.Full * size, new Shape(size)), rows, precision);
            }
            gpu.Launch(AddSlicesKernel, size, partials.View, dw.View, (dbias ?? dw).View, new Slices(split.Count, size, k, rows));
        }
    }

    private static void GpuAddBias<T>(IlgpuBackend<T> gpu, Tensor<T> y, Tensor<T> bias, Layout layout) where T : unmanaged, IFloatingPointIeee754<T>
        => gpu.Launch(AddBiasKernel, y.Length, y.View, bias.View, layout);

    /// <summary>
    /// Consecutive chunks of the batch whose workspace (perImage elements each) stays under <see cref="WorkspaceBytes"/>
    /// (and which hold at most MaxChunkImages images).
    /// </summary>
    private static IEnumerable<Chunk> Chunks<T>(int batch, long perImage, bool accumulate = false) where T : unmanaged
    {
        long fit = WorkspaceBytes / Unsafe.SizeOf<T>() / Math.Max(1, perImage);
        int size = (int)Math.Clamp(Math.Min(fit, Tuning.MaxChunkImages), 1, batch);
        int count = (batch + size - 1) / size;
        size = (batch + count - 1) / count; // as many chunks, but of even sizes
        for (int first = 0; first < batch; first += size)
            yield return new Chunk(first, Math.Min(size, batch - first), accumulate ? 1 : 0);
    }

    /// <summary>
    /// The weight gradient's inner dimension cut into Full slices of Length columns plus one of Tail (when
    /// non-zero). Enough slices that the batched product has about TargetBlocks thread blocks (one per output
    /// tile of up to 128 × 128, per slice), none shorter than MinSliceColumns, partial sums within PartialBytes.
    /// </summary>
    internal readonly record struct Split(int Length, int Full, int Tail)
    {
        public int Count => Full + (Tail > 0 ? 1 : 0);
    }

    internal static Split SplitOf<T>(int m, int n, int columns) where T : unmanaged
    {
        var t = Tuning;
        long tiles = (long)((m + 127) / 128) * ((n + 127) / 128);
        long slices = Math.Max(1, t.TargetBlocks / tiles);
        slices = Math.Min(slices, Math.Max(1, columns / Math.Max(1, t.MinSliceColumns)));
        slices = Math.Min(slices, Math.Max(1, PartialBytes / Unsafe.SizeOf<T>() / ((long)m * n)));
        if (slices <= 1) return new Split(columns, 1, 0);
        // Slices start on a multiple of 32 columns, so every slice's rows stay aligned for vector loads. A length
        // that divides the columns (within a factor of two of the target, partial sums within bounds) saves the
        // separate product of a shorter last slice.
        int length = (int)((columns + slices - 1) / slices + 31) / 32 * 32;
        long maxSlices = Math.Max(1, PartialBytes / Unsafe.SizeOf<T>() / ((long)m * n));
        for (int step = 0; step <= length / 32; step++)
            foreach (int candidate in (ReadOnlySpan<int>)[length - 32 * step, length + 32 * step])
                if (candidate >= Math.Max(32, length / 2) && columns % candidate == 0 && columns / candidate <= maxSlices)
                    return new Split(candidate, columns / candidate, 0);
        return new Split(length, columns / length, columns % length);
    }
}
