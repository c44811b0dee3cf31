using System.Numerics;
using Cortex.Areas.Options;
using Cortex.Areas.Projections;
using Cortex.Core.Kernels;
using Cortex.Core.Optimisers;
using Cortex.Core.Simulation;
using Cortex.Core.Tensors;

namespace Cortex.Areas.Readouts;

/// <summary>
/// <c>kind: linear</c> (the default): at each read step, z = W·pool(R(h(t))) + b, where R is an optional resampling of
/// the state (e.g. CORnet-Z's last max pool, window 3 stride 2 padding 1) and pool the global average over H×W (C
/// features) or the whole state (C·H·W or N features). Its loss schedule and weight say how it is trained.
/// </summary>
public sealed class LinearReadout : ReadoutKind
{
    private static readonly string[] StepWords = ["all", "final"], Poolings = ["global-average", "none"];

    /// <inheritdoc/>
    public override string Word => "linear";

    /// <inheritdoc/>
    public override string Summary => "global average (or the whole state), then a dense map with bias";

    /// <inheritdoc/>
    public override IReadOnlyList<OptionKey> Keys =>
    [
        new("classes", "integer ≥ 2", "required", "K, the classes scored"),
        new("steps", "all | final | [list of steps]", "all", "the steps at which it produces scores"),
        new("pooling", "global-average | none", "global-average for spatial areas, none for vectors", "how the state becomes features"),
        .. SourceResampling.Keys(upsampling: false),
        new("loss", string.Join(" | ", LossSchedule.Words), "the training's --loss (final)", "its loss schedule over its read steps"),
        new("step_weights", "list of numbers ≥ 0, one per read step", "equal", "weights of every-step; normalised to sum to 1"),
        new("loss_weight", "number ≥ 0", "1", "its weight in the network's loss; weights are normalised over the readouts; 0: evaluated, not trained (another readout must have a weight > 0)"),
    ];

    /// <inheritdoc/>
    public override ReadoutOptions Read(IOptionReader reader, int steps, AreaShape source)
    {
        int classes = (reader.Require("classes") ? reader.Int("classes", 2, what: "classes (at least two)") : null) ?? 2;
        IReadOnlyList<int>? list = null;
        int? word = null;
        if (reader.IsList("steps"))
        {
            list = reader.Ints("steps", 1, steps, $"readout steps (1..{steps}, time.steps)");
            if (list is { Count: 0 }) reader.Error("steps", "an empty list of steps; give at least one step, or all, or final");
        }
        else word = reader.Choice("steps", StepWords);
        var resampling = SourceResampling.Read(reader, upsampling: false);
        var shape = resampling.Apply(source, out _) ?? source;
        int? pooling = reader.Choice("pooling", Poolings);
        bool average = pooling is null ? shape.IsSpatial || !shape.IsKnown : pooling == 0;
        if (average && shape.IsKnown && !shape.IsSpatial)
            reader.Error("pooling", $"global-average pooling needs a spatial area [C, H, W]; the readout reads {shape}; use pooling: none");
        var loss = ReadLoss(reader);
        return new Options
        {
            Classes = classes, Steps = word == 1 ? StepChoice.Final : list is { Count: > 0 } ? StepChoice.List : StepChoice.All,
            StepList = list is { Count: > 0 } ? [.. list.Distinct().Order()] : [], GlobalAverage = average, Resampling = resampling, Loss = loss,
            LossWeight = ReadLossWeight(reader),
        };
    }

    private static double ReadLossWeight(IOptionReader reader)
    {
        if (reader.Number("loss_weight") is not { } weight) return 1.0;
        if (weight >= 0) return weight;
        reader.Error("loss_weight", $"loss_weight must be ≥ 0 (0: evaluated, not trained), got {OptionText.Number(weight)}");
        return 1.0;
    }

    private static LossSchedule? ReadLoss(IOptionReader reader)
    {
        LossSchedule? loss = null;
        if (reader.Text("loss") is { } text)
        {
            try { loss = LossSchedule.Parse(text); }
            catch (ArgumentException e) { reader.Error("loss", e.Message); }
        }
        if (reader.Weights("step_weights") is { } weights)
        {
            if (loss is null || loss.Placement != LossPlacement.EveryStep || loss.Weights is not null)
                reader.Error("step_weights", "step_weights go with loss: every-step");
            else if (weights.Sum() <= 0) reader.Error("step_weights", "the weights must not all be 0");
            else loss = loss with { Weights = weights };
        }
        return loss;
    }

    /// <summary>Which steps a readout reads.</summary>
    public enum StepChoice
    {
        /// <summary>Every step.</summary>
        All,

        /// <summary>The last step.</summary>
        Final,

        /// <summary>The steps listed.</summary>
        List,
    }

    /// <summary>A linear readout's options.</summary>
    public sealed record Options : ReadoutOptions
    {
        /// <inheritdoc/>
        public override ReadoutKind Kind => ReadoutKinds.All["linear"];

        /// <inheritdoc/>
        public override required int Classes { get; init; }

        /// <summary>Which steps it reads.</summary>
        public required StepChoice Steps { get; init; }

        /// <summary>The steps, with <see cref="StepChoice.List"/>.</summary>
        public IReadOnlyList<int> StepList { get; init; } = [];

        /// <summary>Whether the features are the channel means (else the whole state).</summary>
        public required bool GlobalAverage { get; init; }

        /// <summary>Pooling of the state before the features are taken.</summary>
        public SourceResampling Resampling { get; init; } = SourceResampling.None;

        /// <inheritdoc/>
        public override LossSchedule? Loss { get; init; }

        /// <inheritdoc/>
        public override double LossWeight { get; init; } = 1;

        /// <inheritdoc/>
        public override ReadoutOptions WithLoss(LossSchedule loss) => this with { Loss = loss };

        /// <inheritdoc/>
        public override IReadOnlyList<int> ReadSteps(int steps) => Steps switch
        {
            StepChoice.All => [.. Enumerable.Range(1, steps)],
            StepChoice.Final => [steps],
            _ => StepList,
        };

        /// <inheritdoc/>
        public override void Write(IOptionWriter writer)
        {
            writer.Add("classes", $"{Classes}");
            writer.Add("steps", Steps switch { StepChoice.All => "all", StepChoice.Final => "final", _ => OptionText.List(StepList) });
            writer.Add("pooling", GlobalAverage ? "global-average" : "none");
            Resampling.Write(writer);
            if (Loss is { } loss)
            {
                writer.Add("loss", loss.Placement switch { LossPlacement.Final => "final", LossPlacement.CoarseToFine => "coarse-to-fine", _ => "every-step" });
                if (loss.Weights is { } w) writer.Add("step_weights", OptionText.List(w));
            }
            writer.Add("loss_weight", OptionText.Number(LossWeight));
        }

        /// <inheritdoc/>
        public override ReadoutModel? Resolve(ReadoutContext context, IIssues issues)
        {
            var shape = Resampling.Apply(context.Source, out var error);
            if (shape is not { } s)
            {
                issues.Error("resample", $"readout {context.Name} of {context.From} {context.Source}: {error}");
                return null;
            }
            int reads = ReadSteps(context.Steps).Count;
            if (Loss?.Weights is { } w && w.Count != reads)
            {
                issues.Error(issues.Declares("step_weights") ? "step_weights" : "loss",
                    $"{w.Count} step weights for the {reads} steps this readout reads ({string.Join(", ", ReadSteps(context.Steps))}); give one weight per read step");
                return null;
            }
            return new Model(this, context, s);
        }
    }

    private sealed class Model : ReadoutModel
    {
        private readonly Options o;
        private readonly AreaShape features;
        private readonly MemoryPlan plan = new();
        private readonly Slot resampled, dResampled, pooled, dPooled;

        public Model(Options options, ReadoutContext context, AreaShape resampled)
        {
            o = options;
            Context = context;
            features = resampled;
            int reads = Steps.Count;
            if (!o.Resampling.IsNone)
            {
                this.resampled = plan.Series("resampled state", reads, resampled.Dimensions);
                dResampled = plan.Scratch("resampled state gradient", resampled.Dimensions);
            }
            if (!o.GlobalAverage) return;
            pooled = plan.Series("pooled features", reads, [resampled.Channels]);
            dPooled = plan.Scratch("pooled features gradient", [resampled.Channels]);
        }

        public override ReadoutContext Context { get; }
        public override ReadoutOptions Options => o;
        public override MemoryPlan Memory => plan;

        private int Features => o.GlobalAverage ? features.Channels : checked((int)features.Size);

        public override long MacsPerRead => (long)Features * o.Classes;

        public override IReadOnlyList<ParameterSpec> Parameters =>
            [new($"{Context.Name}.weight", [o.Classes, Features], Decay: true), new($"{Context.Name}.bias", [o.Classes])];

        public override string Describe()
        {
            string loss = o.Loss is { } l ? $", loss {l}" : "";
            string weight = o.LossWeight == 1 ? "" : o.LossWeight == 0 ? ", evaluated, not trained (loss_weight 0)" : $" ×{OptionText.Number(o.LossWeight)}";
            return $"{o.Resampling.Describe().Trim()}{(o.Resampling.IsNone ? "" : " then ")}{(o.GlobalAverage ? "global average" : "whole state")} → {o.Classes} classes{loss}{weight}";
        }

        public override IReadoutOp<T> Create<T>(ParameterStore<T> store, int area, LossWeights loss, int seed) => new Op<T>(this, store, area, loss, seed);

        private sealed class Op<T> : IReadoutOp<T> where T : unmanaged, IFloatingPointIeee754<T>
        {
            private readonly Model model;
            private readonly Parameter<T> weight, bias;

            public Op(Model model, ParameterStore<T> store, int area, LossWeights loss, int seed)
            {
                this.model = model;
                Area = area;
                Loss = loss;
                weight = model.Parameters[0].Add(store);
                bias = model.Parameters[1].Add(store);
                Initialiser.XavierNormal().Apply(weight.Value, seed);
                Steps = model.Steps;
            }

            public string Name => model.Context.Name;
            public int Area { get; }
            public int Classes => model.o.Classes;
            public IReadOnlyList<int> Steps { get; }
            public LossWeights Loss { get; }
            public MemoryPlan Memory => model.plan;

            public void Forward(Tensor<T> state, BoundMemory<T> m, int k, Tensor<T> logits)
            {
                var x = state;
                if (!model.o.Resampling.IsNone)
                {
                    model.o.Resampling.Forward(state, m.History(model.resampled)[k]);
                    x = m.History(model.resampled)[k];
                }
                if (model.o.GlobalAverage)
                {
                    Pool2d.GlobalAvgForward(x, m.History(model.pooled)[k]);
                    x = m.History(model.pooled)[k];
                }
                Dense.Forward(x, weight.Value, bias.Value, logits);
            }

            public void Backward(Tensor<T> state, BoundMemory<T> m, int k, Tensor<T> dLogits, Tensor<T> dState, bool accumulate)
            {
                bool resample = !model.o.Resampling.IsNone;
                var x = resample ? m.History(model.resampled)[k] : state;
                var dx = resample ? m.Tensor(model.dResampled) : dState;
                bool add = !resample && accumulate;
                if (model.o.GlobalAverage)
                {
                    var p = m.History(model.pooled)[k];
                    Dense.BackwardWeights(p, dLogits, weight.Gradient, bias.Gradient);
                    Dense.BackwardData(dLogits, weight.Value, m.Tensor(model.dPooled), accumulate: false);
                    Pool2d.GlobalAvgBackward(m.Tensor(model.dPooled), dx, add);
                }
                else
                {
                    Dense.BackwardWeights(x, dLogits, weight.Gradient, bias.Gradient);
                    Dense.BackwardData(dLogits, weight.Value, dx, add);
                }
                if (resample) model.o.Resampling.Backward(state, x, dx, dState, accumulate);
            }
        }
    }
}
