using System.Numerics;
using Cortex.Core.Kernels;
using Cortex.Core.Optimisers;
using Cortex.Core.Simulation;
using Cortex.Core.Tensors;

namespace Cortex.Areas;

/// <summary>
/// An area kind: what its update is, as data. The update at step t is
/// <code>
/// d(t) = Σ additive projections + b                       (the simulator sums the projections into Drive[t])
/// m(t) = d(t) ⊙ (1 + tanh g(t))                            (only with multiplicative projections; g = their sum)
/// n(t) = BN_t(m(t))                                         (norm: per-step, shared or none)
/// h(t) = (1 − α)·h(t − 1) + α·f(n(t)),  α = dt/τ            (α = 1: h(t) = f(n(t)))
/// </code>
/// </summary>
/// <param name="Shape">The state of one image: [C, H, W] or [N] (a vector area: every unit is a channel).</param>
/// <param name="Tau">τ in units of dt; α = dt/τ. With <paramref name="TauTrainable"/> one τ per channel, initialised to this value.</param>
/// <param name="HasGain">Whether any multiplicative projection targets this area.</param>
public sealed record AreaDynamics(string Name, int[] Shape, ActivationKind Activation, NormalisationMode Norm, double Tau, double Dt,
    bool TauTrainable, bool Bias, InitialState InitialState, bool HasGain)
{
    public int Channels => Shape[0];
    public double Alpha => Dt / Tau;

    /// <summary>Whether h(t) keeps part of h(t − 1): τ &gt; dt, or τ learned.</summary>
    public bool IsLeaky => TauTrainable || Tau > Dt;

    /// <summary>Momentum of the running normalisation statistics and ε (PyTorch's defaults).</summary>
    public const double NormMomentum = 0.1, NormEpsilon = 1e-5;
}

/// <summary>
/// An area's step function and its backward over the arena's <see cref="AreaMemory{T}"/>, with its parameters
/// (bias [C]; normalisation γ, β [T, C] per step or [C] shared; τ [C]; initial state [C, H, W]) held in the
/// parameter store. It loops over nothing: the simulator calls it once per step.
/// </summary>
public sealed class Area<T> : IAreaOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly AreaDynamics d;
    private readonly int steps;
    private readonly Parameter<T>? bias, tau, initial;
    private readonly Tensor<T>? alpha, dAlpha;
    private readonly NormViews[]? norm;
    private readonly T alphaValue, dt, momentum, epsilon;

    public Area(AreaDynamics dynamics, int steps, ParameterStore<T> store)
    {
        d = dynamics;
        this.steps = steps;
        var backend = store.Backend;
        int c = d.Channels;
        alphaValue = T.CreateChecked(d.Alpha);
        dt = T.CreateChecked(d.Dt);
        momentum = T.CreateChecked(AreaDynamics.NormMomentum);
        epsilon = T.CreateChecked(AreaDynamics.NormEpsilon);
        if (d.Bias) bias = store.Add($"{d.Name}.bias", new Shape(c), applyWeightDecay: false);
        if (d.Norm != NormalisationMode.None)
        {
            var shape = d.Norm == NormalisationMode.PerStep ? new Shape(steps, c) : new Shape(c);
            var gamma = store.Add($"{d.Name}.norm.gamma", shape, applyWeightDecay: false);
            var beta = store.Add($"{d.Name}.norm.beta", shape, applyWeightDecay: false);
            backend.Fill(gamma.Value, T.One);
            var runningMean = store.Buffer($"{d.Name}.norm.running_mean", shape);
            var runningVar = store.Buffer($"{d.Name}.norm.running_var", shape);
            backend.Fill(runningVar, T.One);
            norm = NormAt(steps, d.Norm, gamma, beta, runningMean, runningVar);
        }
        if (d.TauTrainable)
        {
            tau = store.Add($"{d.Name}.tau", new Shape(c), applyWeightDecay: false);
            backend.Fill(tau.Value, T.CreateChecked(d.Tau));
            alpha = store.Buffer($"{d.Name}.alpha", new Shape(c));
            dAlpha = store.Buffer($"{d.Name}.alpha.gradient", new Shape(c));
        }
        if (d.InitialState == InitialState.Learned)
            initial = store.Add($"{d.Name}.initial_state", new Shape(d.Shape), applyWeightDecay: false);
    }

    public string Name => d.Name;
    public int[] Shape => d.Shape;
    public AreaDynamics Dynamics => d;
    public AreaNeeds Needs => new(d.HasGain, d.Norm != NormalisationMode.None, d.IsLeaky, d.Channels);
    public bool LearnedInitialState => initial is not null;

    public void Begin(AreaMemory<T> m)
    {
        var h0 = m.State[0];
        var backend = h0.Backend;
        if (initial is null) backend.Fill(h0, T.Zero);
        else
        {
            int n = initial.Value.Length;
            for (int b = 0; b < h0.Shape[0]; b++) backend.Copy(initial.Value, h0.Slice(b * n, initial.Shape));
        }
        if (tau is not null) ChannelLeakyIntegration.Alpha(tau.Value, alpha!, dt);
    }

    public void Step(AreaMemory<T> m, int t, bool training)
    {
        var drive = m.Drive[t];
        if (bias is not null) Elementwise.AddChannelBias(drive, bias.Value);
        if (m.Gate is not null) Gain.Forward(drive, m.Gate[t], m.Modulated![t]);
        if (norm is not null && training)
        {
            // One pass normalises and applies f (the GPU fuses them).
            var n = norm[t];
            Activations.NormForwardTraining(d.Activation, m.NormInput(t), n.Gamma, n.Beta, m.Normalised![t], m.Act(t), m.Mean![t], m.InvStd![t],
                n.Mean, n.Var, momentum, epsilon);
        }
        else
        {
            if (norm is not null)
            {
                var n = norm[t];
                BatchNorm.ForwardInference(m.NormInput(t), n.Gamma, n.Beta, m.Normalised![t], n.Mean, n.Var, epsilon);
            }
            Activations.Forward(d.Activation, m.Pre(t), m.Act(t));
        }
        if (!d.IsLeaky) return;
        if (alpha is not null) ChannelLeakyIntegration.Forward(m.State[t - 1], m.Act(t), m.State[t], alpha);
        else LeakyIntegration.Forward(m.State[t - 1], m.Act(t), m.State[t], alphaValue);
    }

    public (Tensor<T> DDrive, Tensor<T>? DGate) StepBackward(AreaMemory<T> m, int t)
    {
        var dState = m.DState[t];
        var dAct = dState;
        if (d.IsLeaky)
        {
            dAct = m.DAct!;
            if (alpha is not null)
            {
                if (t == steps) dState.Backend.Fill(dAlpha!, T.Zero);
                ChannelLeakyIntegration.Backward(m.State[t - 1], m.Act(t), dState, m.DState[t - 1], dAct, alpha, dAlpha);
            }
            else
            {
                LeakyIntegration.Backward(m.State[t - 1], m.Act(t), dState, m.DState[t - 1], dAct, alphaValue, accumulatePrevious: true, accumulateInput: false);
            }
        }
        var dNormIn = m.DPre;
        if (norm is not null)
        {
            // f' and the normalisation's backward in one go (DPre is scratch for the CPU path).
            var n = norm[t];
            Activations.NormBackward(d.Activation, m.NormInput(t), n.Gamma, m.Mean![t], m.InvStd![t], m.Pre(t), m.Act(t), dAct, m.DPre,
                m.DNormIn!, n.DGamma, n.DBeta);
            dNormIn = m.DNormIn!;
        }
        else Activations.Backward(d.Activation, m.Pre(t), m.Act(t), dAct, m.DPre);
        Tensor<T> dDrive = dNormIn;
        Tensor<T>? dGate = null;
        if (m.Gate is not null)
        {
            Gain.Backward(m.Drive[t], m.Gate[t], dNormIn, m.DDrive!, m.DGate!);
            (dDrive, dGate) = (m.DDrive!, m.DGate!);
        }
        if (bias is not null) Elementwise.ChannelBiasBackward(dDrive, bias.Gradient);
        return (dDrive, dGate);
    }

    public void EndBackward(AreaMemory<T> m)
    {
        if (initial is not null)
        {
            var dh0 = m.DState[0];
            Reduce.SumOverAxes(dh0, dh0.Shape[0], initial.Value.Length, 1, initial.Gradient, accumulate: true);
        }
        if (tau is not null) ChannelLeakyIntegration.AlphaBackward(tau.Value, dAlpha!, tau.Gradient, dt);
    }

    /// <summary>γ, β, the running statistics and the γ, β gradients used at step t: the step's own [C] rows (per-step), or the one set (shared). Made once.</summary>
    private static NormViews[] NormAt(int steps, NormalisationMode mode, Parameter<T> gamma, Parameter<T> beta, Tensor<T> mean, Tensor<T> variance)
        => [.. Enumerable.Range(0, steps + 1).Select(t => mode == NormalisationMode.PerStep
            ? new NormViews(gamma.Value.Step(Math.Max(t - 1, 0)), beta.Value.Step(Math.Max(t - 1, 0)), mean.Step(Math.Max(t - 1, 0)),
                variance.Step(Math.Max(t - 1, 0)), gamma.Gradient.Step(Math.Max(t - 1, 0)), beta.Gradient.Step(Math.Max(t - 1, 0)))
            : new NormViews(gamma.Value, beta.Value, mean, variance, gamma.Gradient, beta.Gradient))];

    private sealed record NormViews(Tensor<T> Gamma, Tensor<T> Beta, Tensor<T> Mean, Tensor<T> Var, Tensor<T> DGamma, Tensor<T> DBeta);
}

/// <summary>The nonlinearity f named by an <see cref="ActivationKind"/>, dispatched to the generic kernels.</summary>
internal static class Activations
{
    public static void Forward<T>(ActivationKind kind, Tensor<T> x, Tensor<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (kind)
        {
            case ActivationKind.Relu: Activation.Forward<T, Relu<T>>(x, y); break;
            case ActivationKind.Tanh: Activation.Forward<T, Tanh<T>>(x, y); break;
            case ActivationKind.Sigmoid: Activation.Forward<T, Sigmoid<T>>(x, y); break;
            case ActivationKind.Softplus: Activation.Forward<T, Softplus<T>>(x, y); break;
            default: Activation.Forward<T, Identity<T>>(x, y); break;
        }
    }

    /// <summary>Training batch norm of x into n, then a = f(n) (<see cref="BatchNorm.ForwardTraining{T, TAct}"/>).</summary>
    public static void NormForwardTraining<T>(ActivationKind kind, Tensor<T> x, Tensor<T> gamma, Tensor<T> beta, Tensor<T> n, Tensor<T> a,
        Tensor<T> mean, Tensor<T> invStd, Tensor<T> runningMean, Tensor<T> runningVar, T momentum, T epsilon) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (kind)
        {
            case ActivationKind.Relu: BatchNorm.ForwardTraining<T, Relu<T>>(x, gamma, beta, n, a, mean, invStd, runningMean, runningVar, momentum, epsilon); break;
            case ActivationKind.Tanh: BatchNorm.ForwardTraining<T, Tanh<T>>(x, gamma, beta, n, a, mean, invStd, runningMean, runningVar, momentum, epsilon); break;
            case ActivationKind.Sigmoid: BatchNorm.ForwardTraining<T, Sigmoid<T>>(x, gamma, beta, n, a, mean, invStd, runningMean, runningVar, momentum, epsilon); break;
            case ActivationKind.Softplus: BatchNorm.ForwardTraining<T, Softplus<T>>(x, gamma, beta, n, a, mean, invStd, runningMean, runningVar, momentum, epsilon); break;
            default: BatchNorm.ForwardTraining<T, Identity<T>>(x, gamma, beta, n, a, mean, invStd, runningMean, runningVar, momentum, epsilon); break;
        }
    }

    /// <summary>Backward through a = f(BN(x)) from da: dx is overwritten, dγ and dβ accumulate (<see cref="BatchNorm.Backward{T, TAct}"/>).</summary>
    public static void NormBackward<T>(ActivationKind kind, Tensor<T> x, Tensor<T> gamma, Tensor<T> mean, Tensor<T> invStd, Tensor<T> n, Tensor<T> a,
        Tensor<T> da, Tensor<T> scratch, Tensor<T> dx, Tensor<T> dgamma, Tensor<T> dbeta) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (kind)
        {
            case ActivationKind.Relu: BatchNorm.Backward<T, Relu<T>>(x, gamma, mean, invStd, n, a, da, scratch, dx, dgamma, dbeta, accumulate: false); break;
            case ActivationKind.Tanh: BatchNorm.Backward<T, Tanh<T>>(x, gamma, mean, invStd, n, a, da, scratch, dx, dgamma, dbeta, accumulate: false); break;
            case ActivationKind.Sigmoid: BatchNorm.Backward<T, Sigmoid<T>>(x, gamma, mean, invStd, n, a, da, scratch, dx, dgamma, dbeta, accumulate: false); break;
            case ActivationKind.Softplus: BatchNorm.Backward<T, Softplus<T>>(x, gamma, mean, invStd, n, a, da, scratch, dx, dgamma, dbeta, accumulate: false); break;
            default: BatchNorm.Backward<T, Identity<T>>(x, gamma, mean, invStd, n, a, da, scratch, dx, dgamma, dbeta, accumulate: false); break;
        }
    }

    public static void Backward<T>(ActivationKind kind, Tensor<T> x, Tensor<T> y, Tensor<T> dy, Tensor<T> dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (kind)
        {
            case ActivationKind.Relu: Activation.Backward<T, Relu<T>>(x, y, dy, dx); break;
            case ActivationKind.Tanh: Activation.Backward<T, Tanh<T>>(x, y, dy, dx); break;
            case ActivationKind.Sigmoid: Activation.Backward<T, Sigmoid<T>>(x, y, dy, dx); break;
            case ActivationKind.Softplus: Activation.Backward<T, Softplus<T>>(x, y, dy, dx); break;
            default: Activation.Backward<T, Identity<T>>(x, y, dy, dx); break;
        }
    }
}
