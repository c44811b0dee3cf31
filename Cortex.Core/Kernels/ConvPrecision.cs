using Cortex.Core.Backends;

namespace Cortex.Core.Kernels;

/// <summary>
/// The arithmetic of convolutions (forward, backward-data, backward-weights, and the transposed convolution built on
/// them) in single precision. <see cref="Fp32"/>: every product and sum in IEEE single precision. <see cref="Tf32"/>:
/// operands rounded to TensorFloat-32 (8-bit exponent, 10-bit mantissa, round to nearest with ties away from zero, as
/// <c>cvt.rna.tf32.f32</c>) and multiplied on tensor cores, products accumulated in single precision — about three
/// decimal digits per operand, the same range. PyTorch allows TF32 for cuDNN convolutions by default
/// (<c>torch.backends.cudnn.allow_tf32 = True</c>) and keeps matrix products strict (<c>matmul.allow_tf32 = False</c>);
/// Cortex follows it: TF32 on CUDA by default for convolutions, dense layers and everything else strict. The CPU
/// path always computes in FP32, and double-precision tensors (gradient checks) are never rounded.
/// </summary>
public enum ConvPrecision
{
    /// <summary>IEEE single precision throughout.</summary>
    Fp32,

    /// <summary>TensorFloat-32 operands on tensor cores, single-precision accumulation.</summary>
    Tf32,
}

/// <summary>Names, parsing and defaults of <see cref="ConvPrecision"/>.</summary>
public static class ConvPrecisions
{
    /// <summary>The words a flag or a network file may use.</summary>
    public static readonly IReadOnlyList<string> Names = ["fp32", "tf32"];

    /// <summary>"fp32" or "tf32".</summary>
    public static string Name(this ConvPrecision precision) => precision == ConvPrecision.Tf32 ? "tf32" : "fp32";

    /// <summary>The precision a word names (case-insensitive), or null when it names none.</summary>
    public static ConvPrecision? Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "fp32" => ConvPrecision.Fp32,
        "tf32" => ConvPrecision.Tf32,
        _ => null,
    };

    /// <summary>PyTorch's default for convolutions on a device of this kind: TF32 on CUDA, FP32 elsewhere.</summary>
    public static ConvPrecision Default(DeviceKind kind) => kind == DeviceKind.Cuda ? ConvPrecision.Tf32 : ConvPrecision.Fp32;

    /// <summary>
    /// The precision the convolutions of <paramref name="backend"/> run at, in words for logs and reports:
    /// "tf32 (tensor cores)", "tf32 (emulated on the ILGPU CPU accelerator)", "fp32", "fp32 (the CPU path computes in fp32)", "fp64".
    /// </summary>
    public static string Describe<T>(IBackend<T> backend) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double)) return "fp64";
        if (backend is not IlgpuBackend<T> gpu) return "fp32 (the CPU path computes in fp32)";
        if (gpu.ConvPrecision == ConvPrecision.Fp32) return "fp32";
        return backend.Kind == DeviceKind.Cuda ? "tf32 (tensor cores)" : "tf32 (emulated on the ILGPU CPU accelerator)";
    }

    /// <summary>
    /// Sets the convolutions of <paramref name="backend"/> to <paramref name="requested"/> (null: the device's default,
    /// <see cref="Default"/>) and returns what they will run at, in words. TF32 asked of the CPU path or of
    /// double-precision tensors is a logged fallback to FP32 (FP64), never silent.
    /// </summary>
    public static string Apply<T>(IBackend<T> backend, ConvPrecision? requested) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var wanted = requested ?? Default(backend.Kind);
        if (backend is IlgpuBackend<T> gpu && typeof(T) == typeof(float))
            gpu.ConvPrecision = wanted;
        else if (requested == ConvPrecision.Tf32)
            Log.Warn($"tf32 was asked for, but {(typeof(T) == typeof(double) ? "double-precision tensors are never rounded" : "the CPU path computes in fp32")}; " +
                $"convolutions run at {Describe(backend)}");
        return Describe(backend);
    }
}
