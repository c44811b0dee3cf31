using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;
using ILGPU;

namespace Cortex.Core.Kernels;

/// <summary>
/// A sign constraint on weights (Dale's law) by parametrisation: the trained value is an unconstrained raw
/// tensor r and the weights used are w = s·|r|, with s = +1 (excitatory, w ≥ 0) or −1 (inhibitory, w ≤ 0).
/// Backward: ∂L/∂r += s·sign(r)·∂L/∂w (sign(0) = 0). The per-element maths is written once and used by both halves.
/// </summary>
public static class SignConstraint
{
    /// <summary>w = sign·|raw|; <paramref name="sign"/> is +1 or −1.</summary>
    public static void Forward<T>(Tensor<T> raw, Tensor<T> w, int sign) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "sign constraint forward";
        var backend = Check.SameBackend(op, raw, w);
        Check.SameShape(op, "raw", raw, "w", w);
        T s = Sign<T>(op, sign);
        if (backend is IlgpuBackend<T> gpu)
        {
            gpu.Launch(ForwardKernel, w.Length, raw.View, w.View, s);
            return;
        }
        CpuParallel.Chunks((CpuBackend<T>)backend, w.Length, (start, length) =>
        {
            var r = raw.Span.Slice(start, length);
            var ws = w.Span.Slice(start, length);
            for (int i = 0; i < ws.Length; i++) ws[i] = Apply(r[i], s);
        });
    }

    /// <summary>dRaw += sign·sign(raw)·dw (a parameter gradient: always accumulated).</summary>
    public static void Backward<T>(Tensor<T> raw, Tensor<T> dw, Tensor<T> dRaw, int sign) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "sign constraint backward";
        var backend = Check.SameBackend(op, raw, dw, dRaw);
        Check.SameShape(op, "raw", raw, "dw", dw);
        Check.SameShape(op, "raw", raw, "dRaw", dRaw);
        T s = Sign<T>(op, sign);
        if (backend is IlgpuBackend<T> gpu)
        {
            gpu.Launch(BackwardKernel, dw.Length, raw.View, dw.View, dRaw.View, s);
            return;
        }
        CpuParallel.Chunks((CpuBackend<T>)backend, dw.Length, (start, length) =>
        {
            var r = raw.Span.Slice(start, length);
            var d = dw.Span.Slice(start, length);
            var dr = dRaw.Span.Slice(start, length);
            for (int i = 0; i < dr.Length; i++) dr[i] += RawGradient(r[i], d[i], s);
        });
    }

    /// <summary>s·|r|.</summary>
    public static T Apply<T>(T raw, T sign) where T : unmanaged, IFloatingPointIeee754<T> => sign * T.Abs(raw);

    /// <summary>s·sign(r)·dw.</summary>
    public static T RawGradient<T>(T raw, T dw, T sign) where T : unmanaged, IFloatingPointIeee754<T>
        => raw > T.Zero ? sign * dw : raw < T.Zero ? -sign * dw : T.Zero;

    private static T Sign<T>(string op, int sign) where T : unmanaged, IFloatingPointIeee754<T>
        => sign switch
        {
            1 => T.One,
            -1 => -T.One,
            _ => throw new ArgumentOutOfRangeException(nameof(sign), $"{op}: sign must be +1 (excitatory) or −1 (inhibitory), got {sign}"),
        };

    private static void ForwardKernel<T>(Index1D i, ArrayView<T> raw, ArrayView<T> w, T sign) where T : unmanaged, IFloatingPointIeee754<T>
        => w[i] = Apply(raw[i], sign);

    private static void BackwardKernel<T>(Index1D i, ArrayView<T> raw, ArrayView<T> dw, ArrayView<T> dRaw, T sign)
        where T : unmanaged, IFloatingPointIeee754<T>
        => dRaw[i] += RawGradient(raw[i], dw[i], sign);
}
