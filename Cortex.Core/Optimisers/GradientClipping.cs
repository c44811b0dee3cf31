using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Kernels;
using Cortex.Core.Tensors;
using ILGPU;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Cortex.Core.Optimisers;

/// <summary>
/// Clipping of all gradients together by their global L2 norm, as torch.nn.utils.clip_grad_norm_: with
/// N = √(Σ over every gradient element of g²), each gradient is multiplied by min(1, maxNorm / (N + 10⁻⁶)).
/// On the GPU the norm stays on the device: the scaling kernel reads it there, so nothing waits for the host.
/// </summary>
public static class GradientClipping
{
    /// <summary>Added to the norm before dividing, as PyTorch does.</summary>
    public const double Epsilon = 1e-6;

    /// <summary>
    /// Clips the gradients of <paramref name="parameters"/> in place and writes their global norm before
    /// clipping to <paramref name="norm"/> (shape [1], on the parameters' backend) for the caller to log.
    /// </summary>
    public static void ClipByGlobalNorm<T>(IReadOnlyList<Parameter<T>> parameters, T maxNorm, Tensor<T> norm)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "clip by global norm";
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(norm);
        if (!(maxNorm > T.Zero) || T.IsInfinity(maxNorm))
            throw new ArgumentOutOfRangeException(nameof(maxNorm), $"{op}: maxNorm must be finite and > 0, got {maxNorm}");
        Check.Shape(op, "norm", norm, new Shape(1));
        var backend = norm.Backend;
        foreach (var p in parameters) Check.SameBackend(op, norm, p.Gradient);

        if (parameters.Count == 0)
        {
            backend.Fill(norm, T.Zero);
            return;
        }
        for (int n = 0; n < parameters.Count; n++)
            Reduce.SumOfSquares(parameters[n].Gradient, norm, accumulate: n > 0);

        T epsilon = T.CreateChecked(Epsilon);
        if (backend is IlgpuBackend<T> gpu)
        {
            gpu.Launch(SquareRootKernel, 1, norm.View);
            foreach (var p in parameters)
                gpu.Launch(ScaleKernel, p.Gradient.Length, p.Gradient.View, norm.View, maxNorm, epsilon);
            return;
        }
        var ns = norm.Span;
        ns[0] = T.Sqrt(ns[0]);
        T scale = Scale(ns[0], maxNorm, epsilon);
        if (scale == T.One) return;
        foreach (var p in parameters)
            CpuParallel.Chunks((CpuBackend<T>)backend, p.Gradient.Length, (start, length) =>
            {
                var gs = p.Gradient.Span.Slice(start, length);
                TensorPrimitives.Multiply(gs, scale, gs);
            });
    }

    /// <summary>The factor applied to every gradient: min(1, maxNorm / (norm + ε)).</summary>
    internal static T Scale<T>(T norm, T maxNorm, T epsilon) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T q = maxNorm / (norm + epsilon);
        return q < T.One ? q : T.One;
    }

    private static void SquareRootKernel<T>(Index1D i, ArrayView<T> norm) where T : unmanaged, IFloatingPointIeee754<T>
        => norm[0] = T.Sqrt(norm[0]);

    private static void ScaleKernel<T>(Index1D i, ArrayView<T> g, ArrayView<T> norm, T maxNorm, T epsilon)
        where T : unmanaged, IFloatingPointIeee754<T>
        => g[i] *= Scale(norm[0], maxNorm, epsilon);
}
