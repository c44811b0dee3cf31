using System.Numerics;
using Cortex.Areas.Options;
using Cortex.Core.Kernels;
using Cortex.Core.Simulation;
using Cortex.Core.Tensors;

namespace Cortex.Areas.Projections;

/// <summary>
/// <c>connectivity: conv</c> (the default): output (+)= W ∗ resample(source), a k×k convolution with stride and zero
/// padding on the source, or on the source max/avg-pooled or nearest/bilinear-upsampled first (kept per step for
/// backward). Kernel family: Conv2d (+ Pool2d / Upsample). Weights [Co, Ci, k, k].
/// </summary>
public sealed class ConvProjection : ProjectionKind
{
    /// <inheritdoc/>
    public override string Word => "conv";

    /// <inheritdoc/>
    public override string Summary => "k×k convolution with stride and padding, after optional pooling or upsampling of the source";

    /// <inheritdoc/>
    public override string KernelFamily => "Conv2d (+ Pool2d / Upsample of the source)";

    /// <inheritdoc/>
    public override IReadOnlyList<OptionKey> Keys =>
    [
        new("kernel", "integer ≥ 1", "3", "square kernel size k"),
        new("stride", "integer ≥ 1", "1", "convolution stride"),
        new("padding", "integer ≥ 0", "⌊k/2⌋", "zero padding on each side (⌊k/2⌋ keeps the size at stride 1 for odd k)"),
        .. SourceResampling.Keys(upsampling: true),
    ];

    /// <inheritdoc/>
    public override ProjectionOptions Read(IOptionReader reader)
    {
        int kernel = reader.Int("kernel", 1) ?? 3;
        return new Options(kernel, reader.Int("stride", 1) ?? 1, reader.Int("padding", 0) ?? kernel / 2, SourceResampling.Read(reader, upsampling: true));
    }

    /// <summary>A convolution's options.</summary>
    /// <param name="Kernel">k.</param>
    /// <param name="Stride">The stride.</param>
    /// <param name="Padding">Zero padding on each side.</param>
    /// <param name="Resampling">What is done to the source first.</param>
    public sealed record Options(int Kernel, int Stride, int Padding, SourceResampling Resampling) : ProjectionOptions
    {
        /// <inheritdoc/>
        public override ProjectionKind Kind => ProjectionKinds.All["conv"];

        /// <inheritdoc/>
        public override void Write(IOptionWriter writer)
        {
            writer.Add("kernel", $"{Kernel}");
            writer.Add("stride", $"{Stride}");
            writer.Add("padding", $"{Padding}");
            Resampling.Write(writer);
        }

        /// <inheritdoc/>
        public override ProjectionModel? Resolve(ProjectionContext c, IIssues issues)
        {
            if (!c.Source.IsSpatial || !c.Target.IsSpatial)
            {
                issues.Error("connectivity", $"{c.Arrow}: a conv projection connects spatial areas [C, H, W]; {(c.Source.IsSpatial ? c.To : c.From)} is a vector; use connectivity: dense");
                return null;
            }
            var resampled = Resampling.Apply(c.Source, out var error);
            if (resampled is not { } r)
            {
                issues.Error("resample", $"{c.Arrow}: {error}");
                return null;
            }
            int h = Conv2d.OutputSize(r.Height, Kernel, Stride, Padding), w = Conv2d.OutputSize(r.Width, Kernel, Stride, Padding);
            if (h != c.Target.Height || w != c.Target.Width)
            {
                string via = Resampling.IsNone ? "" : $"{Resampling.Describe().Trim()} then ";
                string gives = h > 0 && w > 0 ? $"{h}×{w}" : "nothing (the kernel is larger than the padded map)";
                issues.Error(ShapeKey(issues), $"{c.Arrow}: {via}conv {Kernel}×{Kernel} stride {Stride} padding {Padding} gives {gives}, {c.To} is {c.Target.Height}×{c.Target.Width}{Fix(c)}");
                return null;
            }
            return new Model(this, c, r);
        }

        private static string ShapeKey(IIssues issues) =>
            issues.Declares("resample") ? "resample" : issues.Declares("stride") ? "stride" : issues.Declares("kernel") ? "kernel" : "to";

        /// <summary>"; use resample: maxpool (factor 2) or stride: 2" — only settings checked to fit.</summary>
        private string Fix(ProjectionContext c)
        {
            var (source, target) = (c.Source, c.Target);
            int k = Kernel, same = k / 2;
            var fits = new List<string>();
            bool Fits(int n, int m, int stride, int pad) => Conv2d.OutputSize(n, k, stride, pad) == m;
            if (Fits(source.Height, target.Height, 1, same) && Fits(source.Width, target.Width, 1, same))
                fits.Add($"resample: none, stride: 1, padding: {same}");
            if (source.Height > target.Height && source.Height % target.Height == 0 && source.Width % target.Width == 0
                && source.Height / target.Height == source.Width / target.Width)
            {
                int f = source.Height / target.Height;
                if (Fits(source.Height / f, target.Height, 1, same) && Fits(source.Width / f, target.Width, 1, same)) fits.Add($"resample: maxpool (factor {f})");
                if (Fits(source.Height, target.Height, f, same) && Fits(source.Width, target.Width, f, same)) fits.Add($"stride: {f}");
            }
            if (target.Height > source.Height && target.Height % source.Height == 0 && target.Width % source.Width == 0
                && target.Height / source.Height == target.Width / source.Width)
            {
                int f = target.Height / source.Height;
                if (Fits(source.Height * f, target.Height, 1, same) && Fits(source.Width * f, target.Width, 1, same))
                    fits.Add($"resample: upsample-nearest or upsample-bilinear (factor {f})");
                fits.Add($"connectivity: transposed-conv (factor {f})");
            }
            return fits.Count == 0
                ? "; no pooling, upsampling or stride maps one onto the other: change a shape, or use connectivity: dense"
                : $"; use {string.Join(" or ", fits)}";
        }
    }

    private sealed class Model : ProjectionModel
    {
        private readonly Options o;
        private readonly AreaShape resampled;
        private readonly MemoryPlan plan = new();
        private readonly ResampledSource source;

        public Model(Options options, ProjectionContext context, AreaShape resampled)
        {
            o = options;
            Context = context;
            this.resampled = resampled;
            source = new ResampledSource(o.Resampling, resampled, plan);
        }

        public override ProjectionContext Context { get; }
        public override int[] WeightShape => [Context.Target.Channels, resampled.Channels, o.Kernel, o.Kernel];
        public override long MacsPerImage => WeightsPerCopy * Context.Target.Height * Context.Target.Width;
        public override MemoryPlan Memory => plan;
        public override string Describe() => $"conv {o.Kernel}×{o.Kernel}{(o.Stride == 1 ? "" : $" s{o.Stride}")}{o.Resampling.Describe()}";
        public override IProjectionOp<T> Create<T>(Wiring wiring, SynapseWeights<T> weights) => new Op<T>(this, wiring, weights);

        private sealed class Op<T>(Model model, Wiring wiring, SynapseWeights<T> weights) : ProjectionOp<T>(wiring, weights, model.plan)
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            private readonly int stride = model.o.Stride, padding = model.o.Padding;

            public override void Forward(Tensor<T> source, BoundMemory<T> m, int t, int copy, Tensor<T> output, bool accumulate)
                => Conv2d.Forward(model.source.Forward(source, m, t), Weights.Value(copy), null, output, stride, padding, accumulate);

            public override void Backward(Tensor<T> source, BoundMemory<T> m, int t, int copy, Tensor<T> dOutput, Tensor<T>? dSource, bool accumulate)
            {
                Conv2d.BackwardWeights(model.source.Read(source, m, t), dOutput, Weights.Gradient(copy), null, stride, padding);
                if (dSource is null) return;
                var (into, add) = model.source.DataGradient(m, dSource, accumulate);
                Conv2d.BackwardData(dOutput, Weights.Value(copy), into, stride, padding, add);
                model.source.Backward(source, m, t, dSource, accumulate);
            }
        }
    }
}
