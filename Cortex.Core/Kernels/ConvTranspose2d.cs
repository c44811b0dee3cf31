using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;

namespace Cortex.Core.Kernels;

/// <summary>
/// Transposed 2-D convolution (PyTorch's ConvTranspose2d, for learned upsampling): the adjoint of
/// <see cref="Conv2d"/>. x [B, Ci, H, W], w [Ci, Co, Kh, Kw], y [B, Co, Ho, Wo] with
/// Ho = (H − 1)·stride − 2·padding + Kh + outputPadding (likewise Wo). Seen from the other side it is the
/// convolution c: [B, Co, Ho, Wo] → [B, Ci, H, W] with weights w (as [Cout = Ci, Cin = Co, Kh, Kw]), and each
/// pass is one of c's: forward = c's backward-data, backward-data = c's forward, and the weight gradient is
/// c's weight gradient with the roles of input and output gradient swapped. outputPadding (0 ≤ it &lt; stride)
/// picks among the output sizes that c maps onto the same H.
/// </summary>
public static class ConvTranspose2d
{
    /// <summary>The output extent along one axis of length n: (n − 1)·s − 2p + k + outputPadding.</summary>
    public static int OutputSize(int n, int kernel, int stride, int padding, int outputPadding = 0)
        => (n - 1) * stride - 2 * padding + kernel + outputPadding;

    /// <summary>The output shape [B, Co, Ho, Wo] for x [B, Ci, H, W] and w [Ci, Co, Kh, Kw].</summary>
    public static Shape OutputShape<T>(Tensor<T> x, Tensor<T> w, int stride, int padding, int outputPadding = 0)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Geometry("conv transpose2d", x, w, stride, padding, outputPadding).InputShape;

    /// <summary>y = convT(x, w) + bias, or y += … when <paramref name="accumulate"/>. bias [Co] or null.</summary>
    public static void Forward<T>(Tensor<T> x, Tensor<T> w, Tensor<T>? bias, Tensor<T> y, int stride, int padding, int outputPadding = 0,
        bool accumulate = false) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "conv transpose2d forward";
        var backend = Check.SameBackend(op, x, w, bias, y);
        var c = Geometry(op, x, w, stride, padding, outputPadding);
        Check.Shape(op, "y", y, c.InputShape);
        if (bias is not null) Check.Shape(op, "bias", bias, new Shape(c.InChannels));
        Conv2d.BackwardDataCore(backend, c, x, w, y, accumulate);
        if (bias is not null)
            Conv2d.AddBias(backend, y, bias, c.Batch, c.InChannels, c.InHeight * c.InWidth);
    }

    /// <summary>dx = the gradient of x given dy [B, Co, Ho, Wo] (or dx += … when <paramref name="accumulate"/>).</summary>
    public static void BackwardData<T>(Tensor<T> dy, Tensor<T> w, Tensor<T> dx, int stride, int padding, int outputPadding, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "conv transpose2d backward data";
        var backend = Check.SameBackend(op, dy, w, dx);
        var c = Geometry(op, dx, w, stride, padding, outputPadding);
        Check.Shape(op, "dy", dy, c.InputShape);
        Conv2d.ForwardCore(backend, c, dy, w, null, dx, accumulate);
    }

    /// <summary>dw += ∂L/∂w and dbias += Σ_{b, i, j} dy (always accumulated, as for every parameter gradient).</summary>
    public static void BackwardWeights<T>(Tensor<T> x, Tensor<T> dy, Tensor<T> dw, Tensor<T>? dbias, int stride, int padding, int outputPadding)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "conv transpose2d backward weights";
        var backend = Check.SameBackend(op, x, dy, dw, dbias);
        var c = Geometry(op, x, dw, stride, padding, outputPadding);
        Check.Shape(op, "dy", dy, c.InputShape);
        if (dbias is not null) Check.Shape(op, "dbias", dbias, new Shape(c.InChannels));
        Conv2d.BackwardWeightsCore(backend, c, dy, x, dw, null);
        if (dbias is not null)
            Reduce.SumOverAxes(dy, c.Batch, c.InChannels, c.InHeight * c.InWidth, dbias, accumulate: true);
    }

    /// <summary>The convolution whose adjoint this is: input [B, Co, Ho, Wo], output [B, Ci, H, W], weights w.</summary>
    private static Conv2dGeometry Geometry<T>(string op, Tensor<T> x, Tensor<T> w, int stride, int padding, int outputPadding)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check.Rank(op, "x", x, 4, "[B, Ci, H, W]");
        Check.Rank(op, "w", w, 4, "[Ci, Co, Kh, Kw]");
        string sizes = $"x {x.Shape}, w {w.Shape}, stride {stride}, padding {padding}, output padding {outputPadding}";
        if (w.Shape[0] != x.Shape[1])
            throw new ArgumentException($"{op}: w {w.Shape} expects {w.Shape[0]} input channels (w is [Ci, Co, Kh, Kw]), but x {x.Shape} has {x.Shape[1]} (x is [B, Ci, H, W])");
        if (stride <= 0)
            throw new ArgumentOutOfRangeException(nameof(stride), $"{op}: stride must be positive, got {stride} ({sizes})");
        if (padding < 0)
            throw new ArgumentOutOfRangeException(nameof(padding), $"{op}: padding must be ≥ 0, got {padding} ({sizes})");
        if (outputPadding < 0 || outputPadding >= stride)
            throw new ArgumentOutOfRangeException(nameof(outputPadding), $"{op}: output padding must lie in [0, stride), got {outputPadding} ({sizes})");
        int kh = w.Shape[2], kw = w.Shape[3];
        int ho = (x.Shape[2] - 1) * stride - 2 * padding + kh + outputPadding;
        int wo = (x.Shape[3] - 1) * stride - 2 * padding + kw + outputPadding;
        if (ho <= 0 || wo <= 0)
            throw new ArgumentException($"{op}: the output would be empty ({ho}×{wo}) for {sizes}");
        return new Conv2dGeometry(x.Shape[0], w.Shape[1], ho, wo, x.Shape[1], kh, kw, stride, padding).Validate(op);
    }
}
