using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;
using ILGPU;

namespace Cortex.Core.Kernels;

/// <summary>
/// The gated state update of a recurrent cell (GRU-like): h = h_prev + α·z ⊙ (c − h_prev), i.e. each unit moves from its
/// previous state towards the candidate c by the fraction α·z, z ∈ (0, 1) the update gate and α ∈ (0, 1] a fixed leak.
/// Backward: ∂L/∂c = dh·α·z, ∂L/∂z = dh·α·(c − h_prev), ∂L/∂h_prev = dh·(1 − α·z). The per-element maths is written once
/// (<see cref="Apply{T}"/>, <see cref="Gradients{T}"/>) and run by both halves.
/// </summary>
public static class GatedUpdate
{
    /// <summary>h = h_prev + α·z ⊙ (c − h_prev).</summary>
    public static void Forward<T>(Tensor<T> hPrev, Tensor<T> z, Tensor<T> c, Tensor<T> h, T alpha) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "gated update forward";
        var backend = Check.SameBackend(op, hPrev, z, c, h);
        Check.SameShape(op, "hPrev", hPrev, "z", z);
        Check.SameShape(op, "hPrev", hPrev, "c", c);
        Check.SameShape(op, "hPrev", hPrev, "h", h);
        if (backend is IlgpuBackend<T> gpu)
        {
            gpu.Launch(ForwardKernel, h.Length, hPrev.View, z.View, c.View, h.View, alpha);
            return;
        }
        CpuParallel.Chunks((CpuBackend<T>)backend, h.Length, (start, length) =>
        {
            var hp = hPrev.Span.Slice(start, length);
            var zs = z.Span.Slice(start, length);
            var cs = c.Span.Slice(start, length);
            var hs = h.Span.Slice(start, length);
            for (int i = 0; i < hs.Length; i++) hs[i] = Apply(hp[i], zs[i], cs[i], alpha);
        });
    }

    /// <summary>
    /// dz and dc are written; dhPrev receives dh·(1 − α·z): added to what it holds when <paramref name="accumulatePrevious"/>,
    /// written otherwise. No gradient may be the same tensor as an input.
    /// </summary>
    public static void Backward<T>(Tensor<T> hPrev, Tensor<T> z, Tensor<T> c, Tensor<T> dh, Tensor<T> dhPrev, Tensor<T> dz, Tensor<T> dc, T alpha,
        bool accumulatePrevious) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "gated update backward";
        var backend = Check.SameBackend(op, hPrev, z, c, dh, dhPrev, dz, dc);
        foreach (var (name, t) in new[] { ("z", z), ("c", c), ("dh", dh), ("dhPrev", dhPrev), ("dz", dz), ("dc", dc) })
            Check.SameShape(op, "hPrev", hPrev, name, t);
        if (backend is IlgpuBackend<T> gpu)
        {
            gpu.Launch(BackwardKernel, dh.Length, hPrev.View, z.View, c.View, dh.View, dhPrev.View, dz.View, dc.View, alpha, accumulatePrevious ? 1 : 0);
            return;
        }
        CpuParallel.Chunks((CpuBackend<T>)backend, dh.Length, (start, length) =>
        {
            var hp = hPrev.Span.Slice(start, length);
            var zs = z.Span.Slice(start, length);
            var cs = c.Span.Slice(start, length);
            var dhs = dh.Span.Slice(start, length);
            var dhp = dhPrev.Span.Slice(start, length);
            var dzs = dz.Span.Slice(start, length);
            var dcs = dc.Span.Slice(start, length);
            for (int i = 0; i < dhs.Length; i++)
            {
                var (previous, gate, candidate) = Gradients(hp[i], zs[i], cs[i], dhs[i], alpha);
                dhp[i] = accumulatePrevious ? dhp[i] + previous : previous;
                dzs[i] = gate;
                dcs[i] = candidate;
            }
        });
    }

    /// <summary>h_prev + α·z·(c − h_prev).</summary>
    public static T Apply<T>(T hPrev, T z, T c, T alpha) where T : unmanaged, IFloatingPointIeee754<T> => hPrev + alpha * z * (c - hPrev);

    /// <summary>(∂L/∂h_prev, ∂L/∂z, ∂L/∂c) for one element given ∂L/∂h.</summary>
    public static (T DPrevious, T DGate, T DCandidate) Gradients<T>(T hPrev, T z, T c, T dh, T alpha) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T step = alpha * z;
        return (dh * (T.One - step), dh * alpha * (c - hPrev), dh * step);
    }

    private static void ForwardKernel<T>(Index1D i, ArrayView<T> hPrev, ArrayView<T> z, ArrayView<T> c, ArrayView<T> h, T alpha)
        where T : unmanaged, IFloatingPointIeee754<T>
        => h[i] = Apply(hPrev[i], z[i], c[i], alpha);

    private static void BackwardKernel<T>(Index1D i, ArrayView<T> hPrev, ArrayView<T> z, ArrayView<T> c, ArrayView<T> dh, ArrayView<T> dhPrev,
        ArrayView<T> dz, ArrayView<T> dc, T alpha, int accumulatePrevious) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (previous, gate, candidate) = Gradients(hPrev[i], z[i], c[i], dh[i], alpha);
        dhPrev[i] = accumulatePrevious != 0 ? dhPrev[i] + previous : previous;
        dz[i] = gate;
        dc[i] = candidate;
    }
}
