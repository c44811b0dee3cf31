using System.Numerics;
using System.Runtime.InteropServices;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;
using ILGPU;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Cortex.Core.Kernels;

/// <summary>
/// The sums other families need: per-channel sums (bias gradients, normalisation statistics) and sums of
/// squares (gradient norms). On the GPU each output is split over up to 4096 threads of about 32 values
/// each, whose partial sums go to a workspace, are folded to 32 per output and added, always in a fixed
/// order: results stay on the device and are deterministic.
/// </summary>
public static class Reduce
{
    /// <summary>
    /// result[c] = Σ_{o,i} x[o, c, i] (or += when <paramref name="accumulate"/>), with x seen as
    /// [outer, channels, inner]: a [B, C, H, W] tensor is (B, C, H·W); a [B, N] tensor is (B, N, 1).
    /// </summary>
    public static void SumOverAxes<T>(Tensor<T> x, int outer, int channels, int inner, Tensor<T> result, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "sum over axes";
        var backend = Check.SameBackend(op, x, result);
        if ((long)outer * channels * inner != x.Length)
            throw new ArgumentException($"{op}: x {x.Shape} has {x.Length} elements, not outer·channels·inner = {outer}·{channels}·{inner}");
        if (result.Length != channels)
            throw new ArgumentException($"{op}: result must hold {channels} values, got shape {result.Shape}");
        if (backend is IlgpuBackend<T> gpu)
        {
            int parts = NormStatistics.WidePartitions((long)outer * inner);
            var workspace = gpu.Workspace("reduce.partials", (long)channels * parts + (long)channels * NormStatistics.FoldLanes);
            var partials = workspace.SubView(0, (long)channels * parts);
            gpu.Launch(NormStatistics.SumPartialsKernel, channels * parts, x.View, partials, new NormStatistics.Segments(outer, channels, inner, parts, 1));
            var (folded, lanes) = NormStatistics.Fold(gpu, partials, channels, parts, workspace.SubView((long)channels * parts, (long)channels * NormStatistics.FoldLanes));
            gpu.Launch(AddPartialsKernel, channels, folded, result.View, lanes, accumulate ? 1 : 0);
            return;
        }
        // Each task owns a block of channels (at most a thread's share) and walks the outer axis, so it reads
        // x[o, block, :] as one contiguous run; every sum is added in the same order (o, then RowSum's fixed
        // lanes) whatever the number of threads or blocks, so results are deterministic.
        var cpu = (CpuBackend<T>)backend;
        var (xa, xo) = x.HostArray;
        var sums = new T[channels];
        int share = x.Length <= HostTaskElements ? channels : (channels + cpu.Threads - 1) / cpu.Threads; // small inputs: one task
        int block = Math.Clamp(HostTaskElements / Math.Max(1, inner), 1, Math.Max(1, share));
        int tasks = (channels + block - 1) / block;
        void SumBlock(int task)
        {
            int c0 = task * block, count = Math.Min(block, channels - c0);
            var own = sums.AsSpan(c0, count);
            for (int o = 0; o < outer; o++)
            {
                var run = new ReadOnlySpan<T>(xa, xo + (o * channels + c0) * inner, count * inner);
                if (inner == 1)
                    TensorPrimitives.Add(own, run, own);
                else
                    for (int c = 0; c < count; c++)
                        own[c] += RowSum(run.Slice(c * inner, inner));
            }
        }
        if (tasks == 1) SumBlock(0);
        else cpu.For(tasks, SumBlock);
        var rs = result.Span;
        for (int c = 0; c < channels; c++) rs[c] = accumulate ? rs[c] + sums[c] : sums[c];
    }

    /// <summary>Rows at least this long are summed by TensorPrimitives.Sum.</summary>
    private const int LongRow = 4096;

    /// <summary>Elements of x one host task of <see cref="SumOverAxes{T}"/> reads per outer index (a block of whole channels).</summary>
    private const int HostTaskElements = 1 << 14;

    /// <summary>
    /// Σ row in a fixed order. Short rows (a channel of one image) take a plain two-vector loop and a scalar
    /// tail: TensorPrimitives.Sum pays a fixed cost per call that dominates rows of a few hundred values; long
    /// rows go to it (its cost is amortised, and it spreads the sum over more lanes).
    /// </summary>
    private static T RowSum<T>(ReadOnlySpan<T> row) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (row.Length >= LongRow) return TensorPrimitives.Sum(row);
        int i = 0;
        T s = T.Zero;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported && row.Length >= Vector<T>.Count)
        {
            int width = Vector<T>.Count;
            ref T start = ref MemoryMarshal.GetReference(row);
            Vector<T> v0 = Vector<T>.Zero, v1 = Vector<T>.Zero;
            for (; i + 2 * width <= row.Length; i += 2 * width)
            {
                v0 += Vector.LoadUnsafe(ref start, (nuint)i);
                v1 += Vector.LoadUnsafe(ref start, (nuint)(i + width));
            }
            if (i + width <= row.Length)
            {
                v0 += Vector.LoadUnsafe(ref start, (nuint)i);
                i += width;
            }
            s = Vector.Sum(v0 + v1);
        }
        for (; i < row.Length; i++) s += row[i];
        return s;
    }

    /// <summary>result[0] = Σ x² (or += when <paramref name="accumulate"/>).</summary>
    public static void SumOfSquares<T>(Tensor<T> x, Tensor<T> result, bool accumulate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "sum of squares";
        var backend = Check.SameBackend(op, x, result);
        if (result.Length != 1)
            throw new ArgumentException($"{op}: result must hold 1 value, got shape {result.Shape}");
        if (backend is IlgpuBackend<T> gpu)
        {
            int parts = NormStatistics.WidePartitions(x.Length);
            var workspace = gpu.Workspace("reduce.partials", parts + NormStatistics.FoldLanes);
            var partials = workspace.SubView(0, parts);
            gpu.Launch(SumOfSquaresKernel, parts, x.View, partials);
            var (sums, lanes) = NormStatistics.Fold(gpu, partials, 1, parts, workspace.SubView(parts, NormStatistics.FoldLanes));
            gpu.Launch(AddPartialsKernel, 1, sums, result.View, lanes, accumulate ? 1 : 0);
            return;
        }
        var span = result.Span;
        T s = TensorPrimitives.SumOfSquares<T>(x.Span);
        span[0] = accumulate ? span[0] + s : s;
    }

    /// <summary>Values that host sums add in T (SIMD, several lanes) before carrying the total in double.</summary>
    public const int HostBlock = 1024;

    /// <summary>
    /// Σ x on the host, accurate for long float spans: TensorPrimitives adds blocks of <see cref="HostBlock"/>
    /// values in T (spread over its SIMD lanes, so each lane adds at most a few dozen), and the block sums are
    /// added in double. Spans shorter than a vector are added in double directly.
    /// </summary>
    public static double HostSum<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double total = 0;
        if (x.Length < Vector<T>.Count)
        {
            foreach (var v in x) total += double.CreateTruncating(v);
            return total;
        }
        for (int i = 0; i < x.Length; i += HostBlock)
            total += double.CreateTruncating(TensorPrimitives.Sum<T>(x.Slice(i, Math.Min(HostBlock, x.Length - i))));
        return total;
    }

    /// <summary>Σ x² on the host, blocked as <see cref="HostSum{T}"/>.</summary>
    public static double HostSumOfSquares<T>(ReadOnlySpan<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double total = 0;
        if (x.Length < Vector<T>.Count)
        {
            foreach (var v in x) total += double.CreateTruncating(v * v);
            return total;
        }
        for (int i = 0; i < x.Length; i += HostBlock)
            total += double.CreateTruncating(TensorPrimitives.SumOfSquares<T>(x.Slice(i, Math.Min(HostBlock, x.Length - i))));
        return total;
    }

    /// <summary>Σ x·y on the host, blocked as <see cref="HostSum{T}"/>. The spans must have equal length.</summary>
    public static double HostDot<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Length != y.Length)
            throw new ArgumentException($"dot: spans of {x.Length} and {y.Length} values differ in length");
        double total = 0;
        if (x.Length < Vector<T>.Count)
        {
            for (int i = 0; i < x.Length; i++) total += double.CreateTruncating(x[i] * y[i]);
            return total;
        }
        for (int i = 0; i < x.Length; i += HostBlock)
        {
            int n = Math.Min(HostBlock, x.Length - i);
            total += double.CreateTruncating(TensorPrimitives.Dot<T>(x.Slice(i, n), y.Slice(i, n)));
        }
        return total;
    }

    internal readonly record struct Layout(int Outer, int Channels, int Inner);

    /// <summary>partials[p] = Σ x[p + k·parts]² (parts = the number of threads), two sums per thread.</summary>
    private static void SumOfSquaresKernel<T>(Index1D index, ArrayView<T> x, ArrayView<T> partials)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long parts = partials.Length;
        T s0 = T.Zero, s1 = T.Zero;
        long j = index;
        for (; j + parts < x.Length; j += 2 * parts)
        {
            s0 += x[j] * x[j];
            s1 += x[j + parts] * x[j + parts];
        }
        if (j < x.Length) s0 += x[j] * x[j];
        partials[index] = s0 + s1;
    }

    private static void AddPartialsKernel<T>(Index1D c, ArrayView<T> partials, ArrayView<T> result, int parts, int accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T s = NormStatistics.SumRun(partials, (long)c.X * parts, 1, parts);
        result[c] = accumulate != 0 ? result[c] + s : s;
    }
}
