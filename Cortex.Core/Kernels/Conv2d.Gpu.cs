using System.Numerics;
using System.Runtime.CompilerServices;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;
using ILGPU;

namespace Cortex.Core.Kernels;

// The ILGPU half. The batch is cut into chunks whose column matrix fits a bounded workspace; each chunk is
// unfolded by a gather kernel into cols [K, count·N] (row k, column image·N + pixel) and multiplied by the
// backend's batched GEMM (cuBLAS on CUDA). Backward-data multiplies wᵀ·dy into cols [count, K, N], then a gather kernel
// sums, for every input pixel, the column entries that read it (no atomics). Everything stays on the device.
public static partial class Conv2d
{
    /// <summary>Upper bound on the GPU workspaces of one pass (column matrix plus transposed dy), in bytes.</summary>
    internal const long WorkspaceBytes = 256L << 20;

    /// <summary>Images [First, First + Count) of the batch; Accumulate is 1 for +=.</summary>
    internal readonly record struct Chunk(int First, int Count, int Accumulate);

    private static void GpuForward<T>(IlgpuBackend<T> gpu, Conv2dGeometry g, Tensor<T> x, Tensor<T> w, Tensor<T>? bias, Tensor<T> y, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var l = Lowering.Of(g);
        int k = l.K, n = l.N, co = g.OutChannels;
        T beta = accumulate ? T.One : T.Zero;
        if (l.IsPointwise)
            gpu.GemmBatched(false, false, co, n, k, T.One, w, k, 0, x, n, k * n, beta, y, n, co * n, g.Batch);
        else
            foreach (var chunk in Chunks<T>(g.Batch, k * n))
            {
                var cols = gpu.Workspace("conv.cols", new Shape(k, chunk.Count * n));
                gpu.Launch(Im2colKernel, cols.Length, x.View, cols.View, l, chunk);
                gpu.GemmBatched(false, false, co, n, k, T.One, w, k, 0, cols, chunk.Count * n, n, beta,
                    y.Slice(chunk.First * co * n, new Shape(chunk.Count * co * n)), n, co * n, chunk.Count);
            }
        if (bias is not null)
            GpuAddBias(gpu, y, bias, new Layout(g.Batch, co, n));
    }

    private static void GpuBackwardData<T>(IlgpuBackend<T> gpu, Conv2dGeometry g, Tensor<T> dy, Tensor<T> w, Tensor<T> dx, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var l = Lowering.Of(g);
        int k = l.K, n = l.N, co = g.OutChannels;
        if (l.IsPointwise)
        {
            gpu.GemmBatched(true, false, k, n, co, T.One, w, k, 0, dy, n, co * n, accumulate ? T.One : T.Zero, dx, n, k * n, g.Batch);
            return;
        }
        foreach (var chunk in Chunks<T>(g.Batch, k * n, accumulate))
        {
            var cols = gpu.Workspace("conv.cols", new Shape(chunk.Count, k, n));
            gpu.GemmBatched(true, false, k, n, co, T.One, w, k, 0, dy.Slice(chunk.First * co * n, new Shape(chunk.Count * co * n)), n, co * n,
                T.Zero, cols, n, k * n, chunk.Count);
            gpu.Launch(Col2imKernel, chunk.Count * l.ImageSize, cols.View, dx.View, l, chunk);
        }
    }

    private static void GpuBackwardWeights<T>(IlgpuBackend<T> gpu, Conv2dGeometry g, Tensor<T> x, Tensor<T> dy, Tensor<T> dw)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var l = Lowering.Of(g);
        int k = l.K, n = l.N, co = g.OutChannels;
        // dw += dyᵀ-chunk [Co, count·N] · colsᵀ: one product per chunk, its inner dimension running over images and pixels.
        foreach (var chunk in Chunks<T>(g.Batch, (k + co) * n))
        {
            int columns = chunk.Count * n;
            var cols = gpu.Workspace("conv.cols", new Shape(k, columns));
            var dyt = gpu.Workspace("conv.dyt", new Shape(co, columns));
            gpu.Launch(Im2colKernel, cols.Length, x.View, cols.View, l, chunk);
            gpu.Launch(GatherChannelsKernel, dyt.Length, dy.View, dyt.View, new Layout(g.Batch, co, n), chunk);
            gpu.Gemm(false, true, co, k, columns, T.One, dyt, columns, cols, columns, T.One, dw, k);
        }
    }

    private static void GpuAddBias<T>(IlgpuBackend<T> gpu, Tensor<T> y, Tensor<T> bias, Layout layout) where T : unmanaged, IFloatingPointIeee754<T>
        => gpu.Launch(AddBiasKernel, y.Length, y.View, bias.View, layout);

    /// <summary>Consecutive chunks of the batch whose workspace (perImage elements each) stays under <see cref="WorkspaceBytes"/>.</summary>
    private static IEnumerable<Chunk> Chunks<T>(int batch, long perImage, bool accumulate = false) where T : unmanaged
    {
        int size = (int)Math.Clamp(WorkspaceBytes / Unsafe.SizeOf<T>() / Math.Max(1, perImage), 1, batch);
        for (int first = 0; first < batch; first += size)
            yield return new Chunk(first, Math.Min(size, batch - first), accumulate ? 1 : 0);
    }

    /// <summary>cols[k, i·N + p] = x[First + i, c, oh·s − PadH + u, ow·s − PadW + v] (zero outside), k = (c, u, v), p = (oh, ow).</summary>
    private static void Im2colKernel<T>(Index1D index, ArrayView<T> x, ArrayView<T> cols, Lowering l, Chunk chunk)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = l.OutHeight * l.OutWidth;
        int p = index % n;
        int rest = index / n;
        int image = rest % chunk.Count;
        int k = rest / chunk.Count;
        int v = k % l.KernelWidth;
        int u = k / l.KernelWidth % l.KernelHeight;
        int c = k / (l.KernelWidth * l.KernelHeight);
        int ih = p / l.OutWidth * l.Stride - l.PadH + u;
        int iw = p % l.OutWidth * l.Stride - l.PadW + v;
        T value = T.Zero;
        if (ih >= 0 && ih < l.Height && iw >= 0 && iw < l.Width)
            value = x[(((long)(chunk.First + image) * l.Channels + c) * l.Height + ih) * l.Width + iw];
        cols[index] = value;
    }

    /// <summary>
    /// dx[First + i, c, ih, iw] (+)= Σ_{u, v} cols[i, (c, u, v), (oh, ow)] over the (u, v) for which
    /// ih = oh·s − PadH + u and iw = ow·s − PadW + v: one thread per input pixel gathers what im2col spread.
    /// </summary>
    private static void Col2imKernel<T>(Index1D index, ArrayView<T> cols, ArrayView<T> dx, Lowering l, Chunk chunk)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = l.OutHeight * l.OutWidth;
        int iw = index % l.Width;
        int rest = index / l.Width;
        int ih = rest % l.Height;
        rest /= l.Height;
        int c = rest % l.Channels;
        int image = rest / l.Channels;
        T sum = T.Zero;
        for (int u = 0; u < l.KernelHeight; u++)
        {
            int hs = ih + l.PadH - u;
            if (hs < 0 || hs % l.Stride != 0) continue;
            int oh = hs / l.Stride;
            if (oh >= l.OutHeight) continue;
            for (int v = 0; v < l.KernelWidth; v++)
            {
                int ws = iw + l.PadW - v;
                if (ws < 0 || ws % l.Stride != 0) continue;
                int ow = ws / l.Stride;
                if (ow >= l.OutWidth) continue;
                long k = (c * l.KernelHeight + u) * l.KernelWidth + v;
                sum += cols[((long)image * l.Channels * l.KernelHeight * l.KernelWidth + k) * n + oh * l.OutWidth + ow];
            }
        }
        long at = (long)chunk.First * l.Channels * l.Height * l.Width + index;
        dx[at] = chunk.Accumulate != 0 ? dx[at] + sum : sum;
    }

    /// <summary>dyt[c, i·Inner + p] = dy[First + i, c, p]: the chunk's channels side by side, images along the columns.</summary>
    private static void GatherChannelsKernel<T>(Index1D index, ArrayView<T> dy, ArrayView<T> dyt, Layout layout, Chunk chunk)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int p = index % layout.Inner;
        int rest = index / layout.Inner;
        int image = rest % chunk.Count;
        int c = rest / chunk.Count;
        dyt[index] = dy[((long)(chunk.First + image) * layout.Channels + c) * layout.Inner + p];
    }

    private static void AddBiasKernel<T>(Index1D index, ArrayView<T> y, ArrayView<T> bias, Layout layout)
        where T : unmanaged, IFloatingPointIeee754<T>
        => y[index] += bias[index / layout.Inner % layout.Channels];
}
