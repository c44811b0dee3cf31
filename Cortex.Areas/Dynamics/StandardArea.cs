using System.Globalization;
using System.Numerics;
using Cortex.Areas.Activations;
using Cortex.Areas.Modes;
using Cortex.Areas.Norms;
using Cortex.Areas.Options;
using Cortex.Core.Kernels;
using Cortex.Core.Optimisers;
using Cortex.Core.Simulation;
using Cortex.Core.Tensors;

namespace Cortex.Areas.Dynamics;

/// <summary>
/// <c>kind: standard</c> (the default): a rate area whose update at step t is
/// <code>
/// d(t) = Σ additive projections + b                       (the simulator sums the projections into input 0)
/// m(t) = the modulations of d(t) by its modulatory inputs   (mode: multiplicative, divisive, …)
/// h(t) = (1 − α)·h(t − 1) + α·f(N_t(m(t))),  α = dt/τ      (α = 1: h(t) = f(N_t(m(t))))
/// </code>
/// with N a normalisation (none, per-step, shared, group) and f an activation.
/// </summary>
public sealed class StandardArea : AreaKind
{
    /// <inheritdoc/>
    public override string Word => "standard";

    /// <inheritdoc/>
    public override string Summary => "h(t) = (1 − α)·h(t−1) + α·f(N(modulated drive)), α = dt/τ";

    /// <inheritdoc/>
    public override bool Normalises => true;

    /// <inheritdoc/>
    public override IReadOnlyList<OptionKey> Keys =>
    [
        new("activation", string.Join(" | ", ActivationFunctions.All.Words), "relu", "the nonlinearity f"),
        NormKinds.Key,
        new("tau", "number ≥ dt", "dt", "time constant τ; α = dt/τ (τ = dt: a plain recurrent update)"),
        new("tau_trainable", "true | false", "false", "learn τ, one per channel (per unit of a vector area), used as max(τ, dt)"),
        new("bias", "true | false", "false when a normalisation would cancel it, else true", "a learned bias per channel on the drive"),
        InitialStates.Key,
    ];

    /// <inheritdoc/>
    public override AreaOptions Read(IOptionReader reader, TimeAxis time)
    {
        double tau = reader.Positive("tau") ?? time.Dt;
        if (tau < time.Dt)
        {
            reader.Error("tau", $"tau must be ≥ dt so that α = dt/τ ≤ 1, got tau {OptionText.Number(tau)} with dt {OptionText.Number(time.Dt)}");
            tau = time.Dt;
        }
        return new Options(reader.Word("activation", ActivationFunctions.All) ?? ActivationFunctions.Relu, NormKinds.Read(reader), tau,
            reader.Bool("tau_trainable") ?? false, reader.Bool("bias"), InitialStates.Read(reader), time.Dt);
    }

    /// <summary>The options of a standard area.</summary>
    /// <param name="Activation">f.</param>
    /// <param name="Norm">N.</param>
    /// <param name="Tau">τ, in the unit of dt.</param>
    /// <param name="TauTrainable">Whether τ is learned per channel.</param>
    /// <param name="Bias">Whether the drive has a bias; null until <see cref="Complete"/> resolves the default.</param>
    /// <param name="InitialState">h(0).</param>
    /// <param name="Dt">dt.</param>
    public sealed record Options(ActivationFunction Activation, NormOptions Norm, double Tau, bool TauTrainable, bool? Bias, InitialState InitialState, double Dt)
        : AreaOptions
    {
        /// <inheritdoc/>
        public override AreaKind Kind => AreaKinds.Standard;

        /// <inheritdoc/>
        public override bool LearnedInitialState => InitialState == InitialState.Learned;

        /// <summary>Whether h(t) keeps part of h(t − 1): τ &gt; dt, or τ learned.</summary>
        public bool IsLeaky => TauTrainable || Tau > Dt;

        /// <inheritdoc/>
        public override void Write(IOptionWriter writer)
        {
            writer.Add("activation", Activation.Word);
            NormKinds.Write(Norm, writer);
            writer.Add("tau", OptionText.Number(Tau));
            writer.Add("tau_trainable", OptionText.Bool(TauTrainable));
            writer.Add("bias", OptionText.Bool(Bias ?? true));
            writer.Add("initial_state", InitialStates.Word(InitialState));
        }

        /// <summary>Without a <c>bias</c> key an area has a bias unless its normalisation subtracts each channel's mean from a drive no modulation scales: such a bias would cancel.</summary>
        public override AreaOptions Complete(int channels, IReadOnlyList<ProjectionMode> modesInto)
            => Bias is not null ? this : this with { Bias = !Norm.CancelsChannelBias(channels) || modesInto.Any(m => m.Modulatory) };

        /// <inheritdoc/>
        public override AreaModel Resolve(AreaContext context, IIssues issues)
        {
            bool bias = Bias ?? true;
            if (Bias == true && Norm.CancelsChannelBias(context.Channels) && context.Modes.Count == 0)
                issues.Warning("bias", $"{context.Name}'s bias has no effect: normalisation subtracts each channel's mean, bias included (set bias: false, the default here)");
            return new Model(this with { Bias = bias }, context, issues);
        }
    }

    private sealed class Model : AreaModel
    {
        private readonly Options o;
        private readonly DriveModulation modulation;
        private readonly Normalisation norm;
        private readonly MemoryPlan plan = new();
        private readonly Slot activated, dActivated, dNormalisationInput;

        public Model(Options options, AreaContext context, IIssues issues)
        {
            o = options;
            Context = context;
            modulation = new DriveModulation(context.Modes, context.Dimensions, plan);
            norm = o.Norm.Resolve(new NormContext($"{context.Name}.norm", context.Dimensions, context.Steps), plan, issues);
            dNormalisationInput = plan.Scratch("drive gradient", context.Dimensions);
            if (!o.IsLeaky) return;
            activated = plan.Steps("activated", context.Dimensions);
            dActivated = plan.Scratch("activated gradient", context.Dimensions);
        }

        public override AreaContext Context { get; }

        public override string Describe()
        {
            string leak = o.TauTrainable ? $", τ learned (from {OptionText.Number(o.Tau)})" : o.IsLeaky ? $", τ = {OptionText.Number(o.Tau)}" : "";
            return $"{o.Activation.Word}, {norm.Describe()}{leak}{modulation.Describe()}{(o.InitialState == InitialState.Learned ? ", learned h(0)" : "")}";
        }

        public override IReadOnlyList<ParameterSpec> Parameters =>
        [
            .. o.Bias == true ? [new ParameterSpec($"{Context.Name}.bias", [Context.Channels])] : Array.Empty<ParameterSpec>(),
            .. norm.Parameters,
            .. o.TauTrainable ? [new ParameterSpec($"{Context.Name}.tau", [Context.Channels])] : Array.Empty<ParameterSpec>(),
            .. InitialStates.Parameters(o.InitialState, Context),
        ];

        public override int? StateDepth => o.IsLeaky ? 0 : null;

        public override bool LearnedInitialState => o.InitialState == InitialState.Learned;

        public override MemoryPlan Memory => plan;

        public override IAreaOp<T> Create<T>(ParameterStore<T> store, int seed) => new Op<T>(this, store);

        private sealed class Op<T> : IAreaOp<T> where T : unmanaged, IFloatingPointIeee754<T>
        {
            private readonly Model model;
            private readonly Options o;
            private readonly Parameter<T>? bias, tau;
            private readonly INormalisedActivation<T> norm;
            private readonly InitialStateOp<T> initial;
            private readonly Tensor<T>? alpha, dAlpha;
            private readonly T alphaValue, dt;

            public Op(Model model, ParameterStore<T> store)
            {
                this.model = model;
                o = model.o;
                var c = model.Context;
                if (o.Bias == true) bias = store.Add($"{c.Name}.bias", new Shape(c.Channels), applyWeightDecay: false);
                norm = model.norm.Create(store, o.Activation);
                if (o.TauTrainable)
                {
                    tau = store.Add($"{c.Name}.tau", new Shape(c.Channels), applyWeightDecay: false);
                    store.Backend.Fill(tau.Value, T.CreateChecked(o.Tau));
                    alpha = store.Buffer($"{c.Name}.alpha", new Shape(c.Channels));
                    dAlpha = store.Buffer($"{c.Name}.alpha.gradient", new Shape(c.Channels));
                }
                initial = new InitialStateOp<T>(InitialStates.Parameters(o.InitialState, c).Select(p => p.Add(store)).FirstOrDefault());
                alphaValue = T.CreateChecked(o.Dt / o.Tau);
                dt = T.CreateChecked(o.Dt);
            }

            public string Name => model.Context.Name;
            public int[] Shape => model.Context.Dimensions;
            public int Inputs => model.Inputs;
            public MemoryPlan Memory => model.plan;
            public bool LearnedInitialState => initial.Learned;
            public bool CarriesState => o.IsLeaky;

            public void Begin(AreaMemory<T> m)
            {
                initial.Begin(m.State[0]);
                if (tau is not null) ChannelLeakyIntegration.Alpha(tau.Value, alpha!, dt);
            }

            private Tensor<T> Activated(AreaMemory<T> m, int t) => o.IsLeaky ? m.Own.History(model.activated)[t] : m.State[t];

            public void Step(AreaMemory<T> m, int t, int copy, bool training)
            {
                if (bias is not null) Elementwise.AddChannelBias(m.Inputs[0][t], bias.Value);
                var x = model.modulation.Forward(m, t);
                var a = Activated(m, t);
                norm.Forward(x, a, m.Own, t, training);
                if (!o.IsLeaky) return;
                if (alpha is not null) ChannelLeakyIntegration.Forward(m.State[t - 1], a, m.State[t], alpha);
                else LeakyIntegration.Forward(m.State[t - 1], a, m.State[t], alphaValue);
            }

            public IReadOnlyList<Tensor<T>?> StepBackward(AreaMemory<T> m, int t, int copy)
            {
                var dState = m.DState[t];
                var da = dState;
                var a = Activated(m, t);
                if (o.IsLeaky)
                {
                    da = m.Own.Tensor(model.dActivated);
                    if (alpha is not null)
                    {
                        if (t == model.Context.Steps) dState.Backend.Fill(dAlpha!, T.Zero);
                        ChannelLeakyIntegration.Backward(m.State[t - 1], a, dState, m.DState[t - 1], da, alpha, dAlpha);
                    }
                    else LeakyIntegration.Backward(m.State[t - 1], a, dState, m.DState[t - 1], da, alphaValue, accumulatePrevious: true, accumulateInput: false);
                }
                var dx = m.Own.Tensor(model.dNormalisationInput);
                norm.Backward(model.modulation.Output(m, t), a, da, dx, m.Own, t);
                var gradients = model.modulation.Backward(m, t, dx);
                if (bias is not null) Elementwise.ChannelBiasBackward(gradients[0], bias.Gradient);
                return gradients;
            }

            public void EndBackward(AreaMemory<T> m)
            {
                initial.EndBackward(m.DState[0]);
                if (tau is not null) ChannelLeakyIntegration.AlphaBackward(tau.Value, dAlpha!, tau.Gradient, dt);
            }
        }
    }
}
