using System.Numerics;
using System.Runtime.InteropServices;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;
using static Cortex.Core.Kernels.NormStatistics;

namespace Cortex.Core.Kernels;

/// <summary>
/// The CPU half of batch normalisation for x [B, C, H, W] (S = H·W > 1): each thread owns a block of
/// channels and walks it image by image (one contiguous run per image) with Vector&lt;T&gt; loops over the
/// S-value planes, two passes forward (statistics, then normalise and affine) and two backward (Σdy and
/// Σdy·(x − μ), then dx). Each plane's vector sums are added in double in image order, so results do not
/// depend on the number of threads.
/// </summary>
public static partial class BatchNorm
{
    private static void ForwardTrainingPlanes<T>(CpuBackend<T> cpu, Tensor<T> x, Tensor<T> gamma, Tensor<T> beta, Tensor<T> y,
        Tensor<T> savedMean, Tensor<T> savedInvStd, Tensor<T> runningMean, Tensor<T> runningVar, int b, int c, int s, double m, double eps)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (xa, xo) = x.HostArray;
        var (ya, yo) = y.HostArray;
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
                    AffinePlane(new ReadOnlySpan<T>(xa, xo + at, s), scales[ch], shifts[ch], new Span<T>(ya, yo + at, s));
                }
        });
    }

    private static void BackwardPlanes<T>(CpuBackend<T> cpu, Tensor<T> x, Tensor<T> gamma, Tensor<T> savedMean, Tensor<T> savedInvStd,
        Tensor<T> dy, Tensor<T> dx, Tensor<T> dgamma, Tensor<T> dbeta, bool accumulate, int b, int c, int s)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (xa, xo) = x.HostArray;
        var (dya, dyo) = dy.HostArray;
        var (dxa, dxo) = dx.HostArray;
        long n = (long)b * s;
        var sumDy = new double[c];
        var sumDyCentered = new double[c];
        var coefficients = new T[4 * c];
        ForChannelBlocks(cpu, c, x.Length, (c0, c1) =>
        {
            for (int i = 0; i < b; i++)
                for (int ch = c0; ch < c1; ch++)
                {
                    int at = (i * c + ch) * s;
                    var (s1, s2) = GradientSums(new ReadOnlySpan<T>(xa, xo + at, s), new ReadOnlySpan<T>(dya, dyo + at, s), savedMean.Span[ch]);
                    sumDy[ch] += s1;
                    sumDyCentered[ch] += s2;
                }
            for (int ch = c0; ch < c1; ch++)
            {
                double rd = double.CreateTruncating(savedInvStd.Span[ch]), gd = double.CreateTruncating(gamma.Span[ch]);
                double sumDyXhat = rd * sumDyCentered[ch];
                dbeta.Span[ch] += T.CreateTruncating(sumDy[ch]);
                dgamma.Span[ch] += T.CreateTruncating(sumDyXhat);
                // dx = σ⁻¹·(γ·dy − A − x̂·Q) = (σ⁻¹γ)·dy + (−σ⁻²Q)·(x − μ) − σ⁻¹A, A = γ·mean(dy), Q = γ·mean(dy·x̂)
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
                    var dys = new ReadOnlySpan<T>(dya, dyo + at, s);
                    var dxs = new Span<T>(dxa, dxo + at, s);
                    T mean = coefficients[4 * ch], a = coefficients[4 * ch + 1], q = coefficients[4 * ch + 2], k = coefficients[4 * ch + 3];
                    if (accumulate) InputGradientPlane<T, Accumulate>(xs, dys, mean, a, q, k, dxs);
                    else InputGradientPlane<T, Overwrite>(xs, dys, mean, a, q, k, dxs);
                }
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
        Parallel.For(0, blocks, cpu.Parallel, k => body(k * channels / blocks, (k + 1) * channels / blocks));
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

    /// <summary>(Σ dy, Σ dy·(x − mean)) over a plane.</summary>
    private static (double SumDy, double SumDyCentered) GradientSums<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, T mean)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ref T rx = ref MemoryMarshal.GetReference(x);
        ref T rd = ref MemoryMarshal.GetReference(dy);
        int w = Vector<T>.Count, i = 0, length = x.Length;
        var vm = new Vector<T>(mean);
        Vector<T> s0 = Vector<T>.Zero, s1 = Vector<T>.Zero, p0 = Vector<T>.Zero, p1 = Vector<T>.Zero;
        for (; i <= length - 2 * w; i += 2 * w)
        {
            var g0 = Vector.LoadUnsafe(ref rd, (nuint)i);
            var g1 = Vector.LoadUnsafe(ref rd, (nuint)(i + w));
            s0 += g0; p0 += g0 * (Vector.LoadUnsafe(ref rx, (nuint)i) - vm);
            s1 += g1; p1 += g1 * (Vector.LoadUnsafe(ref rx, (nuint)(i + w)) - vm);
        }
        for (; i <= length - w; i += w)
        {
            var g0 = Vector.LoadUnsafe(ref rd, (nuint)i);
            s0 += g0; p0 += g0 * (Vector.LoadUnsafe(ref rx, (nuint)i) - vm);
        }
        T sum = Vector.Sum(s0 + s1), product = Vector.Sum(p0 + p1);
        for (; i < length; i++)
        {
            sum += dy[i];
            product += dy[i] * (x[i] - mean);
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

    /// <summary>dx (+)= a·dy + q·(x − mean) + k over a plane.</summary>
    private static void InputGradientPlane<T, TMode>(ReadOnlySpan<T> x, ReadOnlySpan<T> dy, T mean, T a, T q, T k, Span<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TMode : struct, IWriteMode
    {
        ref T rx = ref MemoryMarshal.GetReference(x);
        ref T rd = ref MemoryMarshal.GetReference(dy);
        ref T ro = ref MemoryMarshal.GetReference(dx);
        int w = Vector<T>.Count, i = 0, length = x.Length;
        Vector<T> vm = new(mean), va = new(a), vq = new(q), vk = new(k);
        for (; i <= length - w; i += w)
        {
            var g = va * Vector.LoadUnsafe(ref rd, (nuint)i) + vq * (Vector.LoadUnsafe(ref rx, (nuint)i) - vm) + vk;
            if (TMode.Accumulates) g += Vector.LoadUnsafe(ref ro, (nuint)i);
            g.StoreUnsafe(ref ro, (nuint)i);
        }
        for (; i < length; i++)
        {
            T g = a * dy[i] + q * (x[i] - mean) + k;
            dx[i] = TMode.Accumulates ? dx[i] + g : g;
        }
    }

    private interface IWriteMode { static abstract bool Accumulates { get; } }
    private readonly struct Overwrite : IWriteMode { public static bool Accumulates => false; }
    private readonly struct Accumulate : IWriteMode { public static bool Accumulates => true; }
}
