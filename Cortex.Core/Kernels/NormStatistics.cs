using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;
using ILGPU;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Cortex.Core.Kernels;

/// <summary>
/// What batch and group normalisation share. Both normalise x̂ = (x − μ)·σ⁻¹ with one (μ, σ⁻¹) per
/// "statistic" (a channel for batch norm, a (sample, group) for group norm), apply a per-channel affine
/// y = γ_c·x̂ + β_c, and back-propagate
/// dx = σ⁻¹·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)), dx̂ = γ_c·dy, the means taken over the elements of the statistic.
/// On the GPU a statistic's elements are "segments" summed by <see cref="Partitions"/> threads each into a
/// workspace, then added in a fixed order (deterministic, no atomics).
/// </summary>
internal static class NormStatistics
{
    /// <summary>x [B, C, H, W] or [B, C], seen as [B, C, S] with S = H·W or 1.</summary>
    public static (int Batch, int Channels, int Spatial) Layout<T>(string op, Tensor<T> x) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = x.Shape;
        return s.Rank switch
        {
            2 => (s[0], s[1], 1),
            4 => (s[0], s[1], s[2] * s[3]),
            _ => throw new ArgumentException($"{op}: x must be [B, C, H, W] or [B, C], got shape {s}"),
        };
    }

    public static void CheckEpsilon<T>(string op, T epsilon) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!(epsilon >= T.Zero) || T.IsInfinity(epsilon))
            throw new ArgumentOutOfRangeException(nameof(epsilon), $"{op}: epsilon must be finite and ≥ 0, got {epsilon}");
    }

    public static void CheckChannels<T>(string op, int channels, params ReadOnlySpan<(string Name, Tensor<T> Tensor)> tensors)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        foreach (var (name, tensor) in tensors)
            Check.Shape(op, name, tensor, new Shape(channels));
    }

    /// <summary>GPU threads per statistic: about 64 elements each, between 1 and 1024.</summary>
    public static int Partitions(long count) => (int)Math.Clamp(count / 64, 1, 1024);

    /// <summary>y = (x − μ)·σ⁻¹·γ + β.</summary>
    public static T Normalize<T>(T x, T mean, T invStd, T gamma, T beta) where T : unmanaged, IFloatingPointIeee754<T>
        => (x - mean) * invStd * gamma + beta;

    /// <summary>dx = σ⁻¹·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)).</summary>
    public static T InputGradient<T>(T dxhat, T xhat, T invStd, T meanDxhat, T meanDxhatXhat) where T : unmanaged, IFloatingPointIeee754<T>
        => invStd * (dxhat - meanDxhat - xhat * meanDxhatXhat);

    /// <summary>σ⁻¹ = 1 / √(σ² + ε), computed in double on the host.</summary>
    public static T InvStd<T>(double variance, double epsilon) where T : unmanaged, IFloatingPointIeee754<T>
        => T.CreateTruncating(1 / Math.Sqrt(variance + epsilon));

    /// <summary>body(0..count−1) in parallel on the CPU backend's threads, or serially when the whole job touches few elements.</summary>
    public static void For<T>(CpuBackend<T> cpu, int count, long elements, Action<int> body) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (elements < CpuParallel.SerialBelow || count == 1 || cpu.Threads == 1)
            for (int i = 0; i < count; i++) body(i);
        else
            cpu.For(count, body);
    }

    // ---- CPU slice helpers: TensorPrimitives on long slices, plain loops on short ones (S = 1 for [B, N]). ----

    private static bool Short<T>(int length) => length < Vector<T>.Count;

    /// <summary>destination = x − mean.</summary>
    public static void Center<T>(ReadOnlySpan<T> x, T mean, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Short<T>(x.Length)) for (int i = 0; i < x.Length; i++) destination[i] = x[i] - mean;
        else TensorPrimitives.Subtract(x, mean, destination);
    }

    /// <summary>destination = x·scale + shift.</summary>
    public static void Affine<T>(ReadOnlySpan<T> x, T scale, T shift, Span<T> destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Short<T>(x.Length)) for (int i = 0; i < x.Length; i++) destination[i] = x[i] * scale + shift;
        else
        {
            TensorPrimitives.Multiply(x, scale, destination);
            TensorPrimitives.Add<T>(destination, shift, destination);
        }
    }

    /// <summary>
    /// dx = a·dy + b·centered + k (or dx += … when accumulating); centered is overwritten (scratch).
    /// dx must not overlap dy or centered.
    /// </summary>
    public static void WriteInputGradient<T>(ReadOnlySpan<T> dy, Span<T> centered, T a, T b, T k, Span<T> dx, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Short<T>(dy.Length))
        {
            for (int i = 0; i < dy.Length; i++)
            {
                T g = a * dy[i] + b * centered[i] + k;
                dx[i] = accumulate ? dx[i] + g : g;
            }
            return;
        }
        Affine<T>(centered, b, k, centered);
        if (accumulate)
        {
            TensorPrimitives.MultiplyAdd(dy, a, centered, centered);
            TensorPrimitives.Add<T>(dx, centered, dx);
        }
        else TensorPrimitives.MultiplyAdd(dy, a, centered, dx);
    }

    // ---- GPU kernels ----

    /// <summary>
    /// Segments of a tensor seen as [Outer, Count, Inner]: segment c holds the elements (o, c, i), Parts
    /// threads sum each segment, and segment c uses statistic c / PerStat.
    /// </summary>
    internal readonly record struct Segments(int Outer, int Count, int Inner, int Parts, int PerStat);

    /// <summary>How an element index maps to its channel (i / Spatial mod Channels) and statistic (i / StatInner mod StatCount).</summary>
    internal readonly record struct Elements(int Spatial, int Channels, int StatInner, int StatCount);

    // Part p of segment c is the elements j = p, p + Parts, … < Outer·Inner of the segment, at
    // ((j / Inner)·Count + c)·Inner + j % Inner. Neighbouring threads read neighbouring elements (coalesced);
    // the walk steps (o, i) by (Parts / Inner, Parts % Inner) with one wrap test, never a division per element,
    // and keeps two sums so that two loads are in flight per thread.

    /// <summary>The first element of part p of segment c, and the walk's steps.</summary>
    internal static void Start(Segments g, long c, int p, out int o, out int i, out long e, out int qo, out int qi, out long row)
    {
        o = p / g.Inner;
        i = p % g.Inner;
        qo = g.Parts / g.Inner;
        qi = g.Parts % g.Inner;
        row = (long)g.Count * g.Inner;
        e = o * row + c * g.Inner + i;
    }

    /// <summary>One step of the walk: (o, i) += (qo, qi) with a wrap, e follows.</summary>
    internal static void Step(Segments g, ref int o, ref int i, ref long e, int qo, int qi, long row)
    {
        o += qo;
        i += qi;
        e += qo * row + qi;
        if (i >= g.Inner)
        {
            i -= g.Inner;
            o++;
            e += row - g.Inner;
        }
    }

    /// <summary>partials[c·Parts + p] = Σ x over part p of segment c.</summary>
    public static void SumPartialsKernel<T>(Index1D index, ArrayView<T> x, ArrayView<T> partials, Segments g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Start(g, index / g.Parts, index % g.Parts, out int o, out int i, out long e, out int qo, out int qi, out long row);
        T s0 = T.Zero, s1 = T.Zero;
        while (o < g.Outer)
        {
            s0 += x[e];
            Step(g, ref o, ref i, ref e, qo, qi, row);
            if (o >= g.Outer) break;
            s1 += x[e];
            Step(g, ref o, ref i, ref e, qo, qi, row);
        }
        partials[index] = s0 + s1;
    }

    /// <summary>partials[c·Parts + p] = Σ (x − mean[c / PerStat])² over part p of segment c.</summary>
    public static void CenteredSquarePartialsKernel<T>(Index1D index, ArrayView<T> x, ArrayView<T> mean, ArrayView<T> partials, Segments g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long c = index / g.Parts;
        Start(g, c, index % g.Parts, out int o, out int i, out long e, out int qo, out int qi, out long row);
        T m = mean[c / g.PerStat];
        T s0 = T.Zero, s1 = T.Zero;
        while (o < g.Outer)
        {
            T d0 = x[e] - m;
            s0 += d0 * d0;
            Step(g, ref o, ref i, ref e, qo, qi, row);
            if (o >= g.Outer) break;
            T d1 = x[e] - m;
            s1 += d1 * d1;
            Step(g, ref o, ref i, ref e, qo, qi, row);
        }
        partials[index] = s0 + s1;
    }

    /// <summary>
    /// Over part p of segment c: partials[c·Parts + p] = Σ dy and partials[(Count + c)·Parts + p] = Σ dy·(x − mean[c / PerStat]).
    /// </summary>
    public static void GradientPartialsKernel<T>(Index1D index, ArrayView<T> x, ArrayView<T> dy, ArrayView<T> mean, ArrayView<T> partials, Segments g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long c = index / g.Parts;
        Start(g, c, index % g.Parts, out int o, out int i, out long e, out int qo, out int qi, out long row);
        T m = mean[c / g.PerStat];
        T sdy = T.Zero, sdyx = T.Zero;
        while (o < g.Outer)
        {
            T d = dy[e];
            sdy += d;
            sdyx += d * (x[e] - m);
            Step(g, ref o, ref i, ref e, qo, qi, row);
        }
        partials[index] = sdy;
        partials[(long)g.Count * g.Parts + index] = sdyx;
    }

    /// <summary>Σ_{k &lt; count} v[start + k·stride] in a fixed order, four sums so that four loads are in flight.</summary>
    public static T SumRun<T>(ArrayView<T> v, long start, long stride, int count) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T s0 = T.Zero, s1 = T.Zero, s2 = T.Zero, s3 = T.Zero;
        int k = 0;
        for (; k + 4 <= count; k += 4)
        {
            long at = start + k * stride;
            s0 += v[at];
            s1 += v[at + stride];
            s2 += v[at + 2 * stride];
            s3 += v[at + 3 * stride];
        }
        for (; k < count; k++) s0 += v[start + k * stride];
        return (s0 + s1) + (s2 + s3);
    }

    /// <summary>Rows of partials the finishing kernels sum serially after <see cref="Fold{T}"/>: at most this many each.</summary>
    public const int FoldLanes = 32;

    /// <summary>
    /// GPU threads per statistic for the families that fold (batch norm, <see cref="Reduce"/>): about 32 elements
    /// each, between 1 and 4096, so that a statistic over B·H·W = 100k values runs on 3,136 threads.
    /// </summary>
    public static int WidePartitions(long count) => (int)Math.Clamp(count / 32, 1, 4096);

    /// <summary>
    /// Shrinks <paramref name="rows"/> rows of <paramref name="parts"/> partial sums to rows of at most
    /// <see cref="FoldLanes"/> (lane l of a row sums its partials l, l + lanes, …) in one launch, so the kernel
    /// that finishes each sum adds a few dozen values instead of thousands. Returns the folded view and its row
    /// length; with few partials it returns them unchanged (no launch).
    /// </summary>
    public static (ArrayView<T> Partials, int Parts) Fold<T>(IlgpuBackend<T> gpu, ArrayView<T> partials, int rows, int parts, ArrayView<T> folded)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (parts <= FoldLanes) return (partials, parts);
        gpu.Launch(FoldKernel, rows * FoldLanes, partials, folded, parts);
        return (folded, FoldLanes);
    }

    /// <summary>folded[r·lanes + l] = Σ_k partials[r·parts + l + k·lanes].</summary>
    private static void FoldKernel<T>(Index1D index, ArrayView<T> partials, ArrayView<T> folded, int parts)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long r = index / FoldLanes;
        int l = index % FoldLanes;
        int count = (parts - l + FoldLanes - 1) / FoldLanes;
        folded[index] = SumRun(partials, r * parts + l, FoldLanes, count);
    }

    /// <summary>mean[c] = invCount·Σ_p partials[c·parts + p].</summary>
    public static void MeanKernel<T>(Index1D c, ArrayView<T> partials, ArrayView<T> mean, int parts, T invCount)
        where T : unmanaged, IFloatingPointIeee754<T>
        => mean[c] = SumRun(partials, (long)c.X * parts, 1, parts) * invCount;

    /// <summary>y = (x − μ)·σ⁻¹·γ_c + β_c.</summary>
    public static void NormalizeKernel<T>(Index1D i, ArrayView<T> x, ArrayView<T> gamma, ArrayView<T> beta,
        ArrayView<T> mean, ArrayView<T> invStd, ArrayView<T> y, Elements e)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = (int)(i / e.Spatial % e.Channels);
        int s = (int)(i / e.StatInner % e.StatCount);
        y[i] = Normalize(x[i], mean[s], invStd[s], gamma[c], beta[c]);
    }

    /// <summary>
    /// dx (+)= σ⁻¹·(γ_c·dy − mean(dx̂) − x̂·mean(dx̂·x̂)), the two means per statistic s read from
    /// coefficients[s] and coefficients[StatCount + s].
    /// </summary>
    public static void InputGradientKernel<T>(Index1D i, ArrayView<T> x, ArrayView<T> dy, ArrayView<T> gamma, ArrayView<T> mean,
        ArrayView<T> invStd, ArrayView<T> coefficients, ArrayView<T> dx, Elements e, int accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = (int)(i / e.Spatial % e.Channels);
        int s = (int)(i / e.StatInner % e.StatCount);
        T r = invStd[s];
        T g = InputGradient(gamma[c] * dy[i], (x[i] - mean[s]) * r, r, coefficients[s], coefficients[e.StatCount + s]);
        dx[i] = accumulate != 0 ? dx[i] + g : g;
    }
}
