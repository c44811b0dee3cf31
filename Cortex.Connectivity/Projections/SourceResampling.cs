using System.Numerics;
using Cortex.Connectivity.Spec;
using Cortex.Core.Kernels;
using Cortex.Core.Tensors;

namespace Cortex.Connectivity.Projections;

/// <summary>
/// Pooling or upsampling of a projection's source before its connection (a window and stride of
/// <paramref name="Factor"/>; upsampling to the resampled size). Backward adds into the source's gradient.
/// </summary>
public readonly record struct SourceResampling(Resampling Kind, int Factor)
{
    public bool IsNone => Kind is Resampling.None or Resampling.TransposedConv;

    public void Forward<T>(Tensor<T> source, Tensor<T> resampled) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (Kind)
        {
            case Resampling.MaxPool: Pool2d.MaxForward(source, resampled, Factor, Factor, 0); break;
            case Resampling.AvgPool: Pool2d.AvgForward(source, resampled, Factor, Factor, 0); break;
            case Resampling.UpsampleNearest: Upsample.NearestForward(source, resampled); break;
            case Resampling.UpsampleBilinear: Upsample.BilinearForward(source, resampled); break;
            default: throw new InvalidOperationException($"{Kind} is not a resampling of the source");
        }
    }

    /// <summary>dSource += ∂L/∂source given ∂L/∂resampled (dSource = … when not <paramref name="accumulate"/>).</summary>
    public void Backward<T>(Tensor<T> source, Tensor<T> resampled, Tensor<T> dResampled, Tensor<T> dSource, bool accumulate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (Kind)
        {
            case Resampling.MaxPool: Pool2d.MaxBackward(source, resampled, dResampled, dSource, Factor, Factor, 0, accumulate); break;
            case Resampling.AvgPool: Pool2d.AvgBackward(dResampled, dSource, Factor, Factor, 0, accumulate); break;
            case Resampling.UpsampleNearest: Upsample.NearestBackward(dResampled, dSource, accumulate); break;
            case Resampling.UpsampleBilinear: Upsample.BilinearBackward(dResampled, dSource, accumulate); break;
            default: throw new InvalidOperationException($"{Kind} is not a resampling of the source");
        }
    }
}
