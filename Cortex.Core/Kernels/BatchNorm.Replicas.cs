using System.Buffers;
using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Simulation;
using Cortex.Core.Tensors;
using static Cortex.Core.Kernels.NormStatistics;

namespace Cortex.Core.Kernels;

// Synchronised batch normalisation: the batch is the global batch of a data-parallel run, spread over replicas (each holds
// a slice of x), and every channel is normalised with the mean and variance of the whole global batch, so that N replicas
// compute what one process computes on the global batch, to within rounding. Each replica computes per-channel sums over
// its slice and the replicas sum them (IReplicas.Sum, in double):
//   forward   Σx and the count (→ the global mean μ), then Σ(x − K) and Σ(x − K)² about K = μ rounded to T (→ the biased
//             variance, as the one-process CPU path computes it about its shift); running averages from the global
//             statistics, so they stay equal on every replica;
//   backward  Σd and Σd·(x − μ), d = f'(n)·dA (→ the two means of dx); γ and β gradients accumulate this replica's own
//             sums, because the training step sums parameter gradients over the replicas afterwards.
// Three sums of C (+ 1) values per call, each a round trip between replicas (and, on the GPU, between device and host).
public static partial class BatchNorm
{
    /// <summary>
    /// <see cref="ForwardTraining{T, TAct}(Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T}, T, T)"/>
    /// with the statistics of the global batch, of which x is this replica's slice: savedMean and savedInvStd receive the
    /// global μ and σ⁻¹, and the running averages the global batch's (the same on every replica).
    /// </summary>
    /// <param name="replicas">The replicas that hold the other slices; every one of them makes the same call.</param>
    /// <param name="x">The input, [B, C, H, W] or [B, C].</param>
    /// <param name="gamma">The per-channel scale γ, [C].</param>
    /// <param name="beta">The per-channel shift β, [C].</param>
    /// <param name="normalised">Receives n = γ·(x − μ)·σ⁻¹ + β, shaped as x.</param>
    /// <param name="activated">Receives f(n), shaped as x.</param>
    /// <param name="savedMean">The batch mean μ per channel, [C], saved by the forward pass.</param>
    /// <param name="savedInvStd">σ⁻¹ = 1/√(var + ε) per channel, [C], saved by the forward pass.</param>
    /// <param name="runningMean">The running mean, [C], moved toward the batch mean by <paramref name="momentum"/>.</param>
    /// <param name="runningVar">The running (unbiased) variance, [C], moved likewise.</param>
    /// <param name="momentum">The weight of the new batch in the running averages, in [0, 1].</param>
    /// <param name="epsilon">Added to the variance before the square root (&gt; 0).</param>
    public static void ForwardTraining<T, TAct>(Tensor<T> x, Tensor<T> gamma, Tensor<T> beta, Tensor<T> normalised, Tensor<T> activated,
        Tensor<T> savedMean, Tensor<T> savedInvStd, Tensor<T> runningMean, Tensor<T> runningVar, T momentum, T epsilon, IReplicas replicas)
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IActivation<T>
    {
        string op = $"batch norm + {TAct.Name} forward (training, over {replicas.Count} replicas)";
        var backend = Check.SameBackend(op, x, gamma, beta, normalised, activated, savedMean, savedInvStd, runningMean, runningVar);
        Check.SameShape(op, "x", x, "activated", activated);
        Check.SameShape(op, "x", x, "normalised", normalised);
        var (b, c, s) = Layout(op, x);
        CheckChannels(op, c, ("gamma", gamma), ("beta", beta), ("savedMean", savedMean), ("savedInvStd", savedInvStd),
            ("runningMean", runningMean), ("runningVar", runningVar));
        Check.InRange(op, "momentum", double.CreateTruncating(momentum), 0, 1);
        CheckEpsilon(op, epsilon);
        long local = (long)b * s;

        // Σx over the global batch, and its size.
        var sums = new double[c + 1];
        if (backend is IlgpuBackend<T> gpu) ChannelSums(gpu, x, b, c, s, savedMean, sums);
        else ChannelSums((CpuBackend<T>)backend, x, b, c, s, sums);
        sums[c] = local;
        replicas.Sum(sums);
        double count = sums[c];
        if (count < 2)
            throw new ArgumentException($"{op}: the global batch has {count} value per channel; batch statistics need at least 2 (B·H·W ≥ 2)");
        var shift = new T[c];
        for (int ch = 0; ch < c; ch++) shift[ch] = T.CreateTruncating(sums[ch] / count);

        // Σ(x − K) and Σ(x − K)² about K = the global mean in T.
        var centred = new double[2 * c];
        if (backend is IlgpuBackend<T> g) CentredSums(g, x, b, c, s, shift, savedMean, savedInvStd, centred);
        else CentredSums((CpuBackend<T>)backend, x, b, c, s, shift, centred);
        replicas.Sum(centred);

        double m = double.CreateTruncating(momentum), eps = double.CreateTruncating(epsilon);
        var mean = new T[c];
        var invStd = new T[c];
        var (gammaHost, betaHost) = (gamma.ToArray(), beta.ToArray());
        var (runMean, runVar) = (runningMean.ToArray(), runningVar.ToArray());
        var scales = new T[c];
        var shifts = new T[c];
        for (int ch = 0; ch < c; ch++)
        {
            double offset = centred[ch] / count;
            double variance = Math.Max(0, centred[c + ch] / count - offset * offset);   // biased
            double mu = double.CreateTruncating(shift[ch]) + offset;
            double r = 1 / Math.Sqrt(variance + eps);
            double scale = r * double.CreateTruncating(gammaHost[ch]);
            mean[ch] = T.CreateTruncating(mu);
            invStd[ch] = T.CreateTruncating(r);
            scales[ch] = T.CreateTruncating(scale);
            shifts[ch] = T.CreateTruncating(double.CreateTruncating(betaHost[ch]) - mu * scale);
            runMean[ch] = T.CreateTruncating((1 - m) * double.CreateTruncating(runMean[ch]) + m * mu);
            runVar[ch] = T.CreateTruncating((1 - m) * double.CreateTruncating(runVar[ch]) + m * variance * count / (count - 1));
        }
        backend.Upload(mean, savedMean);
        backend.Upload(invStd, savedInvStd);
        backend.Upload(runMean, runningMean);
        backend.Upload(runVar, runningVar);

        if (backend is IlgpuBackend<T> device)
        {
            device.Launch(NormalizeActivateKernel<T, TAct>, x.Length, x.View, gamma.View, beta.View, savedMean.View, savedInvStd.View, normalised.View,
                activated.View, new Elements(s, c, s, c));
            return;
        }
        var (xa, xo) = x.HostArray;
        var (ya, yo) = normalised.HostArray;
        var (aa, ao) = activated.HostArray;
        For((CpuBackend<T>)backend, c, x.Length, ch =>
        {
            for (int i = 0; i < b; i++)
            {
                int at = (i * c + ch) * s;
                NormalizeActivatePlane<T, TAct>(new ReadOnlySpan<T>(xa, xo + at, s), scales[ch], shifts[ch], new Span<T>(ya, yo + at, s),
                    new Span<T>(aa, ao + at, s));
            }
        });
    }

    /// <summary>
    /// <see cref="Backward{T, TAct}(Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T}, bool)"/>
    /// through the synchronised forward pass: dx uses the means of d and d·x̂ over the global batch; dgamma and dbeta
    /// accumulate this replica's own sums (the caller sums parameter gradients over the replicas).
    /// </summary>
    /// <param name="replicas">The replicas that hold the other slices; every one of them makes the same call.</param>
    /// <param name="x">The input, [B, C, H, W] or [B, C].</param>
    /// <param name="gamma">The per-channel scale γ, [C].</param>
    /// <param name="savedMean">The batch mean μ per channel, [C], saved by the forward pass.</param>
    /// <param name="savedInvStd">σ⁻¹ = 1/√(var + ε) per channel, [C], saved by the forward pass.</param>
    /// <param name="normalised">n = BN(x) from the forward pass.</param>
    /// <param name="activated">f(n) from the forward pass.</param>
    /// <param name="dActivated">∂L/∂activated, shaped as x.</param>
    /// <param name="dx">Receives ∂L/∂x (or has it added, with <paramref name="accumulate"/>), shaped as x.</param>
    /// <param name="dgamma">∂L/∂γ, [C], accumulated.</param>
    /// <param name="dbeta">∂L/∂β, [C], accumulated.</param>
    /// <param name="accumulate">Add to dx rather than overwrite it.</param>
    public static void Backward<T, TAct>(Tensor<T> x, Tensor<T> gamma, Tensor<T> savedMean, Tensor<T> savedInvStd, Tensor<T> normalised,
        Tensor<T> activated, Tensor<T> dActivated, Tensor<T> dx, Tensor<T> dgamma, Tensor<T> dbeta, bool accumulate, IReplicas replicas)
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IActivation<T>
    {
        string op = $"batch norm + {TAct.Name} backward (over {replicas.Count} replicas)";
        var backend = Check.SameBackend(op, x, gamma, savedMean, savedInvStd, normalised, activated, dActivated, dx, dgamma, dbeta);
        Check.SameShape(op, "x", x, "normalised", normalised);
        Check.SameShape(op, "x", x, "activated", activated);
        Check.SameShape(op, "x", x, "dActivated", dActivated);
        Check.SameShape(op, "x", x, "dx", dx);
        var (b, c, s) = Layout(op, x);
        CheckChannels(op, c, ("gamma", gamma), ("savedMean", savedMean), ("savedInvStd", savedInvStd), ("dgamma", dgamma), ("dbeta", dbeta));

        // [Σd (C), Σd·(x − μ) (C), count] over this slice, then over the global batch.
        var sums = new double[2 * c + 1];
        if (backend is IlgpuBackend<T> gpu) GradientSums<T, TAct>(gpu, x, normalised, activated, dActivated, savedMean, b, c, s, sums);
        else GradientSums<T, TAct>((CpuBackend<T>)backend, x, normalised, activated, dActivated, savedMean, b, c, s, sums);
        sums[2 * c] = (long)b * s;
        var (invStd, gammaHost, mean) = (savedInvStd.ToArray(), gamma.ToArray(), savedMean.ToArray());
        var (dg, db) = (dgamma.ToArray(), dbeta.ToArray());
        for (int ch = 0; ch < c; ch++)
        {
            db[ch] += T.CreateTruncating(sums[ch]);
            dg[ch] += T.CreateTruncating(double.CreateTruncating(invStd[ch]) * sums[c + ch]);
        }
        backend.Upload(dg, dgamma);
        backend.Upload(db, dbeta);
        replicas.Sum(sums);
        double count = sums[2 * c];

        // dx = σ⁻¹·(γ·d − A − x̂·Q) = (σ⁻¹γ)·d + (−σ⁻²Q)·(x − μ) − σ⁻¹A, A = γ·mean(d), Q = γ·mean(d·x̂), means over the global batch.
        if (backend is IlgpuBackend<T> device)
        {
            var coefficients = device.Workspace("batchnorm.replicas", new Shape(2 * c));
            var host = new T[2 * c];
            for (int ch = 0; ch < c; ch++)
            {
                double gd = double.CreateTruncating(gammaHost[ch]), rd = double.CreateTruncating(invStd[ch]);
                host[ch] = T.CreateTruncating(gd * sums[ch] / count);
                host[c + ch] = T.CreateTruncating(gd * rd * sums[c + ch] / count);
            }
            device.Upload(host, coefficients);
            device.Launch(ActivatedInputGradientKernel<T, TAct>, x.Length, x.View, normalised.View, activated.View, dActivated.View, gamma.View,
                savedMean.View, savedInvStd.View, coefficients.View, dx.View, new Elements(s, c, s, c), accumulate ? 1 : 0);
            return;
        }
        var terms = new T[3 * c];
        for (int ch = 0; ch < c; ch++)
        {
            double gd = double.CreateTruncating(gammaHost[ch]), rd = double.CreateTruncating(invStd[ch]);
            double meanDxhat = gd * sums[ch] / count, meanDxhatXhat = gd * rd * sums[c + ch] / count;
            terms[3 * ch] = T.CreateTruncating(rd * gd);
            terms[3 * ch + 1] = T.CreateTruncating(-rd * rd * meanDxhatXhat);
            terms[3 * ch + 2] = T.CreateTruncating(-rd * meanDxhat);
        }
        var (xa, xo) = x.HostArray;
        var (na, no) = normalised.HostArray;
        var (aa, ao) = activated.HostArray;
        var (da, dao) = dActivated.HostArray;
        var (dxa, dxo) = dx.HostArray;
        bool inRegisters = InRegisterGradient<T, TAct>();
        For((CpuBackend<T>)backend, c, x.Length, ch =>
        {
            var buffer = inRegisters ? null : ArrayPool<T>.Shared.Rent(s);
            T a = terms[3 * ch], q = terms[3 * ch + 1], k = terms[3 * ch + 2];
            for (int i = 0; i < b; i++)
            {
                int at = (i * c + ch) * s;
                var xs = new ReadOnlySpan<T>(xa, xo + at, s);
                var ns = new ReadOnlySpan<T>(na, no + at, s);
                var acts = new ReadOnlySpan<T>(aa, ao + at, s);
                var das = new ReadOnlySpan<T>(da, dao + at, s);
                var dxs = new Span<T>(dxa, dxo + at, s);
                if (buffer is not null)
                {
                    das = Derivative<T, TAct>(ns, acts, das, buffer);
                    if (accumulate) InputGradientPlane<T, Identity<T>, Accumulate>(xs, default, default, das, mean[ch], a, q, k, dxs);
                    else InputGradientPlane<T, Identity<T>, Overwrite>(xs, default, default, das, mean[ch], a, q, k, dxs);
                }
                else if (accumulate) InputGradientPlane<T, TAct, Accumulate>(xs, ns, acts, das, mean[ch], a, q, k, dxs);
                else InputGradientPlane<T, TAct, Overwrite>(xs, ns, acts, das, mean[ch], a, q, k, dxs);
            }
            if (buffer is not null) ArrayPool<T>.Shared.Return(buffer);
        });
    }

    /// <summary>sums[c] = Σx of channel c over x [B, C, S], each plane summed about its channel's first value, in double.</summary>
    private static void ChannelSums<T>(CpuBackend<T> cpu, Tensor<T> x, int b, int c, int s, double[] sums) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (xa, xo) = x.HostArray;
        For(cpu, c, x.Length, ch =>
        {
            T origin = xa[xo + ch * s];
            double sum = 0;
            for (int i = 0; i < b; i++) sum += ShiftedSums(new ReadOnlySpan<T>(xa, xo + (i * c + ch) * s, s), origin).Sum;
            sums[ch] = sum + (double)b * s * double.CreateTruncating(origin);
        });
    }

    /// <summary>centred[c] = Σ(x − K_c), centred[C + c] = Σ(x − K_c)² over x [B, C, S], in double.</summary>
    private static void CentredSums<T>(CpuBackend<T> cpu, Tensor<T> x, int b, int c, int s, T[] shift, double[] centred)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (xa, xo) = x.HostArray;
        For(cpu, c, x.Length, ch =>
        {
            double sum = 0, squares = 0;
            for (int i = 0; i < b; i++)
            {
                var (s1, s2) = ShiftedSums(new ReadOnlySpan<T>(xa, xo + (i * c + ch) * s, s), shift[ch]);
                sum += s1;
                squares += s2;
            }
            centred[ch] = sum;
            centred[c + ch] = squares;
        });
    }

    /// <summary>sums[c] (first C) = Σd, sums[C + c] = Σd·(x − μ_c) over x [B, C, S], d = f'(n)·dA, in double.</summary>
    private static void GradientSums<T, TAct>(CpuBackend<T> cpu, Tensor<T> x, Tensor<T> normalised, Tensor<T> activated, Tensor<T> dActivated,
        Tensor<T> savedMean, int b, int c, int s, double[] sums)
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IActivation<T>
    {
        var (xa, xo) = x.HostArray;
        var (na, no) = normalised.HostArray;
        var (aa, ao) = activated.HostArray;
        var (da, dao) = dActivated.HostArray;
        bool inRegisters = InRegisterGradient<T, TAct>();
        For(cpu, c, x.Length, ch =>
        {
            var buffer = inRegisters ? null : ArrayPool<T>.Shared.Rent(s);
            T mean = savedMean.Span[ch];
            double sumDy = 0, sumDyCentred = 0;
            for (int i = 0; i < b; i++)
            {
                int at = (i * c + ch) * s;
                var xs = new ReadOnlySpan<T>(xa, xo + at, s);
                var ns = new ReadOnlySpan<T>(na, no + at, s);
                var acts = new ReadOnlySpan<T>(aa, ao + at, s);
                var das = new ReadOnlySpan<T>(da, dao + at, s);
                var (s1, s2) = buffer is null
                    ? GradientSums<T, TAct>(xs, ns, acts, das, mean)
                    : GradientSums<T, Identity<T>>(xs, default, default, Derivative<T, TAct>(ns, acts, das, buffer), mean);
                sumDy += s1;
                sumDyCentred += s2;
            }
            sums[ch] = sumDy;
            sums[c + ch] = sumDyCentred;
            if (buffer is not null) ArrayPool<T>.Shared.Return(buffer);
        });
    }
}
