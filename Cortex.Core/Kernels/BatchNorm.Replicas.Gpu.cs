using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;
using static Cortex.Core.Kernels.NormStatistics;

namespace Cortex.Core.Kernels;

// The GPU halves of the per-channel sums of synchronised batch normalisation (BatchNorm.Replicas.cs): the partial-sum kernels
// batch norm already has, folded, finished into [C] or [2C] values on the device and read back for the sum over replicas.
public static partial class BatchNorm
{
    /// <summary>The GPU half of <see cref="ChannelSums{T}(CpuBackend{T}, Tensor{T}, int, int, int, double[])"/>, summed in T through <paramref name="scratch"/> [C].</summary>
    private static void ChannelSums<T>(IlgpuBackend<T> gpu, Tensor<T> x, int b, int c, int s, Tensor<T> scratch, double[] sums)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long n = (long)b * s;
        int parts = WidePartitions(n);
        var workspace = gpu.Workspace("batchnorm.partials", (long)c * parts + (long)c * FoldLanes);
        var partials = workspace.SubView(0, (long)c * parts);
        var folded = workspace.SubView((long)c * parts, (long)c * FoldLanes);
        gpu.Launch(SumPartialsKernel, c * parts, x.View, partials, new Segments(b, c, s, parts, 1));
        var (rows, lanes) = Fold(gpu, partials, c, parts, folded);
        gpu.Launch(MeanKernel, c, rows, scratch.View, lanes, T.One);
        var host = scratch.ToArray();
        for (int ch = 0; ch < c; ch++) sums[ch] = double.CreateTruncating(host[ch]);
    }

    /// <summary>
    /// The GPU half of the centred sums: Σ(x − K_c)² summed in T, and Σ(x − K_c) taken as 0 (K is the global mean in T, as the
    /// one-process GPU path centres on its mean). <paramref name="shiftScratch"/> and <paramref name="squareScratch"/> are [C].
    /// </summary>
    private static void CentredSums<T>(IlgpuBackend<T> gpu, Tensor<T> x, int b, int c, int s, T[] shift, Tensor<T> shiftScratch,
        Tensor<T> squareScratch, double[] centred)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        gpu.Upload(shift, shiftScratch);
        long n = (long)b * s;
        int parts = WidePartitions(n);
        var workspace = gpu.Workspace("batchnorm.partials", (long)c * parts + (long)c * FoldLanes);
        var partials = workspace.SubView(0, (long)c * parts);
        var folded = workspace.SubView((long)c * parts, (long)c * FoldLanes);
        gpu.Launch(CenteredSquarePartialsKernel, c * parts, x.View, shiftScratch.View, partials, new Segments(b, c, s, parts, 1));
        var (rows, lanes) = Fold(gpu, partials, c, parts, folded);
        gpu.Launch(MeanKernel, c, rows, squareScratch.View, lanes, T.One);
        var host = squareScratch.ToArray();
        for (int ch = 0; ch < c; ch++)
        {
            centred[ch] = 0;
            centred[c + ch] = double.CreateTruncating(host[ch]);
        }
    }

    /// <summary>The GPU half of the gradient sums, summed in T through a workspace of 2C values.</summary>
    private static void GradientSums<T, TAct>(IlgpuBackend<T> gpu, Tensor<T> x, Tensor<T> normalised, Tensor<T> activated, Tensor<T> dActivated,
        Tensor<T> savedMean, int b, int c, int s, double[] sums)
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IActivation<T>
    {
        long n = (long)b * s;
        int parts = WidePartitions(n);
        var workspace = gpu.Workspace("batchnorm.partials", 2L * c * parts + 2L * c * FoldLanes);
        var partials = workspace.SubView(0, 2L * c * parts);
        var folded = workspace.SubView(2L * c * parts, 2L * c * FoldLanes);
        gpu.Launch(ActivatedGradientPartialsKernel<T, TAct>, c * parts, x.View, normalised.View, activated.View, dActivated.View, savedMean.View,
            partials, new Segments(b, c, s, parts, 1));
        var (rows, lanes) = Fold(gpu, partials, 2 * c, parts, folded);
        var totals = gpu.Workspace("batchnorm.replicas", new Shape(2 * c));
        gpu.Launch(MeanKernel, 2 * c, rows, totals.View, lanes, T.One);
        var host = totals.ToArray();
        for (int i = 0; i < 2 * c; i++) sums[i] = double.CreateTruncating(host[i]);
    }
}
