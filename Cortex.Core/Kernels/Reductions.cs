using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;
using ILGPU;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Cortex.Core.Kernels;

/// <summary>
/// The sums other families need: per-channel sums (bias gradients, normalisation statistics) and sums of
/// squares (gradient norms). On the GPU each output is split over <see cref="Partitions"/> threads whose
/// partial sums go to a workspace and are added in a second, fixed-order pass: results stay on the device
/// and are deterministic.
/// </summary>
public static class Reduce
{
    /// <summary>Threads per output sum on the GPU.</summary>
    public const int Partitions = 64;

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
            var partials = gpu.Workspace("reduce.partials", channels * Partitions);
            gpu.Launch(SumOverAxesKernel, channels * Partitions, x.View, partials, new Layout(outer, channels, inner));
            gpu.Launch(AddPartialsKernel, channels, partials, result.View, accumulate ? 1 : 0);
            return;
        }
        var cpu = (CpuBackend<T>)backend;
        var sums = new T[channels];
        Parallel.For(0, channels, cpu.Parallel, c =>
        {
            T s = T.Zero;
            var data = x.Span;
            for (int o = 0; o < outer; o++)
                s += TensorPrimitives.Sum<T>(data.Slice((o * channels + c) * inner, inner));
            sums[c] = s;
        });
        var rs = result.Span;
        for (int c = 0; c < channels; c++) rs[c] = accumulate ? rs[c] + sums[c] : sums[c];
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
            var partials = gpu.Workspace("reduce.partials", Partitions);
            gpu.Launch(SumOfSquaresKernel, Partitions, x.View, partials);
            gpu.Launch(AddPartialsKernel, 1, partials, result.View, accumulate ? 1 : 0);
            return;
        }
        var span = result.Span;
        T s = TensorPrimitives.SumOfSquares<T>(x.Span);
        span[0] = accumulate ? span[0] + s : s;
    }

    internal readonly record struct Layout(int Outer, int Channels, int Inner);

    private static void SumOverAxesKernel<T>(Index1D index, ArrayView<T> x, ArrayView<T> partials, Layout l)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = index / Partitions;
        int part = index % Partitions;
        long count = (long)l.Outer * l.Inner;
        T s = T.Zero;
        for (long j = part; j < count; j += Partitions)
        {
            long o = j / l.Inner, i = j % l.Inner;
            s += x[(o * l.Channels + c) * l.Inner + i];
        }
        partials[index] = s;
    }

    private static void SumOfSquaresKernel<T>(Index1D index, ArrayView<T> x, ArrayView<T> partials)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T s = T.Zero;
        for (long j = index; j < x.Length; j += Partitions)
            s += x[j] * x[j];
        partials[index] = s;
    }

    private static void AddPartialsKernel<T>(Index1D c, ArrayView<T> partials, ArrayView<T> result, int accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T s = T.Zero;
        for (int p = 0; p < Partitions; p++) s += partials[c * Partitions + p];
        result[c] = accumulate != 0 ? result[c] + s : s;
    }
}
