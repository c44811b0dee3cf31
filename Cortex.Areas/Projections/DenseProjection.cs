using System.Numerics;
using Cortex.Areas.Options;
using Cortex.Core.Kernels;
using Cortex.Core.Simulation;
using Cortex.Core.Tensors;

namespace Cortex.Areas.Projections;

/// <summary>
/// <c>connectivity: dense</c>: output (+)= W·pool(source), all to all between any shapes (the source is flattened, the
/// output reshaped), on the source or its max/avg pooling. Kernel family: Dense (+ Pool2d). Weights [target units, source features].
/// </summary>
public sealed class DenseProjection : ProjectionKind
{
    /// <inheritdoc/>
    public override string Word => "dense";

    /// <inheritdoc/>
    public override string Summary => "all-to-all, after optional max/avg pooling of the source";

    /// <inheritdoc/>
    public override string KernelFamily => "Dense (+ Pool2d of the source)";

    /// <inheritdoc/>
    public override IReadOnlyList<OptionKey> Keys => SourceResampling.Keys(upsampling: false);

    /// <inheritdoc/>
    public override ProjectionOptions Read(IOptionReader reader) => new Options(SourceResampling.Read(reader, upsampling: false));

    /// <summary>A dense projection's options.</summary>
    /// <param name="Resampling">Pooling of the source first, or none.</param>
    public sealed record Options(SourceResampling Resampling) : ProjectionOptions
    {
        /// <inheritdoc/>
        public override ProjectionKind Kind => ProjectionKinds.All["dense"];

        /// <inheritdoc/>
        public override void Write(IOptionWriter writer) => Resampling.Write(writer);

        /// <inheritdoc/>
        public override ProjectionModel? Resolve(ProjectionContext c, IIssues issues)
        {
            var pooled = Resampling.Apply(c.Source, out var error);
            if (pooled is not { } r)
            {
                issues.Error("resample", $"{c.Arrow}: {error}");
                return null;
            }
            return new Model(this, c, r);
        }
    }

    private sealed class Model : ProjectionModel
    {
        private readonly Options o;
        private readonly AreaShape pooled;
        private readonly MemoryPlan plan = new();
        private readonly ResampledSource source;

        public Model(Options options, ProjectionContext context, AreaShape pooled)
        {
            o = options;
            Context = context;
            this.pooled = pooled;
            source = new ResampledSource(o.Resampling, pooled, plan);
        }

        public override ProjectionContext Context { get; }
        public override int[] WeightShape => [checked((int)Context.Target.Size), checked((int)pooled.Size)];
        public override long MacsPerImage => WeightsPerCopy;
        public override MemoryPlan Memory => plan;
        public override string Describe() => $"dense{o.Resampling.Describe()}";
        public override IProjectionOp<T> Create<T>(Wiring wiring, SynapseWeights<T> weights) => new Op<T>(this, wiring, weights);

        private sealed class Op<T>(Model model, Wiring wiring, SynapseWeights<T> weights) : ProjectionOp<T>(wiring, weights, model.plan)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            private readonly int targetUnits = checked((int)model.Context.Target.Size);

            public override void Forward(Tensor<T> source, BoundMemory<T> m, int t, int copy, Tensor<T> output, bool accumulate)
                => Dense.Forward(model.source.Forward(source, m, t), Weights.Value(copy), null, Rows(output), accumulate);

            public override void Backward(Tensor<T> source, BoundMemory<T> m, int t, int copy, Tensor<T> dOutput, Tensor<T>? dSource, bool accumulate)
            {
                var dy = Rows(dOutput);
                Dense.BackwardWeights(model.source.Read(source, m, t), dy, Weights.Gradient(copy), null);
                if (dSource is null) return;
                var (into, add) = model.source.DataGradient(m, dSource, accumulate);
                Dense.BackwardData(dy, Weights.Value(copy), into, add);
                model.source.Backward(source, m, t, dSource, accumulate);
            }

            /// <summary>A target tensor [B, …] as [B, units] for the matrix product.</summary>
            private Tensor<T> Rows(Tensor<T> y) => y.Shape.Rank == 2 ? y : y.Reshape(new Shape(y.Shape[0], targetUnits));
        }
    }
}
