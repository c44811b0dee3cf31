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
/// <c>kind: cornet-rt</c>: CORnet-RT's block (Kubilius et al. 2018, CORblock_RT). The projections into the area are the
/// block's conv_input (with the area's bias as its bias); then, with h' = h(t − 1),
/// <code>
/// a = f(GN_input(d(t)))   when a drive arrives at t (else a = 0: "no input yet", as CORnet-RT's inp = None)
/// x = conv1(a + h')       one k×k convolution (no bias) shared by the feedforward and recurrent paths
/// h(t) = f(GN_1(x))
/// </code>
/// with GN group normalisation (<c>groups</c>, CORnet-RT's 32) and f relu. conv1's weights are the area's own synapses.
/// </summary>
public sealed class CornetRtArea : AreaKind
{
    /// <inheritdoc/>
    public override string Word => "cornet-rt";

    /// <inheritdoc/>
    public override string Summary => "CORnet-RT block: f(GN(drive)) + h(t−1) → conv → GN → f";

    /// <inheritdoc/>
    public override bool Normalises => false;

    /// <inheritdoc/>
    public override IReadOnlyList<OptionKey> Keys =>
    [
        new("groups", "integer ≥ 1 dividing the channels", "32", "channel groups of both group normalisations"),
        new("kernel", "odd integer ≥ 1", "3", "the size of conv1, the convolution of input + state"),
        new("activation", string.Join(" | ", ActivationFunctions.All.Words), "relu", "the nonlinearity f"),
        new("bias", "true | false", "true", "a learned bias per channel on the drive (conv_input's bias)"),
        InitialStates.Key,
    ];

    /// <inheritdoc/>
    public override AreaOptions Read(IOptionReader reader, TimeAxis time)
    {
        int kernel = reader.Int("kernel", 1) ?? 3;
        if (kernel % 2 == 0)
        {
            reader.Error("kernel", $"kernel must be odd, so that conv1 keeps the map's size, got {kernel}");
            kernel = 3;
        }
        return new Options(reader.Int("groups", 1) ?? 32, kernel, reader.Word("activation", ActivationFunctions.All) ?? ActivationFunctions.Relu,
            reader.Bool("bias") ?? true, InitialStates.Read(reader));
    }

    /// <summary>A CORnet-RT block's options.</summary>
    /// <param name="Groups">G of both group normalisations.</param>
    /// <param name="Kernel">conv1's k.</param>
    /// <param name="Activation">f.</param>
    /// <param name="Bias">Whether the drive has a bias.</param>
    /// <param name="InitialState">h(0).</param>
    public sealed record Options(int Groups, int Kernel, ActivationFunction Activation, bool Bias, InitialState InitialState) : AreaOptions
    {
        /// <inheritdoc/>
        public override AreaKind Kind => AreaKinds.All["cornet-rt"];

        /// <inheritdoc/>
        public override bool LearnedInitialState => InitialState == InitialState.Learned;

        /// <inheritdoc/>
        public override void Write(IOptionWriter writer)
        {
            writer.Add("groups", $"{Groups}");
            writer.Add("kernel", $"{Kernel}");
            writer.Add("activation", Activation.Word);
            writer.Add("bias", OptionText.Bool(Bias));
            writer.Add("initial_state", InitialStates.Word(InitialState));
        }

        /// <inheritdoc/>
        public override AreaModel Resolve(AreaContext context, IIssues issues)
        {
            if (!context.Shape.IsSpatial)
                issues.Error("kind", $"kind cornet-rt convolves input and state, so {context.Name} needs a spatial shape [C, H, W], not {context.Shape}");
            return new Model(this, context, issues);
        }
    }

    private sealed class Model : AreaModel
    {
        private readonly Options o;
        private readonly DriveModulation modulation;
        private readonly Normalisation inputNorm, outputNorm;
        private readonly MemoryPlan plan = new();
        private readonly Slot input, sum, convolved, dConvolved, dSum, dDrive;

        public Model(Options options, AreaContext context, IIssues issues)
        {
            o = options;
            Context = context;
            var shape = context.Dimensions;
            var group = new GroupNormalisation.Options(o.Groups);
            modulation = new DriveModulation(context.Modes, shape, plan);
            inputNorm = group.Resolve(new NormContext($"{context.Name}.norm_input", shape, context.Steps), plan, issues);
            input = plan.Steps("input activity", shape);
            sum = plan.Steps("input + state", shape);
            convolved = plan.Steps("conv1 output", shape);
            outputNorm = group.Resolve(new NormContext($"{context.Name}.norm1", shape, context.Steps), plan, new Silent());
            (dConvolved, dSum, dDrive) = (plan.Scratch("conv1 output gradient", shape), plan.Scratch("input + state gradient", shape), plan.Scratch("drive gradient", shape));
        }

        public override AreaContext Context { get; }

        private ParameterSpec Conv1 => new($"{Context.Name}.conv1.weight", [Context.Channels, Context.Channels, o.Kernel, o.Kernel], Context.Copies, Synaptic: true, Decay: true);

        private ParameterSpec[] Bias => o.Bias ? [new($"{Context.Name}.bias", [Context.Channels])] : [];

        public override IReadOnlyList<ParameterSpec> Parameters =>
            [.. Bias, .. inputNorm.Parameters, Conv1, .. outputNorm.Parameters, .. InitialStates.Parameters(o.InitialState, Context)];

        public override long MacsPerUpdate => Conv1.Size * Context.Shape.Height * Context.Shape.Width;

        public override string Describe() => $"CORnet-RT block: {o.Activation.Word}(GN{o.Groups}) → + h → conv {o.Kernel}×{o.Kernel} → {o.Activation.Word}(GN{o.Groups}){modulation.Describe()}";

        public override int InputDepth => 1;

        public override int? StateDepth => 1;

        public override bool LearnedInitialState => o.InitialState == InitialState.Learned;

        public override MemoryPlan Memory => plan;

        public override IAreaOp<T> Create<T>(ParameterStore<T> store, int seed) => new Op<T>(this, store, seed);

        /// <summary>The second group norm repeats the first's checks; its messages would be the same.</summary>
        private sealed class Silent : IIssues
        {
            public void Error(string key, string text) { }
            public void Warning(string key, string text) { }
            public bool Declares(string key) => false;
        }

        private sealed class Op<T> : IAreaOp<T> where T : unmanaged, IFloatingPointIeee754<T>
        {
            private readonly Model model;
            private readonly Parameter<T>? bias;
            private readonly INormalisedActivation<T> inputNorm, outputNorm;
            private readonly SynapseWeights<T> conv1;
            private readonly InitialStateOp<T> initial;
            private readonly int padding;

            public Op(Model model, ParameterStore<T> store, int seed)
            {
                this.model = model;
                bias = model.Bias.Select(b => b.Add(store)).FirstOrDefault();
                inputNorm = model.inputNorm.Create(store, model.o.Activation);
                conv1 = new SynapseWeights<T>(model.Conv1, WeightSign.None, store).Initialise(WeightInit.Kaiming, 1, seed);
                outputNorm = model.outputNorm.Create(store, model.o.Activation);
                initial = new InitialStateOp<T>(InitialStates.Parameters(model.o.InitialState, model.Context).Select(p => p.Add(store)).FirstOrDefault());
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
                var a = own.History(model.input)[t];
                if (model.Context.DriveAt[t])
                {
                    if (bias is not null) Elementwise.AddChannelBias(m.Inputs[0][t], bias.Value);
                    inputNorm.Forward(model.modulation.Forward(m, t), a, own, t, training);
                }
                else a.Backend.Fill(a, T.Zero);
                var s = own.History(model.sum)[t];
                Elementwise.Add(a, m.State[t - 1], s);
                var x = own.History(model.convolved)[t];
                Conv2d.Forward(s, conv1.Value(copy), null, x, 1, padding);
                outputNorm.Forward(x, m.State[t], own, t, training);
            }

            public IReadOnlyList<Tensor<T>?> StepBackward(AreaMemory<T> m, int t, int copy)
            {
                var own = m.Own;
                var (s, x) = (own.History(model.sum)[t], own.History(model.convolved)[t]);
                var (dx, ds) = (own.Tensor(model.dConvolved), own.Tensor(model.dSum));
                outputNorm.Backward(x, m.State[t], m.DState[t], dx, own, t);
                Conv2d.BackwardWeights(s, dx, conv1.Gradient(copy), null, 1, padding);
                Conv2d.BackwardData(dx, conv1.Value(copy), ds, 1, padding, accumulate: false);
                var dhp = m.DState[t - 1];
                Elementwise.Add(dhp, ds, dhp);
                if (!model.Context.DriveAt[t]) return new Tensor<T>?[model.Inputs];
                var du = own.Tensor(model.dDrive);
                inputNorm.Backward(model.modulation.Output(m, t), own.History(model.input)[t], ds, du, own, t);
                var gradients = model.modulation.Backward(m, t, du);
                if (bias is not null) Elementwise.ChannelBiasBackward(gradients[0], bias.Gradient);
                return gradients;
            }

            public void EndBackward(AreaMemory<T> m) => initial.EndBackward(m.DState[0]);
        }
    }
}
