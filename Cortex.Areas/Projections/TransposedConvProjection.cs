using System.Numerics;
using Cortex.Areas.Options;
using Cortex.Core.Kernels;
using Cortex.Core.Simulation;
using Cortex.Core.Tensors;

namespace Cortex.Areas.Projections;

/// <summary>
/// <c>connectivity: transposed-conv</c>: learned upsampling, output (+)= convT(source, W), a k×k transposed convolution
/// with stride = <c>factor</c>; its output padding is chosen so that the source's size times the factor lands on the
/// target's. Kernel family: ConvTranspose2d. Weights [Ci, Co, k, k].
/// </summary>
public sealed class TransposedConvProjection : ProjectionKind
{
    /// <inheritdoc/>
    public override string Word => "transposed-conv";

    /// <inheritdoc/>
    public override string Summary => "learned upsampling: k×k transposed convolution with stride = factor";

    /// <inheritdoc/>
    public override string KernelFamily => "ConvTranspose2d";

    /// <inheritdoc/>
    public override IReadOnlyList<OptionKey> Keys =>
    [
        new("kernel", "integer ≥ 1", "3", "square kernel size k"),
        new("factor", "integer ≥ 1", "2", "the stride: how many times larger the output is"),
        new("padding", "integer ≥ 0", "max(0, ⌈(k − factor)/2⌉)", "implicit zero padding (PyTorch's ConvTranspose2d padding)"),
    ];

    /// <inheritdoc/>
    public override ProjectionOptions Read(IOptionReader reader)
    {
        int kernel = reader.Int("kernel", 1) ?? 3;
        int factor = reader.Int("factor", 1) ?? 2;
        return new Options(kernel, factor, reader.Int("padding", 0) ?? Math.Max(0, (kernel - factor + 1) / 2));
    }

    /// <summary>A transposed convolution's options.</summary>
    /// <param name="Kernel">k.</param>
    /// <param name="Factor">The stride.</param>
    /// <param name="Padding">The padding.</param>
    public sealed record Options(int Kernel, int Factor, int Padding) : ProjectionOptions
    {
        /// <inheritdoc/>
        public override ProjectionKind Kind => ProjectionKinds.All["transposed-conv"];

        /// <inheritdoc/>
        public override void Write(IOptionWriter writer)
        {
            writer.Add("kernel", $"{Kernel}");
            writer.Add("factor", $"{Factor}");
            writer.Add("padding", $"{Padding}");
        }

        /// <inheritdoc/>
        public override ProjectionModel? Resolve(ProjectionContext c, IIssues issues)
        {
            if (!c.Source.IsSpatial || !c.Target.IsSpatial)
            {
                issues.Error("connectivity", $"{c.Arrow}: a transposed-conv projection connects spatial areas [C, H, W]; {(c.Source.IsSpatial ? c.To : c.From)} is a vector; use connectivity: dense");
                return null;
            }
            int baseH = ConvTranspose2d.OutputSize(c.Source.Height, Kernel, Factor, Padding), baseW = ConvTranspose2d.OutputSize(c.Source.Width, Kernel, Factor, Padding);
            int opH = c.Target.Height - baseH, opW = c.Target.Width - baseW;
            if (opH < 0 || opH >= Factor || opW < 0 || opW >= Factor || opH != opW)
            {
                string fit = c.Target.Height % c.Source.Height == 0 && c.Target.Height / c.Source.Height >= 2 && c.Target.Height / c.Source.Height == c.Target.Width / c.Source.Width
                    ? $"; use factor: {c.Target.Height / c.Source.Height}" : "; change a shape, or use connectivity: conv or dense";
                issues.Error(issues.Declares("factor") ? "factor" : issues.Declares("kernel") ? "kernel" : "connectivity",
                    $"{c.Arrow}: transposed-conv {Kernel}×{Kernel} factor {Factor} padding {Padding} gives {baseH}×{baseW} to {baseH + Factor - 1}×{baseW + Factor - 1}, "
                    + $"{c.To} is {c.Target.Height}×{c.Target.Width}{fit}");
                return null;
            }
            return new Model(this, c, opH);
        }
    }

    private sealed class Model(Options o, ProjectionContext context, int outputPadding) : ProjectionModel
    {
        private readonly MemoryPlan plan = new();

        public override ProjectionContext Context { get; } = context;
        public override int[] WeightShape => [Context.Source.Channels, Context.Target.Channels, o.Kernel, o.Kernel];
        public override long MacsPerImage => WeightsPerCopy * Context.Source.Height * Context.Source.Width;
        public override MemoryPlan Memory => plan;
        public override string Describe() => $"convT {o.Kernel}×{o.Kernel} ×{o.Factor}";
        public override IProjectionOp<T> Create<T>(Wiring wiring, SynapseWeights<T> weights) => new Op<T>(o, outputPadding, wiring, weights, plan);

        private sealed class Op<T>(Options o, int outputPadding, Wiring wiring, SynapseWeights<T> weights, MemoryPlan plan) : ProjectionOp<T>(wiring, weights, plan)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            public override void Forward(Tensor<T> source, BoundMemory<T> m, int t, int copy, Tensor<T> output, bool accumulate)
                => ConvTranspose2d.Forward(source, Weights.Value(copy), null, output, o.Factor, o.Padding, outputPadding, accumulate);

            public override void Backward(Tensor<T> source, BoundMemory<T> m, int t, int copy, Tensor<T> dOutput, Tensor<T>? dSource, bool accumulate)
            {
                ConvTranspose2d.BackwardWeights(source, dOutput, Weights.Gradient(copy), null, o.Factor, o.Padding, outputPadding);
                if (dSource is not null)
                    ConvTranspose2d.BackwardData(dOutput, Weights.Value(copy), dSource, o.Factor, o.Padding, outputPadding, accumulate);
            }
        }
    }
}
