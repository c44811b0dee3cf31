using System.Numerics;
using Cortex.Areas.Activations;
using Cortex.Areas.Modes;
using Cortex.Areas.Norms;
using Cortex.Areas.Options;
using Cortex.Areas.Projections;
using Cortex.Core.Kernels;
using Cortex.Core.Optimisers;
using Cortex.Core.Simulation;
using Cortex.Core.Tensors;

namespace Cortex.Areas.Dynamics;

/// <summary>
/// <c>kind: gated</c>: a convolutional gated recurrent area (ConvGRU-like, in the spirit of Nayebi et al. 2018's gated
/// cells). With u(t) the modulated drive (its projections play the GRU's input weights of the candidate) and h' = h(t − 1):
/// <code>
/// z = σ(W_z ⋆ u + U_z ∗ h' + b_z)          update gate   (W: 1×1 convolutions, U: k×k convolutions of the area's own state)
/// r = σ(W_r ⋆ u + U_r ∗ h' + b_r)          reset gate
/// c = f(N_t(u + U_h ∗ (r ⊙ h') + b_h))     candidate     (N an optional normalisation; b_h only where N would not cancel it)
/// h(t) = h' + α·z ⊙ (c − h'),  α = dt/τ     the gate is a learned, per-unit, input-dependent leak; τ &gt; dt slows it further
/// </code>
/// Its own weights are synapses (tied over time like projections'); it needs a spatial shape.
/// </summary>
public sealed class GatedArea : AreaKind
{
    /// <inheritdoc/>
    public override string Word => "gated";

    /// <inheritdoc/>
    public override string Summary => "convolutional gated recurrent area (update and reset gates over its own state)";

    /// <inheritdoc/>
    public override bool Normalises => true;

    /// <inheritdoc/>
    public override IReadOnlyList<OptionKey> Keys =>
    [
        new("kernel", "odd integer ≥ 1", "3", "the size of the convolutions of the area's own state (U_z, U_r, U_h)"),
        new("activation", string.Join(" | ", ActivationFunctions.All.Words), "tanh", "the candidate's nonlinearity f"),
        NormKinds.Key,
        new("tau", "number ≥ dt", "dt", "a fixed leak on top of the gate: h moves by α·z of the way to the candidate, α = dt/τ"),
        InitialStates.Key,
    ];

    /// <inheritdoc/>
    public override AreaOptions Read(IOptionReader reader, TimeAxis time)
    {
        int kernel = reader.Int("kernel", 1) ?? 3;
        if (kernel % 2 == 0)
        {
            reader.Error("kernel", $"kernel must be odd, so that the state convolutions keep the map's size, got {kernel}");
            kernel = 3;
        }
        double tau = reader.Positive("tau") ?? time.Dt;
        if (tau < time.Dt)
        {
            reader.Error("tau", $"tau must be ≥ dt so that α = dt/τ ≤ 1, got tau {OptionText.Number(tau)} with dt {OptionText.Number(time.Dt)}");
            tau = time.Dt;
        }
        return new Options(kernel, reader.Word("activation", ActivationFunctions.All) ?? ActivationFunctions.Tanh, NormKinds.Read(reader), tau,
            InitialStates.Read(reader), time.Dt);
    }

    /// <summary>A gated area's options.</summary>
    /// <param name="Kernel">k of the state convolutions.</param>
    /// <param name="Activation">The candidate's f.</param>
    /// <param name="Norm">The candidate's normalisation.</param>
    /// <param name="Tau">τ of the fixed leak.</param>
    /// <param name="InitialState">h(0).</param>
    /// <param name="Dt">dt.</param>
    public sealed record Options(int Kernel, ActivationFunction Activation, NormOptions Norm, double Tau, InitialState InitialState, double Dt) : AreaOptions
    {
        /// <inheritdoc/>
        public override AreaKind Kind => AreaKinds.All["gated"];

        /// <inheritdoc/>
        public override bool LearnedInitialState => InitialState == InitialState.Learned;

        /// <inheritdoc/>
        public override void Write(IOptionWriter writer)
        {
            writer.Add("kernel", $"{Kernel}");
            writer.Add("activation", Activation.Word);
            NormKinds.Write(Norm, writer);
            writer.Add("tau", OptionText.Number(Tau));
            writer.Add("initial_state", InitialStates.Word(InitialState));
        }

        /// <inheritdoc/>
        public override AreaModel Resolve(AreaContext context, IIssues issues)
        {
            if (!context.Shape.IsSpatial)
                issues.Error("kind", $"kind gated convolves the area's own state, so {context.Name} needs a spatial shape [C, H, W], not {context.Shape}");
            return new Model(this, context, issues);
        }
    }

    private sealed class Model : AreaModel
    {
        private readonly Options o;
        private readonly DriveModulation modulation;
        private readonly Normalisation norm;
        private readonly MemoryPlan plan = new();
        private readonly Slot z, r, gated, candidateInput, candidate;
        private readonly Slot dz, dzPre, dr, drPre, dGated, dCandidate, dCandidateInput, dDrive;
        private readonly bool candidateBias;

        public Model(Options options, AreaContext context, IIssues issues)
        {
            o = options;
            Context = context;
            var shape = context.Dimensions;
            modulation = new DriveModulation(context.Modes, shape, plan);
            z = plan.Steps("update gate", shape);
            r = plan.Steps("reset gate", shape);
            gated = plan.Steps("reset state r ⊙ h", shape);
            candidateInput = plan.Steps("candidate input", shape);
            candidate = plan.Steps("candidate", shape);
            norm = o.Norm.Resolve(new NormContext($"{context.Name}.norm", shape, context.Steps), plan, issues);
            (dz, dzPre, dr, drPre) = (plan.Scratch("update gate gradient", shape), plan.Scratch("update gate input gradient", shape),
                plan.Scratch("reset gate gradient", shape), plan.Scratch("reset gate input gradient", shape));
            (dGated, dCandidate, dCandidateInput, dDrive) = (plan.Scratch("reset state gradient", shape), plan.Scratch("candidate gradient", shape),
                plan.Scratch("candidate input gradient", shape), plan.Scratch("drive gradient", shape));
            candidateBias = !o.Norm.CancelsChannelBias(context.Channels);
        }

        public override AreaContext Context { get; }

        private int C => Context.Channels;

        private ParameterSpec Weight(string name, int kernel) => new($"{Context.Name}.{name}.weight", [C, C, kernel, kernel], Context.Copies, Synaptic: true, Decay: true);

        private ParameterSpec[] Weights => [Weight("update.input", 1), Weight("update.state", o.Kernel), Weight("reset.input", 1), Weight("reset.state", o.Kernel),
            Weight("candidate.state", o.Kernel)];

        private ParameterSpec[] Biases => [new($"{Context.Name}.update.bias", [C]), new($"{Context.Name}.reset.bias", [C]),
            .. candidateBias ? [new ParameterSpec($"{Context.Name}.candidate.bias", [C])] : Array.Empty<ParameterSpec>()];

        public override IReadOnlyList<ParameterSpec> Parameters => [.. Weights, .. Biases, .. norm.Parameters, .. InitialStates.Parameters(o.InitialState, Context)];

        public override long MacsPerUpdate => Weights.Sum(w => w.Size) * Context.Shape.Height * Context.Shape.Width;

        public override string Describe() =>
            $"ConvGRU {o.Kernel}×{o.Kernel}, {o.Activation.Word}, {norm.Describe()}{(o.Tau > o.Dt ? $", τ = {OptionText.Number(o.Tau)}" : "")}{modulation.Describe()}"
            + (o.InitialState == InitialState.Learned ? ", learned h(0)" : "");

        public override int InputDepth => 1;

        public override int? StateDepth => 1;

        public override bool LearnedInitialState => o.InitialState == InitialState.Learned;

        public override MemoryPlan Memory => plan;

        public override IAreaOp<T> Create<T>(ParameterStore<T> store, int seed) => new Op<T>(this, store, seed);

        private sealed class Op<T> : IAreaOp<T> where T : unmanaged, IFloatingPointIeee754<T>
        {
            private readonly Model model;
            private readonly SynapseWeights<T> wz, uz, wr, ur, uh;
            private readonly Parameter<T> bz, br;
            private readonly Parameter<T>? bh;
            private readonly INormalisedActivation<T> norm;
            private readonly InitialStateOp<T> initial;
            private readonly ActivationFunction sigmoid = ActivationFunctions.Sigmoid;
            private readonly T alpha;
            private readonly int padding;

            public Op(Model model, ParameterStore<T> store, int seed)
            {
                this.model = model;
                var w = model.Weights;
                SynapseWeights<T> Make(int i) => new SynapseWeights<T>(w[i], WeightSign.None, store).Initialise(WeightInit.Xavier, 1, unchecked(seed + 1000 * i));
                (wz, uz, wr, ur, uh) = (Make(0), Make(1), Make(2), Make(3), Make(4));
                var b = model.Biases;
                bz = b[0].Add(store);
                br = b[1].Add(store);
                bh = b.Length > 2 ? b[2].Add(store) : null;
                norm = model.norm.Create(store, model.o.Activation);
                initial = new InitialStateOp<T>(InitialStates.Parameters(model.o.InitialState, model.Context).Select(p => p.Add(store)).FirstOrDefault());
                alpha = T.CreateChecked(model.o.Dt / model.o.Tau);
                padding = model.o.Kernel / 2;
            }

            public string Name => model.Context.Name;
            public int[] Shape => model.Context.Dimensions;
            public int Inputs => model.Inputs;
            public MemoryPlan Memory => model.plan;
            public bool LearnedInitialState => initial.Learned;
            public bool CarriesState => true;

            public void Begin(AreaMemory<T> m) => initial.Begin(m.State[0]);

            public void Step(AreaMemory<T> m, int t, int copy, bool training)
            {
                var own = m.Own;
                var hp = m.State[t - 1];
                var u = model.modulation.Forward(m, t);
                var (z, r) = (own.History(model.z)[t], own.History(model.r)[t]);
                Gate(u, hp, wz, uz, bz, z, copy);
                Gate(u, hp, wr, ur, br, r, copy);
                var g = own.History(model.gated)[t];
                Elementwise.Multiply(r, hp, g);
                var cp = own.History(model.candidateInput)[t];
                Conv2d.Forward(g, uh.Value(copy), bh?.Value, cp, 1, padding);
                Elementwise.Add(cp, u, cp);
                var c = own.History(model.candidate)[t];
                norm.Forward(cp, c, own, t, training);
                GatedUpdate.Forward(hp, z, c, m.State[t], alpha);
            }

            /// <summary>gate = σ(W ⋆ u + U ∗ h' + b).</summary>
            private void Gate(Tensor<T> u, Tensor<T> hp, SynapseWeights<T> w, SynapseWeights<T> state, Parameter<T> bias, Tensor<T> gate, int copy)
            {
                Conv2d.Forward(u, w.Value(copy), bias.Value, gate, 1, 0);
                Conv2d.Forward(hp, state.Value(copy), null, gate, 1, padding, accumulate: true);
                sigmoid.Forward(gate, gate);
            }

            public IReadOnlyList<Tensor<T>?> StepBackward(AreaMemory<T> m, int t, int copy)
            {
                var own = m.Own;
                var hp = m.State[t - 1];
                var dhp = m.DState[t - 1];
                var u = model.modulation.Output(m, t);
                var (z, r, g) = (own.History(model.z)[t], own.History(model.r)[t], own.History(model.gated)[t]);
                var (cp, c) = (own.History(model.candidateInput)[t], own.History(model.candidate)[t]);
                var (dz, dc, dcp, du) = (own.Tensor(model.dz), own.Tensor(model.dCandidate), own.Tensor(model.dCandidateInput), own.Tensor(model.dDrive));
                GatedUpdate.Backward(hp, z, c, m.DState[t], dhp, dz, dc, alpha, accumulatePrevious: true);
                norm.Backward(cp, c, dc, dcp, own, t);
                // cp = u + U_h ∗ (r ⊙ h') + b_h
                dcp.Backend.Copy(dcp, du);
                Conv2d.BackwardWeights(g, dcp, uh.Gradient(copy), bh?.Gradient, 1, padding);
                var dg = own.Tensor(model.dGated);
                Conv2d.BackwardData(dcp, uh.Value(copy), dg, 1, padding, accumulate: false);
                var dr = own.Tensor(model.dr);
                Elementwise.MultiplyBackward(r, hp, dg, dr, null, accumulate: false);
                Elementwise.MultiplyBackward(r, hp, dg, null, dhp, accumulate: true);
                GateBackward(u, hp, r, dr, own.Tensor(model.drPre), wr, ur, br, du, dhp, copy);
                GateBackward(u, hp, z, dz, own.Tensor(model.dzPre), wz, uz, bz, du, dhp, copy);
                return model.modulation.Backward(m, t, du);
            }

            /// <summary>Through gate = σ(W ⋆ u + U ∗ h' + b): weight and bias gradients, du += …, dh' += ….</summary>
            private void GateBackward(Tensor<T> u, Tensor<T> hp, Tensor<T> gate, Tensor<T> dGate, Tensor<T> dPre, SynapseWeights<T> w, SynapseWeights<T> state,
                Parameter<T> bias, Tensor<T> du, Tensor<T> dhp, int copy)
            {
                sigmoid.Backward(gate, gate, dGate, dPre);
                Conv2d.BackwardWeights(u, dPre, w.Gradient(copy), bias.Gradient, 1, 0);
                Conv2d.BackwardData(dPre, w.Value(copy), du, 1, 0, accumulate: true);
                Conv2d.BackwardWeights(hp, dPre, state.Gradient(copy), null, 1, padding);
                Conv2d.BackwardData(dPre, state.Value(copy), dhp, 1, padding, accumulate: true);
            }

            public void EndBackward(AreaMemory<T> m) => initial.EndBackward(m.DState[0]);
        }
    }
}
