using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;

namespace Cortex.Core.Kernels;

/// <summary>
/// A dense (fully connected) projection with an optional bias: y = x·wᵀ + bias, with x [B, In], w [Out, In],
/// bias [Out] and y [B, Out]. x may also be [B, C, H, W] (or any [B, …]) and is then read as [B, In] with
/// In = C·H·W in row-major order, the flatten-then-linear of a readout. The products go to the backend's
/// GEMM (BLAS on the CPU, cuBLAS on CUDA).
/// </summary>
public static class Dense
{
    /// <summary>y = x·wᵀ + bias, or y += x·wᵀ + bias when <paramref name="accumulate"/> (summing projections into one drive).</summary>
    public static void Forward<T>(Tensor<T> x, Tensor<T> w, Tensor<T>? bias, Tensor<T> y, bool accumulate = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "dense forward";
        var backend = Check.SameBackend(op, x, w, bias, y);
        var (batch, inputs, outputs) = Sizes(op, "x", x, w);
        Check.Shape(op, "y", y, new Shape(batch, outputs));
        if (bias is not null) Check.Shape(op, "bias", bias, new Shape(outputs));
        backend.Gemm(false, true, batch, outputs, inputs, T.One, x, inputs, w, inputs, accumulate ? T.One : T.Zero, y, outputs);
        if (bias is not null) Elementwise.AddChannelBias(y, bias);
    }

    /// <summary>dx = dy·w (or += when <paramref name="accumulate"/>), with dy [B, Out] and dx shaped like x.</summary>
    public static void BackwardData<T>(Tensor<T> dy, Tensor<T> w, Tensor<T> dx, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "dense backward data";
        var backend = Check.SameBackend(op, dy, w, dx);
        var (batch, inputs, outputs) = Sizes(op, "dx", dx, w);
        Check.Shape(op, "dy", dy, new Shape(batch, outputs));
        backend.Gemm(false, false, batch, inputs, outputs, T.One, dy, outputs, w, inputs, accumulate ? T.One : T.Zero, dx, inputs);
    }

    /// <summary>
    /// dw += dyᵀ·x and, when given, dbias += Σ_b dy[b, ·]. Parameter gradients always accumulate (BPTT sums
    /// them over steps); zero them before the first step.
    /// </summary>
    public static void BackwardWeights<T>(Tensor<T> x, Tensor<T> dy, Tensor<T> dw, Tensor<T>? dbias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "dense backward weights";
        var backend = Check.SameBackend(op, x, dy, dw, dbias);
        var (batch, inputs, outputs) = Sizes(op, "x", x, dw);
        Check.Shape(op, "dy", dy, new Shape(batch, outputs));
        if (dbias is not null) Check.Shape(op, "dbias", dbias, new Shape(outputs));
        backend.Gemm(true, false, outputs, inputs, batch, T.One, dy, outputs, x, inputs, T.One, dw, inputs);
        if (dbias is not null) Elementwise.ChannelBiasBackward(dy, dbias);
    }

    /// <summary>B, In and Out from an activation [B, …] and weights [Out, In], checking that they agree.</summary>
    private static (int Batch, int Inputs, int Outputs) Sizes<T>(string op, string name, Tensor<T> x, Tensor<T> w)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (w.Shape.Rank != 2)
            throw new ArgumentException($"{op}: weights must be [Out, In] (rank 2), got shape {w.Shape}");
        if (x.Shape.Rank < 2)
            throw new ArgumentException($"{op}: {name} must be [B, In] (or [B, C, H, W]), got shape {x.Shape}");
        int batch = x.Shape[0], inputs = x.Length / batch;
        if (inputs != w.Shape[1])
            throw new ArgumentException($"{op}: {name} {x.Shape} has {inputs} inputs per sample, weights {w.Shape} expect In = {w.Shape[1]}");
        return (batch, inputs, w.Shape[0]);
    }
}
