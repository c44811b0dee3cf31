using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;
using ILGPU;

namespace Cortex.Core.Kernels;

/// <summary>
/// The multiplicative (modulatory) gain on an area's drive: y = drive ⊙ (1 + tanh(g)), where g is the summed
/// output of the area's multiplicative projections. The gain is exactly 1 at g = 0 and stays in (0, 2).
/// Backward: ∂L/∂drive = dy ⊙ (1 + tanh g), ∂L/∂g = dy ⊙ drive ⊙ (1 − tanh² g). The per-element maths is
/// written once (<see cref="Apply{T}"/>, <see cref="Gradients{T}"/>) and used by both halves.
/// </summary>
public static class Gain
{
    /// <summary>y = drive ⊙ (1 + tanh(gate)). y may be drive.</summary>
    public static void Forward<T>(Tensor<T> drive, Tensor<T> gate, Tensor<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "gain forward";
        var backend = Check.SameBackend(op, drive, gate, y);
        Check.SameShape(op, "drive", drive, "gate", gate);
        Check.SameShape(op, "drive", drive, "y", y);
        if (backend is IlgpuBackend<T> gpu)
        {
            gpu.Launch(ForwardKernel, y.Length, drive.View, gate.View, y.View);
            return;
        }
        CpuParallel.Chunks((CpuBackend<T>)backend, y.Length, (start, length) =>
        {
            var d = drive.Span.Slice(start, length);
            var g = gate.Span.Slice(start, length);
            var ys = y.Span.Slice(start, length);
            for (int i = 0; i < ys.Length; i++) ys[i] = Apply(d[i], g[i]);
        });
    }

    /// <summary>
    /// dDrive = dy ⊙ (1 + tanh g) and dGate = dy ⊙ drive ⊙ (1 − tanh² g), overwritten. The gradients must not be
    /// the same tensors as drive, gate or dy.
    /// </summary>
    public static void Backward<T>(Tensor<T> drive, Tensor<T> gate, Tensor<T> dy, Tensor<T> dDrive, Tensor<T> dGate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "gain backward";
        var backend = Check.SameBackend(op, drive, gate, dy, dDrive, dGate);
        Check.SameShape(op, "drive", drive, "gate", gate);
        Check.SameShape(op, "drive", drive, "dy", dy);
        Check.SameShape(op, "drive", drive, "dDrive", dDrive);
        Check.SameShape(op, "drive", drive, "dGate", dGate);
        if (backend is IlgpuBackend<T> gpu)
        {
            gpu.Launch(BackwardKernel, dy.Length, drive.View, gate.View, dy.View, dDrive.View, dGate.View);
            return;
        }
        CpuParallel.Chunks((CpuBackend<T>)backend, dy.Length, (start, length) =>
        {
            var d = drive.Span.Slice(start, length);
            var g = gate.Span.Slice(start, length);
            var dys = dy.Span.Slice(start, length);
            var dd = dDrive.Span.Slice(start, length);
            var dg = dGate.Span.Slice(start, length);
            for (int i = 0; i < dys.Length; i++) (dd[i], dg[i]) = Gradients(d[i], g[i], dys[i]);
        });
    }

    /// <summary>drive·(1 + tanh g).</summary>
    public static T Apply<T>(T drive, T gate) where T : unmanaged, IFloatingPointIeee754<T> => drive * (T.One + T.Tanh(gate));

    /// <summary>(∂L/∂drive, ∂L/∂g) for one element.</summary>
    public static (T DDrive, T DGate) Gradients<T>(T drive, T gate, T dy) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T th = T.Tanh(gate);
        return (dy * (T.One + th), dy * drive * (T.One - th * th));
    }

    private static void ForwardKernel<T>(Index1D i, ArrayView<T> drive, ArrayView<T> gate, ArrayView<T> y)
        where T : unmanaged, IFloatingPointIeee754<T>
        => y[i] = Apply(drive[i], gate[i]);

    private static void BackwardKernel<T>(Index1D i, ArrayView<T> drive, ArrayView<T> gate, ArrayView<T> dy, ArrayView<T> dDrive, ArrayView<T> dGate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (dd, dg) = Gradients(drive[i], gate[i], dy[i]);
        dDrive[i] = dd;
        dGate[i] = dg;
    }
}
