using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;
using static Cortex.Core.Kernels.NormStatistics;

namespace Cortex.Core.Kernels;

/// <summary>
/// The CPU half of batch normalisation for x [B, C, H, W] (S = H·W > 1), with or without a following
/// nonlinearity a = f(n): each thread owns a block of channels and walks it image by image (one contiguous
/// run per image) with Vector&lt;T&gt; loops over the S-value planes, two passes forward (statistics, then
/// normalise, affine and f) and two backward (Σd and Σd·(x − μ), then dx), where d = f'(n)·dA is computed
/// on the fly in both backward passes (never stored). Each plane's vector sums are added in double in image
/// order, so results do not depend on the number of threads. Plain batch norm is the case f = identity with
/// no activated output.
/// </summary>
public static partial class BatchNorm
{
    /// <summary>normalised = BN(x); activated = f(normalised) when activated is not null (then it must not overlap x or normalised).</summary>
    private static void ForwardTrainingPlanes<T, TAct>(CpuBackend<T> cpu, Tensor<T> x, Tensor<T> gamma, Tensor<T> beta, Tensor<T> normalised,
        Tensor<T>? activated, Tensor<T> savedMean, Tensor<T> savedInvStd, Tensor<T> runningMean, Tensor<T> runningVar, int b, int c, int s,
        double m, double eps)
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IActivation<T>
    {
        var (xa, xo) = x.HostArray;
        var (ya, yo) = normalised.HostArray;
        var (aa, ao) = activated is null ? (null, 0) : activated.HostArray;
        long n = (long)b * s;
        var sums = new double[c];
        var squares = new double[c];
        var origin = new T[c];
        var scales = new T[c];
        var shifts = new T[c];
        ForChannelBlocks(cpu, c, x.Length, (c0, c1) =>
        {
            // One pass with sums shifted by each channel's first value K: Σ(x − K) and Σ(x − K)², robust to a large
            // mean. Image by image, so the block's planes of one image are one contiguous run of memory.
            for (int ch = c0; ch < c1; ch++) origin[ch] = xa[xo + ch * s];
            for (int i = 0; i < b; i++)
                for (int ch = c0; ch < c1; ch++)
                {
                    var (s1, s2) = ShiftedSums(new ReadOnlySpan<T>(xa, xo + (i * c + ch) * s, s), origin[ch]);
                    sums[ch] += s1;
                    squares[ch] += s2;
                }
            for (int ch = c0; ch < c1; ch++)
            {
                double shifted = sums[ch] / n;
                double variance = Math.Max(0, squares[ch] / n - shifted * shifted); // biased
                double mean = double.CreateTruncating(origin[ch]) + shifted;
                double invStd = 1 / Math.Sqrt(variance + eps);
                double scale = invStd * double.CreateTruncating(gamma.Span[ch]);
                scales[ch] = T.CreateTruncating(scale);
                shifts[ch] = T.CreateTruncating(double.CreateTruncating(beta.Span[ch]) - mean * scale);
                savedMean.Span[ch] = T.CreateTruncating(mean);
                savedInvStd.Span[ch] = T.CreateTruncating(invStd);
                runningMean.Span[ch] = T.CreateTruncating((1 - m) * double.CreateTruncating(runningMean.Span[ch]) + m * mean);
                runningVar.Span[ch] = T.CreateTruncating((1 - m) * double.CreateTruncating(runningVar.Span[ch]) + m * variance * n / (n - 1));
            }
            for (int i = 0; i < b; i++)
                for (int ch = c0; ch < c1; ch++)
                {
                    int at = (i * c + ch) * s;
                    var xs = new ReadOnlySpan<T>(xa, xo + at, s);
                    var ys = new Span<T>(ya, yo + at, s);
                    if (aa is null) AffinePlane(xs, scales[ch], shifts[ch], ys);
                    else NormalizeActivatePlane<T, TAct>(xs, scales[ch], shifts[ch], ys, new Span<T>(aa, ao + at, s));
                }
        });
    }

    /// <summary>
    /// Backward from dA through a = f(n), n = BN(x): d = f'(n)·dA (from n, a and dA; for f = identity d = dA and n, a
    /// are not read). dgamma and dbeta accumulate; dx is overwritten or added to. dx must not overlap the inputs.
    /// </summary>
    private static void BackwardPlanes<T, TAct>(CpuBackend<T> cpu, Tensor<T> x, Tensor<T> gamma, Tensor<T> savedMean, Tensor<T> savedInvStd,
        Tensor<T> normalised, Tensor<T> activated, Tensor<T> dActivated, Tensor<T> dx, Tensor<T> dgamma, Tensor<T> dbeta, bool accumulate,
        int b, int c, int s)
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IActivation<T>
    {
        var (xa, xo) = x.HostArray;
        var (na, no) = normalised.HostArray;
        var (aa, ao) = activated.HostArray;
        var (da, dao) = dActivated.HostArray;
        var (dxa, dxo) = dx.HostArray;
        long n = (long)b * s;
        var sumDy = new double[c];
        var sumDyCentered = new double[c];
        var coefficients = new T[4 * c];
        bool inRegisters = InRegisterGradient<T, TAct>();
        ForChannelBlocks(cpu, c, x.Length, (c0, c1) =>
        {
            // Activations without an in-register derivative here: d for one plane at a time, into a buffer that stays in cache.
            var buffer = inRegisters ? null : ArrayPool<T>.Shared.Rent(s);
            for (int i = 0; i < b; i++)
                for (int ch = c0; ch < c1; ch++)
                {
                    int at = (i * c + ch) * s;
                    var xs = new ReadOnlySpan<T>(xa, xo + at, s);
                    var ns = new ReadOnlySpan<T>(na, no + at, s);
                    var acts = new ReadOnlySpan<T>(aa, ao + at, s);
                    var das = new ReadOnlySpan<T>(da, dao + at, s);
                    var (s1, s2) = buffer is null
                        ? GradientSums<T, TAct>(xs, ns, acts, das, savedMean.Span[ch])
                        : GradientSums<T, Identity<T>>(xs, default, default, Derivative<T, TAct>(ns, acts, das, buffer), savedMean.Span[ch]);
                    sumDy[ch] += s1;
                    sumDyCentered[ch] += s2;
                }
            for (int ch = c0; ch < c1; ch++)
            {
                double rd = double.CreateTruncating(savedInvStd.Span[ch]), gd = double.CreateTruncating(gamma.Span[ch]);
                double sumDyXhat = rd * sumDyCentered[ch];
                dbeta.Span[ch] += T.CreateTruncating(sumDy[ch]);
                dgamma.Span[ch] += T.CreateTruncating(sumDyXhat);
                // dx = σ⁻¹·(γ·d − A − x̂·Q) = (σ⁻¹γ)·d + (−σ⁻²Q)·(x − μ) − σ⁻¹A, A = γ·mean(d), Q = γ·mean(d·x̂)
                double meanDxhat = gd * sumDy[ch] / n, meanDxhatXhat = gd * sumDyXhat / n;
                coefficients[4 * ch] = savedMean.Span[ch];
                coefficients[4 * ch + 1] = T.CreateTruncating(rd * gd);
                coefficients[4 * ch + 2] = T.CreateTruncating(-rd * rd * meanDxhatXhat);
                coefficients[4 * ch + 3] = T.CreateTruncating(-rd * meanDxhat);
            }
            for (int i = 0; i < b; i++)
                for (int ch = c0; ch < c1; ch++)
                {
                    int at = (i * c + ch) * s;
                    var xs = new ReadOnlySpan<T>(xa, xo + at, s);
                    var ns = new ReadOnlySpan<T>(na, no + at, s);
                    var acts = new ReadOnlySpan<T>(aa, ao + at, s);
                    var das = new ReadOnlySpan<T>(da, dao + at, s);
                    var dxs = new Span<T>(dxa, dxo + at, s);
                    T mean = coefficients[4 * ch], a = coefficients[4 * ch + 1], q = coefficients[4 * ch + 2], k = coefficients[4 * ch + 3];
                    if (buffer is not null)
                    {
                        das = Derivative<T, TAct>(ns, acts, das, buffer);
                        if (accumulate) InputGradientPlane<T, Identity<T>, Accumulate>(xs, default, default, das, mean, a, q, k, dxs);
                        else InputGradientPlane<T, Identity<T>, Overwrite>(xs, default, default, das, mean, a, q, k, dxs);
                    }
                    else if (accumulate) InputGradientPlane<T, TAct, Accumulate>(xs, ns, acts, das, mean, a, q, k, dxs);
                    else InputGradientPlane<T, TAct, Overwrite>(xs, ns, acts, das, mean, a, q, k, dxs);
                }
            if (buffer is not null) ArrayPool<T>.Shared.Return(buffer);
        });
    }

    /// <summary>
    /// body(c0, c1) over contiguous blocks of channels, one per thread (serially when the job is small). Each
    /// channel's sums run in image order inside one block, so results do not depend on the number of threads.
    /// </summary>
    private static void ForChannelBlocks<T>(CpuBackend<T> cpu, int channels, long elements, Action<int, int> body)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int blocks = elements < CpuParallel.SerialBelow ? 1 : Math.Min(channels, cpu.Threads);
        if (blocks == 1)
        {
            body(0, channels);
            return;
        }
        cpu.For(blocks, k => body(k * channels / blocks, (k + 1) * channels / blocks));
    }

    /// <summary>(Σ (x − k), Σ (x − k)²) over a plane, summed in vector lanes.</summary>
    private static (double Sum, double Squares) ShiftedSums<T>(ReadOnlySpan<T> x, T k) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T r = ref MemoryMarshal.GetReference(x);
        int w = Vector<T>.Count, i = 0, length = x.Length;
        var vk = new Vector<T>(k);
        Vector<T> s0 = Vector<T>.Zero, s1 = Vector<T>.Zero, q0 = Vector<T>.Zero, q1 = Vector<T>.Zero;
        for (; i <= length - 2 * w; i += 2 * w)
        {
            var d0 = Vector.LoadUnsafe(ref r, (nuint)i) - vk;
            var d1 = Vector.LoadUnsafe(ref r, (nuint)(i + w)) - vk;
            s0 += d0; q0 += d0 * d0;
            s1 += d1; q1 += d1 * d1;
        }
        for (; i <= length - w; i += w)
        {
            var d0 = Vector.LoadUnsafe(ref r, (nuint)i) - vk;
            s0 += d0; q0 += d0 * d0;
        }
        T sum = Vector.Sum(s0 + s1), squares = Vector.Sum(q0 + q1);
        for (; i < length; i++)
        {
            T d = x[i] - k;
            sum += d;
            squares += d * d;
        }
        return (double.CreateTruncating(sum), double.CreateTruncating(squares));
    }

    /// <summary>(Σ d, Σ d·(x − mean)) over a plane, d = f'(n)·dA (<see cref="Gradient{T, TAct}(ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, int)"/>).</summary>
    private static (double SumDy, double SumDyCentered) GradientSums<T, TAct>(ReadOnlySpan<T> x, ReadOnlySpan<T> n, ReadOnlySpan<T> act,
        ReadOnlySpan<T> dA, T mean)
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IActivation<T>
    {
        ref T rx = ref MemoryMarshal.GetReference(x);
        ref T rn = ref MemoryMarshal.GetReference(n);
        ref T ra = ref MemoryMarshal.GetReference(act);
        ref T rd = ref MemoryMarshal.GetReference(dA);
        int w = Vector<T>.Count, i = 0, length = x.Length;
        var vm = new Vector<T>(mean);
        Vector<T> s0 = Vector<T>.Zero, s1 = Vector<T>.Zero, p0 = Vector<T>.Zero, p1 = Vector<T>.Zero;
        for (; i <= length - 2 * w; i += 2 * w)
        {
            var g0 = Gradient<T, TAct>(ref rn, ref ra, ref rd, (nuint)i);
            var g1 = Gradient<T, TAct>(ref rn, ref ra, ref rd, (nuint)(i + w));
            s0 += g0; p0 += g0 * (Vector.LoadUnsafe(ref rx, (nuint)i) - vm);
            s1 += g1; p1 += g1 * (Vector.LoadUnsafe(ref rx, (nuint)(i + w)) - vm);
        }
        for (; i <= length - w; i += w)
        {
            var g0 = Gradient<T, TAct>(ref rn, ref ra, ref rd, (nuint)i);
            s0 += g0; p0 += g0 * (Vector.LoadUnsafe(ref rx, (nuint)i) - vm);
        }
        T sum = Vector.Sum(s0 + s1), product = Vector.Sum(p0 + p1);
        for (; i < length; i++)
        {
            T g = Gradient<T, TAct>(n, act, dA, i);
            sum += g;
            product += g * (x[i] - mean);
        }
        return (double.CreateTruncating(sum), double.CreateTruncating(product));
    }

    /// <summary>y = x·scale + shift over a plane; y may be x.</summary>
    private static void AffinePlane<T>(ReadOnlySpan<T> x, T scale, T shift, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T rx = ref MemoryMarshal.GetReference(x);
        ref T ry = ref MemoryMarshal.GetReference(y);
        int w = Vector<T>.Count, i = 0, length = x.Length;
        var va = new Vector<T>(scale);
        var vb = new Vector<T>(shift);
        for (; i <= length - w; i += w)
            (Vector.LoadUnsafe(ref rx, (nuint)i) * va + vb).StoreUnsafe(ref ry, (nuint)i);
        for (; i < length; i++) y[i] = x[i] * scale + shift;
    }

    /// <summary>dx (+)= a·d + q·(x − mean) + k over a plane, d = f'(n)·dA (<see cref="Gradient{T, TAct}(ReadOnlySpan{T}, ReadOnlySpan{T}, ReadOnlySpan{T}, int)"/>).</summary>
    private static void InputGradientPlane<T, TAct, TMode>(ReadOnlySpan<T> x, ReadOnlySpan<T> n, ReadOnlySpan<T> act, ReadOnlySpan<T> dA,
        T mean, T a, T q, T k, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IActivation<T> where TMode : struct, IWriteMode
    {
        ref T rx = ref MemoryMarshal.GetReference(x);
        ref T rn = ref MemoryMarshal.GetReference(n);
        ref T ra = ref MemoryMarshal.GetReference(act);
        ref T rd = ref MemoryMarshal.GetReference(dA);
        ref T ro = ref MemoryMarshal.GetReference(dx);
        int w = Vector<T>.Count, i = 0, length = x.Length;
        Vector<T> vm = new(mean), va = new(a), vq = new(q), vk = new(k);
        for (; i <= length - w; i += w)
        {
            var g = va * Gradient<T, TAct>(ref rn, ref ra, ref rd, (nuint)i) + vq * (Vector.LoadUnsafe(ref rx, (nuint)i) - vm) + vk;
            if (TMode.Accumulates) g += Vector.LoadUnsafe(ref ro, (nuint)i);
            g.StoreUnsafe(ref ro, (nuint)i);
        }
        for (; i < length; i++)
        {
            T g = a * Gradient<T, TAct>(n, act, dA, i) + q * (x[i] - mean) + k;
            dx[i] = TMode.Accumulates ? dx[i] + g : g;
        }
    }

    private interface IWriteMode { static abstract bool Accumulates { get; } }
    private readonly struct Overwrite : IWriteMode { public static bool Accumulates => false; }
    private readonly struct Accumulate : IWriteMode { public static bool Accumulates => true; }
}
