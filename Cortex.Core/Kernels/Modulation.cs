using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;
using ILGPU;

namespace Cortex.Core.Kernels;

/// <summary>
/// The per-element maths of a modulation of an area's drive d by the summed output u of its modulatory projections:
/// y = Apply(d, u) and its two partial derivatives. Written once as static members of a struct (e.g. the gain
/// d·(1 + tanh u), a divisive normalisation d / (1 + softplus u)), so that the CPU loop and the ILGPU kernel of
/// <see cref="Modulation"/> run the same code, and a new modulation is one struct.
/// </summary>
public interface IModulation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The modulation's name, for messages.</summary>
    static abstract string Name { get; }

    /// <summary>y = Apply(drive, input).</summary>
    static abstract T Apply(T drive, T input);

    /// <summary>(∂L/∂drive, ∂L/∂input) for one element, given ∂L/∂y.</summary>
    static abstract (T DDrive, T DInput) Gradients(T drive, T input, T dy);
}

/// <summary>
/// Element-wise modulation of a drive by a modulatory input, y = M(drive, input), forward and backward, on every
/// backend; behaviour varies by the struct type parameter <c>TMod</c> of each call (see <see cref="IModulation{T}"/>).
/// </summary>
public static class Modulation
{
    /// <summary>y = M(drive, input). y may be drive.</summary>
    public static void Forward<T, TMod>(Tensor<T> drive, Tensor<T> input, Tensor<T> y)
        where T : unmanaged, IFloatingPointIeee754<T> where TMod : struct, IModulation<T>
    {
        string op = TMod.Name + " forward";
        var backend = Check.SameBackend(op, drive, input, y);
        Check.SameShape(op, "drive", drive, "input", input);
        Check.SameShape(op, "drive", drive, "y", y);
        if (backend is IlgpuBackend<T> gpu)
        {
            gpu.Launch(ForwardKernel<T, TMod>, y.Length, drive.View, input.View, y.View);
            return;
        }
        CpuParallel.Chunks((CpuBackend<T>)backend, y.Length, (start, length) =>
        {
            var d = drive.Span.Slice(start, length);
            var u = input.Span.Slice(start, length);
            var ys = y.Span.Slice(start, length);
            for (int i = 0; i < ys.Length; i++) ys[i] = TMod.Apply(d[i], u[i]);
        });
    }

    /// <summary>
    /// dDrive = ∂L/∂drive and dInput = ∂L/∂input given dy, overwritten. The gradients must not be the same tensors as
    /// drive, input or dy.
    /// </summary>
    public static void Backward<T, TMod>(Tensor<T> drive, Tensor<T> input, Tensor<T> dy, Tensor<T> dDrive, Tensor<T> dInput)
        where T : unmanaged, IFloatingPointIeee754<T> where TMod : struct, IModulation<T>
    {
        string op = TMod.Name + " backward";
        var backend = Check.SameBackend(op, drive, input, dy, dDrive, dInput);
        Check.SameShape(op, "drive", drive, "input", input);
        Check.SameShape(op, "drive", drive, "dy", dy);
        Check.SameShape(op, "drive", drive, "dDrive", dDrive);
        Check.SameShape(op, "drive", drive, "dInput", dInput);
        if (backend is IlgpuBackend<T> gpu)
        {
            gpu.Launch(BackwardKernel<T, TMod>, dy.Length, drive.View, input.View, dy.View, dDrive.View, dInput.View);
            return;
        }
        CpuParallel.Chunks((CpuBackend<T>)backend, dy.Length, (start, length) =>
        {
            var d = drive.Span.Slice(start, length);
            var u = input.Span.Slice(start, length);
            var dys = dy.Span.Slice(start, length);
            var dd = dDrive.Span.Slice(start, length);
            var du = dInput.Span.Slice(start, length);
            for (int i = 0; i < dys.Length; i++) (dd[i], du[i]) = TMod.Gradients(d[i], u[i], dys[i]);
        });
    }

    private static void ForwardKernel<T, TMod>(Index1D i, ArrayView<T> drive, ArrayView<T> input, ArrayView<T> y)
        where T : unmanaged, IFloatingPointIeee754<T> where TMod : struct, IModulation<T>
        => y[i] = TMod.Apply(drive[i], input[i]);

    private static void BackwardKernel<T, TMod>(Index1D i, ArrayView<T> drive, ArrayView<T> input, ArrayView<T> dy, ArrayView<T> dDrive,
        ArrayView<T> dInput) where T : unmanaged, IFloatingPointIeee754<T> where TMod : struct, IModulation<T>
    {
        var (dd, du) = TMod.Gradients(drive[i], input[i], dy[i]);
        dDrive[i] = dd;
        dInput[i] = du;
    }
}
