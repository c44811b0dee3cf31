using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;
using ILGPU;
using static Cortex.Core.Kernels.NormStatistics;

namespace Cortex.Core.Kernels;

// Batch normalisation followed by a pointwise nonlinearity f, as an area's step applies them: n = BN(x), a = f(n).
// On the GPU the nonlinearity is folded into the normalising kernel forward, and its derivative into the two
// passes over the elements backward (one launch and one pass over the tensor fewer each way); the CPU path
// runs the two families one after the other. Results agree with BatchNorm followed by Activation.
public static partial class BatchNorm
{
    /// <summary>
    /// <see cref="ForwardTraining{T}"/> into <paramref name="normalised"/>, then activated = f(normalised): both are
    /// written (backward needs them). activated must not overlap x or normalised.
    /// </summary>
    public static void ForwardTraining<T, TAct>(Tensor<T> x, Tensor<T> gamma, Tensor<T> beta, Tensor<T> normalised, Tensor<T> activated,
        Tensor<T> savedMean, Tensor<T> savedInvStd, Tensor<T> runningMean, Tensor<T> runningVar, T momentum, T epsilon)
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IActivation<T>
    {
        string op = $"batch norm + {TAct.Name} forward (training)";
        var backend = Check.SameBackend(op, x, gamma, beta, normalised, activated, savedMean, savedInvStd, runningMean, runningVar);
        Check.SameShape(op, "x", x, "activated", activated);
        if (backend is not IlgpuBackend<T> gpu)
        {
            ForwardTraining(x, gamma, beta, normalised, savedMean, savedInvStd, runningMean, runningVar, momentum, epsilon);
            Activation.Forward<T, TAct>(normalised, activated);
            return;
        }
        var (b, c, s) = Layout(op, x);
        Check.SameShape(op, "x", x, "normalised", normalised);
        CheckChannels(op, c, ("gamma", gamma), ("beta", beta), ("savedMean", savedMean), ("savedInvStd", savedInvStd),
            ("runningMean", runningMean), ("runningVar", runningVar));
        Check.InRange(op, "momentum", double.CreateTruncating(momentum), 0, 1);
        CheckEpsilon(op, epsilon);
        if ((long)b * s < 2)
            throw new ArgumentException($"{op}: x {x.Shape} has {(long)b * s} value per channel; batch statistics need at least 2 (B·H·W ≥ 2)");
        TrainingStatistics(gpu, x, savedMean, savedInvStd, runningMean, runningVar, momentum, epsilon);
        gpu.Launch(NormalizeActivateKernel<T, TAct>, x.Length, x.View, gamma.View, beta.View, savedMean.View, savedInvStd.View, normalised.View,
            activated.View, new Elements(s, c, s, c));
    }

    /// <summary>
    /// Backward through activated = f(BN(x)): dn = f'(n)·dActivated, then <see cref="Backward{T}"/> from dn. dgamma and dbeta
    /// accumulate; dx is overwritten or added to (<paramref name="accumulate"/>). <paramref name="scratch"/> (shaped as x) may
    /// receive dn (the CPU path keeps it there; the GPU path computes it on the fly and leaves it untouched).
    /// </summary>
    /// <param name="normalised">n = BN(x) from the forward pass.</param>
    /// <param name="activated">f(n) from the forward pass.</param>
    public static void Backward<T, TAct>(Tensor<T> x, Tensor<T> gamma, Tensor<T> savedMean, Tensor<T> savedInvStd, Tensor<T> normalised,
        Tensor<T> activated, Tensor<T> dActivated, Tensor<T> scratch, Tensor<T> dx, Tensor<T> dgamma, Tensor<T> dbeta, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IActivation<T>
    {
        string op = $"batch norm + {TAct.Name} backward";
        var backend = Check.SameBackend(op, x, gamma, savedMean, savedInvStd, normalised, activated, dActivated, scratch, dx, dgamma, dbeta);
        Check.SameShape(op, "x", x, "normalised", normalised);
        Check.SameShape(op, "x", x, "activated", activated);
        Check.SameShape(op, "x", x, "dActivated", dActivated);
        Check.SameShape(op, "x", x, "scratch", scratch);
        if (backend is not IlgpuBackend<T> gpu)
        {
            Activation.Backward<T, TAct>(normalised, activated, dActivated, scratch);
            Backward(x, gamma, savedMean, savedInvStd, scratch, dx, dgamma, dbeta, accumulate);
            return;
        }
        var (b, c, s) = Layout(op, x);
        Check.SameShape(op, "x", x, "dx", dx);
        CheckChannels(op, c, ("gamma", gamma), ("savedMean", savedMean), ("savedInvStd", savedInvStd), ("dgamma", dgamma), ("dbeta", dbeta));
        long n = (long)b * s;
        int parts = WidePartitions(n);
        var workspace = gpu.Workspace("batchnorm.partials", 2L * c * parts + 2L * c + 2L * c * FoldLanes);
        var partials = workspace.SubView(0, 2L * c * parts);
        var coefficients = workspace.SubView(2L * c * parts, 2L * c);
        var folded = workspace.SubView(2L * c * parts + 2L * c, 2L * c * FoldLanes);
        gpu.Launch(ActivatedGradientPartialsKernel<T, TAct>, c * parts, x.View, normalised.View, activated.View, dActivated.View, savedMean.View,
            partials, new Segments(b, c, s, parts, 1));
        var (sums, lanes) = Fold(gpu, partials, 2 * c, parts, folded);
        gpu.Launch(ParameterGradientKernel, c, sums, gamma.View, savedInvStd.View, dgamma.View, dbeta.View, coefficients, lanes, T.CreateTruncating(1.0 / n));
        gpu.Launch(ActivatedInputGradientKernel<T, TAct>, x.Length, x.View, normalised.View, activated.View, dActivated.View, gamma.View,
            savedMean.View, savedInvStd.View, coefficients, dx.View, new Elements(s, c, s, c), accumulate ? 1 : 0);
    }

    /// <summary>normalised = (x − μ)·σ⁻¹·γ_c + β_c; activated = f(normalised).</summary>
    private static void NormalizeActivateKernel<T, TAct>(Index1D i, ArrayView<T> x, ArrayView<T> gamma, ArrayView<T> beta, ArrayView<T> mean,
        ArrayView<T> invStd, ArrayView<T> normalised, ArrayView<T> activated, Elements e)
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IActivation<T>
    {
        int c = i / e.Spatial % e.Channels;
        T v = Normalize(x[i], mean[c], invStd[c], gamma[c], beta[c]);
        normalised[i] = v;
        activated[i] = TAct.Forward(v);
    }

    /// <summary>As <see cref="GradientPartialsKernel{T}"/> with dy = f'(n)·dActivated computed in place.</summary>
    private static void ActivatedGradientPartialsKernel<T, TAct>(Index1D index, ArrayView<T> x, ArrayView<T> normalised, ArrayView<T> activated,
        ArrayView<T> dActivated, ArrayView<T> mean, ArrayView<T> partials, Segments g)
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IActivation<T>
    {
        long c = index / g.Parts;
        Start(g, c, index % g.Parts, out int o, out int i, out long e, out int qo, out int qi, out long row);
        T m = mean[c];
        T sdy = T.Zero, sdyx = T.Zero;
        while (o < g.Outer)
        {
            T d = TAct.Backward(normalised[e], activated[e], dActivated[e]);
            sdy += d;
            sdyx += d * (x[e] - m);
            Step(g, ref o, ref i, ref e, qo, qi, row);
        }
        partials[index] = sdy;
        partials[(long)g.Count * g.Parts + index] = sdyx;
    }

    /// <summary>As <see cref="InputGradientKernel{T}"/> with dy = f'(n)·dActivated computed in place.</summary>
    private static void ActivatedInputGradientKernel<T, TAct>(Index1D i, ArrayView<T> x, ArrayView<T> normalised, ArrayView<T> activated,
        ArrayView<T> dActivated, ArrayView<T> gamma, ArrayView<T> mean, ArrayView<T> invStd, ArrayView<T> coefficients, ArrayView<T> dx,
        Elements e, int accumulate)
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IActivation<T>
    {
        int c = i / e.Spatial % e.Channels;
        T r = invStd[c];
        T dy = TAct.Backward(normalised[i], activated[i], dActivated[i]);
        T g = InputGradient(gamma[c] * dy, (x[i] - mean[c]) * r, r, coefficients[c], coefficients[e.StatCount + c]);
        dx[i] = accumulate != 0 ? dx[i] + g : g;
    }
}
