using System.Numerics;
using Cortex.Core.Tensors;

namespace Cortex.Areas;

/// <summary>
/// Closes a kind's generic call over the two precisions Cortex runs (float for work, double for gradient checks), so
/// that a registry line can name a Core struct once per precision (e.g. <c>Relu&lt;float&gt;</c>, <c>Relu&lt;double&gt;</c>).
/// The element type only: how convolutions compute in single precision on a GPU (FP32 or TF32 tensor cores) is
/// <see cref="Cortex.Core.Kernels.ConvPrecision"/> (docs/decisions/0010).
/// </summary>
internal static class Precision
{
    public static bool IsSingle<T>() where T : unmanaged, IFloatingPointIeee754<T> => typeof(T) == typeof(float);

    public static Tensor<float> Single<T>(Tensor<T> t) where T : unmanaged, IFloatingPointIeee754<T> => (Tensor<float>)(object)t;

    public static Tensor<double> Double<T>(Tensor<T> t) where T : unmanaged, IFloatingPointIeee754<T>
        => t as Tensor<double> ?? throw new NotSupportedException($"kinds run on float or double tensors, not {typeof(T).Name}");
}
