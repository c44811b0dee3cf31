using System.Numerics;
using Cortex.Connectivity.Graph;
using Cortex.Core.Kernels;
using Cortex.Core.Simulation;
using Cortex.Core.Tensors;

namespace Cortex.Connectivity.Projections;

/// <summary>What every projection kind shares: its wiring and its weights over time.</summary>
public abstract class Projection<T>(Wiring wiring, ProjectionWeights<T> weights) : IProjectionOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public Wiring Wiring { get; } = wiring;
    public ProjectionWeights<T> Weights { get; } = weights;
    public virtual int[]? ResampledShape => null;
    public void Begin() => Weights.Begin();
    public void BeginBackward() => Weights.BeginBackward();
    public void EndBackward() => Weights.EndBackward();
    public abstract void Forward(Tensor<T> source, ProjectionMemory<T> m, int t, int copy, Tensor<T> output, bool accumulate);
    public abstract void Backward(Tensor<T> source, ProjectionMemory<T> m, int t, int copy, Tensor<T> dOutput, Tensor<T>? dSource, bool accumulate);
}

/// <summary>
/// conv: output (+)= W ∗ resample(source), a k×k convolution (stride, zero padding) on the source, or on the source
/// max/avg-pooled or nearest/bilinear-upsampled by the factor first (kept per step for backward). Kernel family: Conv2d.
/// </summary>
public sealed class ConvProjection<T>(GraphProjection p, Wiring wiring, ProjectionWeights<T> weights) : Projection<T>(wiring, weights)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly SourceResampling resampling = new(p.Spec.Resampling, p.Spec.Factor);
    private readonly int stride = p.Spec.Stride, padding = p.Spec.Padding;

    public override int[]? ResampledShape => resampling.IsNone ? null : p.Geometry.Resampled.Dimensions;

    public override void Forward(Tensor<T> source, ProjectionMemory<T> m, int t, int copy, Tensor<T> output, bool accumulate)
    {
        var x = source;
        if (!resampling.IsNone)
        {
            resampling.Forward(source, m.Resampled![t]);
            x = m.Resampled[t];
        }
        Conv2d.Forward(x, Weights.Value(copy), null, output, stride, padding, accumulate);
    }

    public override void Backward(Tensor<T> source, ProjectionMemory<T> m, int t, int copy, Tensor<T> dOutput, Tensor<T>? dSource, bool accumulate)
    {
        var x = resampling.IsNone ? source : m.Resampled![t];
        Conv2d.BackwardWeights(x, dOutput, Weights.Gradient(copy), null, stride, padding);
        if (dSource is null) return;
        if (resampling.IsNone)
        {
            Conv2d.BackwardData(dOutput, Weights.Value(copy), dSource, stride, padding, accumulate);
            return;
        }
        Conv2d.BackwardData(dOutput, Weights.Value(copy), m.DResampled!, stride, padding, accumulate: false);
        resampling.Backward(source, m.Resampled![t], m.DResampled!, dSource, accumulate);
    }
}

/// <summary>transposed-conv: output (+)= convT(source, W), k×k, stride = factor (learned upsampling). Kernel family: ConvTranspose2d.</summary>
public sealed class TransposedConvProjection<T>(GraphProjection p, Wiring wiring, ProjectionWeights<T> weights) : Projection<T>(wiring, weights)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int stride = p.Spec.Factor, padding = p.Spec.Padding, outputPadding = p.Geometry.OutputPadding;

    public override void Forward(Tensor<T> source, ProjectionMemory<T> m, int t, int copy, Tensor<T> output, bool accumulate)
        => ConvTranspose2d.Forward(source, Weights.Value(copy), null, output, stride, padding, outputPadding, accumulate);

    public override void Backward(Tensor<T> source, ProjectionMemory<T> m, int t, int copy, Tensor<T> dOutput, Tensor<T>? dSource, bool accumulate)
    {
        ConvTranspose2d.BackwardWeights(source, dOutput, Weights.Gradient(copy), null, stride, padding, outputPadding);
        if (dSource is not null)
            ConvTranspose2d.BackwardData(dOutput, Weights.Value(copy), dSource, stride, padding, outputPadding, accumulate);
    }
}

/// <summary>dense: output (+)= W·pool(source), all to all, on the source or its max/avg pooling. Kernel family: Dense.</summary>
public sealed class DenseProjection<T>(GraphProjection p, Wiring wiring, ProjectionWeights<T> weights) : Projection<T>(wiring, weights)
    where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly SourceResampling resampling = new(p.Spec.Resampling, p.Spec.Factor);
    private readonly int targetUnits = checked((int)p.Geometry.Target.Size);

    public override int[]? ResampledShape => resampling.IsNone ? null : p.Geometry.Resampled.Dimensions;

    public override void Forward(Tensor<T> source, ProjectionMemory<T> m, int t, int copy, Tensor<T> output, bool accumulate)
    {
        var x = source;
        if (!resampling.IsNone)
        {
            resampling.Forward(source, m.Resampled![t]);
            x = m.Resampled[t];
        }
        Dense.Forward(x, Weights.Value(copy), null, Rows(output), accumulate);
    }

    public override void Backward(Tensor<T> source, ProjectionMemory<T> m, int t, int copy, Tensor<T> dOutput, Tensor<T>? dSource, bool accumulate)
    {
        var x = resampling.IsNone ? source : m.Resampled![t];
        var dy = Rows(dOutput);
        Dense.BackwardWeights(x, dy, Weights.Gradient(copy), null);
        if (dSource is null) return;
        if (resampling.IsNone)
        {
            Dense.BackwardData(dy, Weights.Value(copy), dSource, accumulate);
            return;
        }
        Dense.BackwardData(dy, Weights.Value(copy), m.DResampled!, accumulate: false);
        resampling.Backward(source, m.Resampled![t], m.DResampled!, dSource, accumulate);
    }

    /// <summary>A target tensor [B, …] as [B, units] for the matrix product.</summary>
    private Tensor<T> Rows(Tensor<T> y) => y.Shape.Rank == 2 ? y : y.Reshape(new Shape(y.Shape[0], targetUnits));
}
