using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;
using ILGPU;
using static Cortex.Core.Kernels.NormStatistics;

namespace Cortex.Core.Kernels;

// Batch normalisation followed by a pointwise nonlinearity f, as an area's step applies them: n = BN(x), a = f(n).
// The nonlinearity is folded into the normalising pass forward, and its derivative d = f'(n)·dA into the two
// passes over the elements backward, computed on the fly in each (no intermediate tensor is written): one pass
// over the tensor fewer each way. On the GPU these are the kernels below; on the CPU the same passes run per
// plane ([B, C, H, W], BatchNorm.Planes.cs) or per row ([B, N], BatchNorm.Rows.cs), with the vector forms below
// for identity, relu, tanh and sigmoid. Results agree with BatchNorm followed by Activation.
public static partial class BatchNorm
{
    /// <summary>
    /// Training forward: normalises with the batch statistics (saving μ and σ⁻¹ = 1/√(σ² + ε) for the backward pass and
    /// updating the running averages in place) into <paramref name="normalised"/>, then activated = f(normalised): both are
    /// written (backward needs them). activated must not overlap x or normalised.
    /// </summary>
    public static void ForwardTraining<T, TAct>(Tensor<T> x, Tensor<T> gamma, Tensor<T> beta, Tensor<T> normalised, Tensor<T> activated,
        Tensor<T> savedMean, Tensor<T> savedInvStd, Tensor<T> runningMean, Tensor<T> runningVar, T momentum, T epsilon)
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IActivation<T>
    {
        string op = $"batch norm + {TAct.Name} forward (training)";
        var backend = Check.SameBackend(op, x, gamma, beta, normalised, activated, savedMean, savedInvStd, runningMean, runningVar);
        Check.SameShape(op, "x", x, "activated", activated);
        var (b, c, s) = Layout(op, x);
        Check.SameShape(op, "x", x, "normalised", normalised);
        CheckChannels(op, c, ("gamma", gamma), ("beta", beta), ("savedMean", savedMean), ("savedInvStd", savedInvStd),
            ("runningMean", runningMean), ("runningVar", runningVar));
        Check.InRange(op, "momentum", double.CreateTruncating(momentum), 0, 1);
        CheckEpsilon(op, epsilon);
        if ((long)b * s < 2)
            throw new ArgumentException($"{op}: x {x.Shape} has {(long)b * s} value per channel; batch statistics need at least 2 (B·H·W ≥ 2)");
        if (backend is IlgpuBackend<T> gpu)
        {
            TrainingStatistics(gpu, x, savedMean, savedInvStd, runningMean, runningVar, momentum, epsilon);
            gpu.Launch(NormalizeActivateKernel<T, TAct>, x.Length, x.View, gamma.View, beta.View, savedMean.View, savedInvStd.View, normalised.View,
                activated.View, new Elements(s, c, s, c));
            return;
        }
        var cpu = (CpuBackend<T>)backend;
        double m = double.CreateTruncating(momentum), eps = double.CreateTruncating(epsilon);
        if (s == 1)
            ForwardTrainingRows<T, TAct>(cpu, x, gamma, beta, normalised, activated, savedMean, savedInvStd, runningMean, runningVar, m, eps);
        else
            ForwardTrainingPlanes<T, TAct>(cpu, x, gamma, beta, normalised, activated, savedMean, savedInvStd, runningMean, runningVar, b, c, s,
                m, eps);
    }

    /// <summary>
    /// Backward through activated = f(BN(x)): the batch-norm backward from dn = f'(n)·dActivated, dn computed on the fly
    /// where it is needed and never stored. dgamma and dbeta accumulate; dx is overwritten or added to
    /// (<paramref name="accumulate"/>); dx must not overlap the inputs.
    /// </summary>
    /// <param name="x">The input, [B, C, H, W] or [B, C].</param>
    /// <param name="gamma">The per-channel scale γ, [C].</param>
    /// <param name="savedMean">The batch mean μ per channel, [C], saved by the forward pass.</param>
    /// <param name="savedInvStd">σ⁻¹ = 1/√(var + ε) per channel, [C], saved by the forward pass.</param>
    /// <param name="scratch">Shaped as x and checked as such, but neither backend reads or writes it any more (both compute dn on
    /// the fly); kept so that callers need not change.</param>
    /// <param name="normalised">n = BN(x) from the forward pass.</param>
    /// <param name="activated">f(n) from the forward pass.</param>
    /// <param name="dActivated">∂L/∂activated, shaped as x.</param>
    /// <param name="dx">Receives ∂L/∂x (or has it added, with <paramref name="accumulate"/>), shaped as x.</param>
    /// <param name="dgamma">∂L/∂γ, [C], accumulated.</param>
    /// <param name="dbeta">∂L/∂β, [C], accumulated.</param>
    /// <param name="accumulate">Add to dx rather than overwrite it.</param>
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
        var (b, c, s) = Layout(op, x);
        Check.SameShape(op, "x", x, "dx", dx);
        CheckChannels(op, c, ("gamma", gamma), ("savedMean", savedMean), ("savedInvStd", savedInvStd), ("dgamma", dgamma), ("dbeta", dbeta));
        if (backend is not IlgpuBackend<T> gpu)
        {
            var cpu = (CpuBackend<T>)backend;
            if (s == 1)
                BackwardRows<T, TAct>(cpu, x, gamma, savedMean, savedInvStd, normalised, activated, dActivated, dx, dgamma, dbeta, accumulate);
            else
                BackwardPlanes<T, TAct>(cpu, x, gamma, savedMean, savedInvStd, normalised, activated, dActivated, dx, dgamma, dbeta, accumulate,
                    b, c, s);
            return;
        }
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

    // ---- The CPU per-element forms of the fused passes (vector loops over one plane). ----

    /// <summary>Values normalised at a time before f is applied to them (kept in L1) when f has no in-register form here.</summary>
    private const int ActivationPiece = 2048;

    /// <summary>
    /// n = x·scale + shift and a = f(n) over a plane, in one pass over x: in registers for relu and identity; for the other
    /// activations a piece of n at a time is normalised and then activated while it is in L1 (TensorPrimitives' SIMD
    /// tanh and sigmoid, as <see cref="Activation.Forward{T, TAct}"/> uses). n may be x.
    /// </summary>
    private static void NormalizeActivatePlane<T, TAct>(ReadOnlySpan<T> x, T scale, T shift, Span<T> n, Span<T> act)
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IActivation<T>
    {
        bool relu = typeof(TAct) == typeof(Relu<T>);
        if (!relu && typeof(TAct) != typeof(Identity<T>))
        {
            for (int start = 0, piece; start < x.Length; start += piece)
            {
                piece = x.Length - start < 2 * ActivationPiece ? x.Length - start : ActivationPiece; // no short last piece
                AffinePlane(x.Slice(start, piece), scale, shift, n.Slice(start, piece));
                Activation.ForwardSpan<T, TAct>(n.Slice(start, piece), act.Slice(start, piece));
            }
            return;
        }
        ref T rx = ref MemoryMarshal.GetReference(x);
        ref T rn = ref MemoryMarshal.GetReference(n);
        ref T ra = ref MemoryMarshal.GetReference(act);
        int w = Vector<T>.Count, i = 0, length = x.Length;
        var va = new Vector<T>(scale);
        var vb = new Vector<T>(shift);
        for (; i <= length - w; i += w)
        {
            var v = Vector.LoadUnsafe(ref rx, (nuint)i) * va + vb;
            v.StoreUnsafe(ref rn, (nuint)i);
            if (relu) v = Vector.ConditionalSelect(Vector.GreaterThan(v, Vector<T>.Zero), v, Vector<T>.Zero);
            v.StoreUnsafe(ref ra, (nuint)i);
        }
        for (; i < length; i++)
        {
            T v = x[i] * scale + shift;
            n[i] = v;
            act[i] = TAct.Forward(v);
        }
    }

    /// <summary>Whether <see cref="Gradient{T, TAct}(ref T, ref T, ref T, nuint)"/> has a vector form for f: identity, relu, tanh and sigmoid.</summary>
    private static bool InRegisterGradient<T, TAct>() where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IActivation<T>
        => typeof(TAct) == typeof(Identity<T>) || typeof(TAct) == typeof(Relu<T>) || typeof(TAct) == typeof(Tanh<T>)
            || typeof(TAct) == typeof(Sigmoid<T>);

    /// <summary>
    /// d = f'(n)·dA for the vector at i, reading only what f needs: relu n > 0 ? dA : 0 (a select), tanh dA·(1 − a²), sigmoid
    /// dA·a·(1 − a), identity dA (n and a unread; they may be empty). The same values as <see cref="IActivation{T}.Backward"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Gradient<T, TAct>(ref T n, ref T act, ref T dA, nuint i)
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IActivation<T>
    {
        var d = Vector.LoadUnsafe(ref dA, i);
        if (typeof(TAct) == typeof(Relu<T>))
            return Vector.ConditionalSelect(Vector.GreaterThan(Vector.LoadUnsafe(ref n, i), Vector<T>.Zero), d, Vector<T>.Zero);
        if (typeof(TAct) == typeof(Tanh<T>))
        {
            var v = Vector.LoadUnsafe(ref act, i);
            return d * (Vector<T>.One - v * v);
        }
        if (typeof(TAct) == typeof(Sigmoid<T>))
        {
            var v = Vector.LoadUnsafe(ref act, i);
            return d * v * (Vector<T>.One - v);
        }
        return d;
    }

    /// <summary>The scalar d = f'(n)·dA at i (identity reads dA only).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Gradient<T, TAct>(ReadOnlySpan<T> n, ReadOnlySpan<T> act, ReadOnlySpan<T> dA, int i)
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IActivation<T>
        => typeof(TAct) == typeof(Identity<T>) ? dA[i] : TAct.Backward(n[i], act[i], dA[i]);

    /// <summary>d = f'(n)·dA over a plane into buffer (for activations without an in-register form).</summary>
    private static ReadOnlySpan<T> Derivative<T, TAct>(ReadOnlySpan<T> n, ReadOnlySpan<T> act, ReadOnlySpan<T> dA, T[] buffer)
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IActivation<T>
    {
        var d = buffer.AsSpan(0, n.Length);
        Activation.BackwardSpan<T, TAct>(n, act, dA, d, accumulate: false);
        return d;
    }
}
