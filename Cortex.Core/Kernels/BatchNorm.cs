using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;
using ILGPU;
using static Cortex.Core.Kernels.NormStatistics;

namespace Cortex.Core.Kernels;

/// <summary>
/// Batch normalisation over x [B, C, H, W] or [B, C] (seen as [B, C, S], S = H·W or 1): each channel c is
/// normalised with statistics over its B·S values, y = γ_c·(x − μ_c)/√(σ²_c + ε) + β_c.
/// <para>
/// Conventions (those of PyTorch's BatchNorm): the batch variance that normalises is the biased one
/// (divided by N = B·S); the running variance averages the unbiased one (divided by N − 1), so training
/// needs N ≥ 2; running ← (1 − momentum)·running + momentum·batch. A network that keeps statistics per
/// time step holds one set of running statistics per step and passes that step's [C] slices here.
/// </para>
/// <para>
/// Precision: statistics are computed in the tensor's precision by blocked sums. On the CPU each [S] plane
/// is summed in vector lanes and the plane sums are added in double; the variance comes from one pass of
/// sums shifted by the channel's first value K, Σ(x − K) and Σ(x − K)², which stays accurate when the
/// mean is large against the spread (the unshifted E[x²] − μ² would not). On the GPU each channel's sum is
/// split over up to 4096 threads of about 32 values each, whose partial sums are folded to 32 per channel
/// and then added, always in a fixed order (deterministic, no atomics).
/// </para>
/// </summary>
public static partial class BatchNorm
{
    /// <summary>Inference forward: y = γ·(x − runningMean)/√(runningVar + ε) + β. y may be x.</summary>
    public static void ForwardInference<T>(Tensor<T> x, Tensor<T> gamma, Tensor<T> beta, Tensor<T> y, Tensor<T> runningMean,
        Tensor<T> runningVar, T epsilon)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "batch norm forward (inference)";
        var backend = Check.SameBackend(op, x, gamma, beta, y, runningMean, runningVar);
        var (b, c, s) = Layout(op, x);
        Check.SameShape(op, "x", x, "y", y);
        CheckChannels(op, c, ("gamma", gamma), ("beta", beta), ("runningMean", runningMean), ("runningVar", runningVar));
        CheckEpsilon(op, epsilon);

        if (backend is IlgpuBackend<T> gpu)
        {
            var invStd = gpu.Workspace("batchnorm.inference", c);
            gpu.Launch(InvStdKernel, c, runningVar.View, invStd, epsilon);
            gpu.Launch(NormalizeKernel, x.Length, x.View, gamma.View, beta.View, runningMean.View, invStd, y.View, new Elements(s, c, s, c));
            return;
        }

        var cpu = (CpuBackend<T>)backend;
        double eps = double.CreateTruncating(epsilon);
        if (s == 1)
        {
            ForwardInferenceRows(cpu, x, gamma, beta, y, runningMean, runningVar, eps);
            return;
        }
        For(cpu, c, x.Length, ch =>
        {
            T scale = InvStd<T>(double.CreateTruncating(runningVar.Span[ch]), eps) * gamma.Span[ch];
            T shift = beta.Span[ch] - runningMean.Span[ch] * scale;
            for (int i = 0; i < b; i++)
                Affine<T>(x.Span.Slice((i * c + ch) * s, s), scale, shift, y.Span.Slice((i * c + ch) * s, s));
        });
    }

    /// <summary>The GPU half of the training statistics: μ, σ⁻¹ and the running averages, from x [B, C, S] (validated by the caller).</summary>
    private static void TrainingStatistics<T>(IlgpuBackend<T> gpu, Tensor<T> x, Tensor<T> savedMean, Tensor<T> savedInvStd,
        Tensor<T> runningMean, Tensor<T> runningVar, T momentum, T epsilon)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (b, c, s) = Layout("batch norm forward (training)", x);
        long n = (long)b * s;
        int parts = WidePartitions(n);
        var workspace = gpu.Workspace("batchnorm.partials", (long)c * parts + (long)c * FoldLanes);
        var partials = workspace.SubView(0, (long)c * parts);
        var folded = workspace.SubView((long)c * parts, (long)c * FoldLanes);
        var segments = new Segments(b, c, s, parts, 1);
        gpu.Launch(SumPartialsKernel, c * parts, x.View, partials, segments);
        var (sums, lanes) = Fold(gpu, partials, c, parts, folded);
        gpu.Launch(MeanKernel, c, sums, savedMean.View, lanes, T.CreateTruncating(1.0 / n));
        gpu.Launch(CenteredSquarePartialsKernel, c * parts, x.View, savedMean.View, partials, segments);
        (sums, lanes) = Fold(gpu, partials, c, parts, folded);
        gpu.Launch(StatisticsKernel, c, sums, savedMean.View, savedInvStd.View, runningMean.View, runningVar.View, lanes,
            new Constants<T>(momentum, epsilon, T.CreateTruncating(1.0 / n), T.CreateTruncating(1.0 / (n - 1))));
    }

    /// <summary>Scalars of the statistics kernel: momentum, ε, 1/N, 1/(N − 1).</summary>
    internal readonly record struct Constants<T>(T Momentum, T Epsilon, T InvCount, T InvCountMinusOne) where T : unmanaged;

    /// <summary>From the centred partial sums: σ⁻¹ = 1/√(Σ/N + ε), and the running averages (unbiased variance Σ/(N − 1)).</summary>
    private static void StatisticsKernel<T>(Index1D c, ArrayView<T> partials, ArrayView<T> mean, ArrayView<T> invStd,
        ArrayView<T> runningMean, ArrayView<T> runningVar, int parts, Constants<T> k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T squares = SumRun(partials, (long)c.X * parts, 1, parts);
        invStd[c] = T.One / T.Sqrt(squares * k.InvCount + k.Epsilon);
        T keep = T.One - k.Momentum;
        runningMean[c] = keep * runningMean[c] + k.Momentum * mean[c];
        runningVar[c] = keep * runningVar[c] + k.Momentum * squares * k.InvCountMinusOne;
    }

    private static void InvStdKernel<T>(Index1D c, ArrayView<T> variance, ArrayView<T> invStd, T epsilon)
        where T : unmanaged, IFloatingPointIeee754<T>
        => invStd[c] = T.One / T.Sqrt(variance[c] + epsilon);

    /// <summary>
    /// dbeta += Σ dy, dgamma += σ⁻¹·Σ dy·(x − μ); coefficients[c] = γ·mean(dy), coefficients[C + c] = γ·mean(dy·x̂).
    /// </summary>
    private static void ParameterGradientKernel<T>(Index1D c, ArrayView<T> partials, ArrayView<T> gamma, ArrayView<T> invStd,
        ArrayView<T> dgamma, ArrayView<T> dbeta, ArrayView<T> coefficients, int parts, T invCount)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long channels = coefficients.Length / 2;
        T sumDy = SumRun(partials, (long)c.X * parts, 1, parts);
        T sumDyCentered = SumRun(partials, (channels + c) * parts, 1, parts);
        T sumDyXhat = sumDyCentered * invStd[c];
        dbeta[c] += sumDy;
        dgamma[c] += sumDyXhat;
        coefficients[c] = gamma[c] * sumDy * invCount;
        coefficients[channels + c] = gamma[c] * sumDyXhat * invCount;
    }
}
