using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;
using ILGPU;

namespace Cortex.Core.Optimisers;

/// <summary>Hyperparameters of <see cref="Sgd{T}"/>: momentum μ ∈ [0, 1), Nesterov momentum (needs μ &gt; 0), L2 weight decay λ ≥ 0.</summary>
public sealed record SgdOptions(double Momentum = 0, bool Nesterov = false, double WeightDecay = 0);

/// <summary>
/// Stochastic gradient descent with PyTorch's semantics (no dampening): g ← ∇ + λ·p (L2 decay, added to the
/// gradient; skipped for parameters that opt out), v ← μ·v + g, then p ← p − lr·v, or with Nesterov
/// p ← p − lr·(g + μ·v). With μ = 0 it is plain p ← p − lr·g and keeps no state.
/// </summary>
public sealed class Sgd<T> : Optimiser<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Tensor<T>?[] velocity;

    /// <summary>SGD over <paramref name="parameters"/>; with momentum it allocates one velocity tensor per parameter on that parameter's backend.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Momentum outside [0, 1) or weight decay &lt; 0.</exception>
    /// <exception cref="ArgumentException">Nesterov without momentum, or a parameter null or listed twice.</exception>
    public Sgd(IReadOnlyList<Parameter<T>> parameters, SgdOptions? options = null) : base("SGD", parameters)
    {
        Options = options ?? new SgdOptions();
        CheckUnitInterval(Name, "momentum", Options.Momentum);
        CheckNonNegative(Name, "weight decay", Options.WeightDecay);
        if (Options.Nesterov && Options.Momentum == 0)
            throw new ArgumentException($"{Name}: Nesterov momentum needs momentum > 0, got {Options.Momentum}");
        velocity = [.. Parameters.Select(p => Options.Momentum > 0 ? AllocateState("sgd.velocity", p) : null)];
    }

    /// <summary>The hyperparameters, as given or defaulted.</summary>
    public SgdOptions Options { get; }

    /// <inheritdoc/>
    protected override void Update(T learningRate)
    {
        for (int n = 0; n < Parameters.Count; n++)
        {
            var p = Parameters[n];
            var c = new Coefficients(learningRate, T.CreateChecked(Options.Momentum),
                p.ApplyWeightDecay ? T.CreateChecked(Options.WeightDecay) : T.Zero, Options.Nesterov ? 1 : 0);
            var v = velocity[n];
            if (p.Value.Backend is IlgpuBackend<T> gpu)
            {
                // Without momentum there is no velocity; the value's view stands in for it and is never read.
                gpu.Launch(Kernel, p.Value.Length, p.Value.View, p.Gradient.View, (v ?? p.Value).View, c);
                continue;
            }
            CpuParallel.Chunks((CpuBackend<T>)p.Value.Backend, p.Value.Length, (start, length) =>
            {
                var ps = p.Value.Span.Slice(start, length);
                var gs = p.Gradient.Span.Slice(start, length);
                if (v is null)
                {
                    T none = T.Zero;
                    for (int i = 0; i < ps.Length; i++) ps[i] = Element(ps[i], gs[i], ref none, c);
                    return;
                }
                var vs = v.Span.Slice(start, length);
                for (int i = 0; i < ps.Length; i++) ps[i] = Element(ps[i], gs[i], ref vs[i], c);
            });
        }
    }

    /// <inheritdoc/>
    /// <remarks>Two: guard and learning rate.</remarks>
    public override int ScalarCount => 2;

    /// <inheritdoc/>
    protected override void WriteStepScalars(Span<T> scalars, T learningRate, int step) { }

    /// <inheritdoc/>
    protected override void EnqueueUpdate(IlgpuBackend<T> gpu, Tensor<T> scalars)
    {
        for (int n = 0; n < Parameters.Count; n++)
        {
            var p = Parameters[n];
            var c = new Coefficients(T.Zero, T.CreateChecked(Options.Momentum), p.ApplyWeightDecay ? T.CreateChecked(Options.WeightDecay) : T.Zero,
                Options.Nesterov ? 1 : 0);
            gpu.Launch(DeviceScalarKernel, p.Value.Length, p.Value.View, p.Gradient.View, (velocity[n] ?? p.Value).View, scalars.View, c);
        }
    }

    /// <summary><see cref="Kernel"/> with the learning rate read from s = [guard, lr]; nothing where the guard is not 1.</summary>
    private static void DeviceScalarKernel(Index1D i, ArrayView<T> p, ArrayView<T> g, ArrayView<T> v, ArrayView<T> s, Coefficients fixedPart)
    {
        if (s[GuardIndex] != T.One) return;
        Kernel(i, p, g, v, fixedPart with { LearningRate = s[LearningRateIndex] });
    }

    /// <summary>The scalars of one step for one parameter.</summary>
    internal readonly record struct Coefficients(T LearningRate, T Momentum, T WeightDecay, int Nesterov);

    /// <summary>One element: returns the new p and updates the velocity v (untouched when μ = 0).</summary>
    internal static T Element(T p, T gradient, ref T v, Coefficients c)
    {
        T g = gradient + c.WeightDecay * p;
        if (c.Momentum != T.Zero)
        {
            v = c.Momentum * v + g;
            g = c.Nesterov != 0 ? g + c.Momentum * v : v;
        }
        return p - c.LearningRate * g;
    }

    private static void Kernel(Index1D i, ArrayView<T> p, ArrayView<T> g, ArrayView<T> v, Coefficients c)
    {
        T vi = c.Momentum != T.Zero ? v[i] : T.Zero;
        p[i] = Element(p[i], g[i], ref vi, c);
        if (c.Momentum != T.Zero) v[i] = vi;
    }
}
