using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;
using ILGPU;

namespace Cortex.Core.Optimisers;

/// <summary>Hyperparameters of <see cref="AdamW{T}"/>: β1, β2 ∈ [0, 1), ε &gt; 0, decoupled weight decay λ ≥ 0 (PyTorch's defaults).</summary>
public sealed record AdamWOptions(double Beta1 = 0.9, double Beta2 = 0.999, double Epsilon = 1e-8, double WeightDecay = 0.01);

/// <summary>
/// Adam with decoupled weight decay (Loshchilov &amp; Hutter), with PyTorch's semantics. At step t:
/// p ← p − lr·λ·p (skipped for parameters that opt out); m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g²;
/// p ← p − (lr / (1 − β1ᵗ))·m / (√v / √(1 − β2ᵗ) + ε). The step count and the bias corrections live on the
/// host and reach the kernel as scalars (<see cref="Optimiser{T}.Step"/>), or through device memory for a
/// device-resident step (<see cref="IOptimiser{T}.EnqueueUpdate"/>: [guard, lr, lr / (1 − β1ᵗ), 1 / √(1 − β2ᵗ), 1 − lr·λ]).
/// </summary>
public sealed class AdamW<T> : Optimiser<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Tensor<T>[] firstMoment;
    private readonly Tensor<T>[] secondMoment;

    /// <summary>AdamW over <paramref name="parameters"/>, allocating its two moment tensors per parameter on that parameter's backend.</summary>
    /// <exception cref="ArgumentOutOfRangeException">β1 or β2 outside [0, 1), ε ≤ 0 or weight decay &lt; 0.</exception>
    /// <exception cref="ArgumentException">A parameter is null or listed twice.</exception>
    public AdamW(IReadOnlyList<Parameter<T>> parameters, AdamWOptions? options = null) : base("AdamW", parameters)
    {
        Options = options ?? new AdamWOptions();
        CheckUnitInterval(Name, "beta1", Options.Beta1);
        CheckUnitInterval(Name, "beta2", Options.Beta2);
        CheckNonNegative(Name, "epsilon", Options.Epsilon, strict: true);
        CheckNonNegative(Name, "weight decay", Options.WeightDecay);
        firstMoment = [.. Parameters.Select(p => AllocateState("adamw.m", p))];
        secondMoment = [.. Parameters.Select(p => AllocateState("adamw.v", p))];
    }

    /// <summary>The hyperparameters, as given or defaulted.</summary>
    public AdamWOptions Options { get; }

    /// <inheritdoc/>
    protected override void Update(T learningRate)
    {
        double lr = double.CreateChecked(learningRate);
        double correction1 = 1 - Math.Pow(Options.Beta1, StepCount);
        double correction2 = 1 - Math.Pow(Options.Beta2, StepCount);
        for (int n = 0; n < Parameters.Count; n++)
        {
            var p = Parameters[n];
            var c = new Coefficients(
                Decay: T.CreateChecked(p.ApplyWeightDecay ? 1 - lr * Options.WeightDecay : 1),
                Beta1: T.CreateChecked(Options.Beta1), OneMinusBeta1: T.CreateChecked(1 - Options.Beta1),
                Beta2: T.CreateChecked(Options.Beta2), OneMinusBeta2: T.CreateChecked(1 - Options.Beta2),
                StepSize: T.CreateChecked(lr / correction1), InvSqrtCorrection2: T.CreateChecked(1 / Math.Sqrt(correction2)),
                Epsilon: T.CreateChecked(Options.Epsilon));
            Tensor<T> m = firstMoment[n], v = secondMoment[n];
            if (p.Value.Backend is IlgpuBackend<T> gpu)
            {
                gpu.Launch(Kernel, p.Value.Length, p.Value.View, p.Gradient.View, m.View, v.View, c);
                continue;
            }
            CpuParallel.Chunks((CpuBackend<T>)p.Value.Backend, p.Value.Length, (start, length) =>
            {
                var ps = p.Value.Span.Slice(start, length);
                var gs = p.Gradient.Span.Slice(start, length);
                var ms = m.Span.Slice(start, length);
                var vs = v.Span.Slice(start, length);
                for (int i = 0; i < ps.Length; i++) ps[i] = Element(ps[i], gs[i], ref ms[i], ref vs[i], c);
            });
        }
    }

    /// <inheritdoc/>
    /// <remarks>Five: guard, lr, lr / (1 − β1ᵗ), 1 / √(1 − β2ᵗ), 1 − lr·λ.</remarks>
    public override int ScalarCount => 5;

    /// <inheritdoc/>
    protected override void WriteStepScalars(Span<T> scalars, T learningRate, int step)
    {
        double lr = double.CreateChecked(learningRate);
        scalars[2] = T.CreateChecked(lr / (1 - Math.Pow(Options.Beta1, step)));
        scalars[3] = T.CreateChecked(1 / Math.Sqrt(1 - Math.Pow(Options.Beta2, step)));
        scalars[4] = T.CreateChecked(1 - lr * Options.WeightDecay);
    }

    /// <inheritdoc/>
    protected override void EnqueueUpdate(IlgpuBackend<T> gpu, Tensor<T> scalars)
    {
        for (int n = 0; n < Parameters.Count; n++)
        {
            var p = Parameters[n];
            // The step's own values are read on the device; these never change (Decay, StepSize and InvSqrtCorrection2 are placeholders).
            var c = new Coefficients(Decay: T.One, Beta1: T.CreateChecked(Options.Beta1), OneMinusBeta1: T.CreateChecked(1 - Options.Beta1),
                Beta2: T.CreateChecked(Options.Beta2), OneMinusBeta2: T.CreateChecked(1 - Options.Beta2), StepSize: T.Zero, InvSqrtCorrection2: T.One,
                Epsilon: T.CreateChecked(Options.Epsilon));
            gpu.Launch(DeviceScalarKernel, p.Value.Length, p.Value.View, p.Gradient.View, firstMoment[n].View, secondMoment[n].View, scalars.View, c,
                p.ApplyWeightDecay ? 1 : 0);
        }
    }

    /// <summary>
    /// The scalars of one step for one parameter: Decay = 1 − lr·λ, StepSize = lr / (1 − β1ᵗ),
    /// InvSqrtCorrection2 = 1 / √(1 − β2ᵗ).
    /// </summary>
    internal readonly record struct Coefficients(T Decay, T Beta1, T OneMinusBeta1, T Beta2, T OneMinusBeta2,
        T StepSize, T InvSqrtCorrection2, T Epsilon);

    /// <summary>One element: updates the moments m and v and returns the new p.</summary>
    internal static T Element(T p, T g, ref T m, ref T v, Coefficients c)
    {
        m = c.Beta1 * m + c.OneMinusBeta1 * g;
        v = c.Beta2 * v + c.OneMinusBeta2 * g * g;
        return p * c.Decay - c.StepSize * m / (T.Sqrt(v) * c.InvSqrtCorrection2 + c.Epsilon);
    }

    /// <summary><see cref="Kernel"/> with the step's values read from s = [guard, lr, StepSize, InvSqrtCorrection2, Decay]; nothing where the guard is not 1.</summary>
    private static void DeviceScalarKernel(Index1D i, ArrayView<T> p, ArrayView<T> g, ArrayView<T> m, ArrayView<T> v, ArrayView<T> s, Coefficients fixedPart,
        int applyDecay)
    {
        if (s[GuardIndex] != T.One) return;
        var c = fixedPart with { Decay = applyDecay != 0 ? s[4] : T.One, StepSize = s[2], InvSqrtCorrection2 = s[3] };
        Kernel(i, p, g, m, v, c);
    }

    private static void Kernel(Index1D i, ArrayView<T> p, ArrayView<T> g, ArrayView<T> m, ArrayView<T> v, Coefficients c)
    {
        T mi = m[i], vi = v[i];
        p[i] = Element(p[i], g[i], ref mi, ref vi, c);
        m[i] = mi;
        v[i] = vi;
    }
}
