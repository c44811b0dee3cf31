using System.Numerics;
using ILGPU;

namespace Cortex.Core.Kernels;

// The ILGPU kernels of the GPU half (Conv2d.Gpu.cs): one thread per output element, gathers only, indices
// decoded with multiply-shift divisors.
public static partial class Conv2d
{
    /// <summary>
    /// y[b, co, oh, ow] (+)= bias[co] + Σ_{c, u, v} w[co, c, u, v] · x[b, c, oh·s − PadH + u, ow·s − PadW + v]
    /// (zero outside): one thread per output, for inputs with few channels.
    /// </summary>
    private static void DirectForwardKernel<T>(Index1D index, ArrayView<T> x, ArrayView<T> w, ArrayView<T> bias, ArrayView<T> y,
        Lowering l, Planes planes, Epilogue e) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rest = planes.Width.Divide(index);
        int ow = index - rest * l.OutWidth;
        int plane = planes.Height.Divide(rest);
        int oh = rest - plane * l.OutHeight;
        long image = planes.Channels.Divide(plane);
        int co = plane - (int)image * e.Channels;
        T sum = e.HasBias != 0 ? bias[co] : T.Zero;
        int taps = l.KernelHeight * l.KernelWidth;
        long wAt = (long)co * l.Channels * taps;
        for (int c = 0; c < l.Channels; c++)
        {
            long input = (image * l.Channels + c) * l.Height;
            for (int u = 0; u < l.KernelHeight; u++)
            {
                int ih = oh * l.Stride - l.PadH + u;
                if (ih < 0 || ih >= l.Height) continue;
                long row = (input + ih) * l.Width;
                for (int v = 0; v < l.KernelWidth; v++)
                {
                    int iw = ow * l.Stride - l.PadW + v;
                    if (iw < 0 || iw >= l.Width) continue;
                    sum += w[wAt + (c * l.KernelHeight + u) * l.KernelWidth + v] * x[row + iw];
                }
            }
        }
        y[index] = e.Accumulate != 0 ? y[index] + sum : sum;
    }

    /// <summary>
    /// dx[b, c, ih, iw] (+)= Σ_{co, u, v} w[co, c, u, v] · dy[b, co, oh, ow] over the (u, v) for which
    /// ih = oh·s − PadH + u and iw = ow·s − PadW + v: one thread per input pixel, for inputs with few channels.
    /// e.Channels is Co and e.Inner the output pixels per channel.
    /// </summary>
    private static void DirectBackwardDataKernel<T>(Index1D index, ArrayView<T> dy, ArrayView<T> w, ArrayView<T> dx, Lowering l, Planes planes,
        Divisor stride, Epilogue e) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rest = planes.Width.Divide(index);
        int iw = index - rest * l.Width;
        int plane = planes.Height.Divide(rest);
        int ih = rest - plane * l.Height;
        long image = planes.Channels.Divide(plane);
        int c = plane - (int)image * l.Channels;
        int k = l.Channels * l.KernelHeight * l.KernelWidth;
        long dyImage = image * e.Channels * e.Inner;
        T sum = T.Zero;
        for (int u = 0; u < l.KernelHeight; u++)
        {
            int hs = ih + l.PadH - u;
            if (hs < 0) continue;
            int oh = stride.Divide(hs);
            if (oh * l.Stride != hs || oh >= l.OutHeight) continue;
            for (int v = 0; v < l.KernelWidth; v++)
            {
                int ws = iw + l.PadW - v;
                if (ws < 0) continue;
                int ow = stride.Divide(ws);
                if (ow * l.Stride != ws || ow >= l.OutWidth) continue;
                int tap = (c * l.KernelHeight + u) * l.KernelWidth + v;
                long dyAt = dyImage + oh * l.OutWidth + ow;
                for (int co = 0; co < e.Channels; co++)
                    sum += w[(long)co * k + tap] * dy[dyAt + (long)co * e.Inner];
            }
        }
        dx[index] = e.Accumulate != 0 ? dx[index] + sum : sum;
    }

    /// <summary>
    /// cols[k, i·N + p] = x[First + i, c, oh·s − PadH + u, ow·s − PadW + v] (zero outside), k = (c, u, v), p = (oh, ow);
    /// rows past Channels·Kh·Kw (launched only for the weight gradient with a bias) are ones.
    /// </summary>
    private static void Im2colKernel<T>(Index1D index, ArrayView<T> x, ArrayView<T> cols, Unfold f)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var l = f.L;
        int rest = f.Pixels.Divide(index);
        int p = index - rest * f.Pixels.Value;
        int k = f.Images.Divide(rest);
        int image = rest - k * f.Images.Value;
        int kernelRow = f.KernelWidth.Divide(k);
        int v = k - kernelRow * l.KernelWidth;
        int c = f.KernelHeight.Divide(kernelRow);
        int u = kernelRow - c * l.KernelHeight;
        int oh = f.OutWidth.Divide(p);
        int ih = oh * l.Stride - l.PadH + u;
        int iw = (p - oh * l.OutWidth) * l.Stride - l.PadW + v;
        T value = T.Zero;
        if (c >= l.Channels)
            value = T.One;
        else if (ih >= 0 && ih < l.Height && iw >= 0 && iw < l.Width)
            value = x[(((long)(f.First + image) * l.Channels + c) * l.Height + ih) * l.Width + iw];
        cols[index] = value;
    }

    /// <summary>
    /// dx[First + i, c, ih, iw] (+)= Σ_{u, v} cols[i, (c, u, v), (oh, ow)] over the (u, v) for which
    /// ih = oh·s − PadH + u and iw = ow·s − PadW + v: one thread per input pixel gathers what im2col spread.
    /// </summary>
    private static void Col2imKernel<T>(Index1D index, ArrayView<T> cols, ArrayView<T> dx, Lowering l, Chunk chunk, Planes planes, Divisor stride)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = l.OutHeight * l.OutWidth;
        int rest = planes.Width.Divide(index);
        int iw = index - rest * l.Width;
        int plane = planes.Height.Divide(rest);
        int ih = rest - plane * l.Height;
        int image = planes.Channels.Divide(plane);
        int c = plane - image * l.Channels;
        T sum = T.Zero;
        for (int u = 0; u < l.KernelHeight; u++)
        {
            int hs = ih + l.PadH - u;
            if (hs < 0) continue;
            int oh = stride.Divide(hs);
            if (oh * l.Stride != hs || oh >= l.OutHeight) continue;
            for (int v = 0; v < l.KernelWidth; v++)
            {
                int ws = iw + l.PadW - v;
                if (ws < 0) continue;
                int ow = stride.Divide(ws);
                if (ow * l.Stride != ws || ow >= l.OutWidth) continue;
                long k = (c * l.KernelHeight + u) * l.KernelWidth + v;
                sum += cols[((long)image * l.Channels * l.KernelHeight * l.KernelWidth + k) * n + oh * l.OutWidth + ow];
            }
        }
        long at = (long)chunk.First * l.Channels * l.Height * l.Width + index;
        dx[at] = chunk.Accumulate != 0 ? dx[at] + sum : sum;
    }

    /// <summary>dyt[c, i·Inner + p] = dy[First + i, c, p]: the chunk's channels side by side, images along the columns.</summary>
    private static void GatherChannelsKernel<T>(Index1D index, ArrayView<T> dy, ArrayView<T> dyt, Layout layout, Chunk chunk, Planes planes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rest = planes.Width.Divide(index);
        int p = index - rest * layout.Inner;
        int c = planes.Height.Divide(rest);
        int image = rest - c * chunk.Count;
        dyt[index] = dy[((long)(chunk.First + image) * layout.Channels + c) * layout.Inner + p];
    }

    /// <summary>
    /// y[First + i, c, p] (+)= bias[c] + product[c, i·Inner + p]: the inverse of <see cref="GatherChannelsKernel{T}"/>,
    /// one thread per output of the chunk, in y's order.
    /// </summary>
    private static void ScatterChannelsKernel<T>(Index1D index, ArrayView<T> product, ArrayView<T> bias, ArrayView<T> y, Epilogue e, Chunk chunk,
        Planes planes) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int rest = planes.Width.Divide(index);
        int p = index - rest * e.Inner;
        int image = planes.Channels.Divide(rest);
        int c = rest - image * e.Channels;
        T value = product[((long)c * chunk.Count + image) * e.Inner + p];
        if (e.HasBias != 0) value += bias[c];
        long at = (long)chunk.First * e.Channels * e.Inner + index;
        y[at] = e.Accumulate != 0 ? y[at] + value : value;
    }

    /// <summary>
    /// dw[co, r] += Σ_s partials[s, co, r] for r &lt; K, and dbias[co] += the same sum for r = K (the row of ones).
    /// Four running sums (slices s ≡ 0..3 mod 4) keep four loads in flight; the order is fixed, so results are deterministic.
    /// </summary>
    private static void AddSlicesKernel<T>(Index1D index, ArrayView<T> partials, ArrayView<T> dw, ArrayView<T> dbias, Slices s)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T s0 = T.Zero, s1 = T.Zero, s2 = T.Zero, s3 = T.Zero;
        long at = index;
        int slice = 0;
        for (; slice + 4 <= s.Count; slice += 4, at += 4L * s.Size)
        {
            s0 += partials[at];
            s1 += partials[at + s.Size];
            s2 += partials[at + 2L * s.Size];
            s3 += partials[at + 3L * s.Size];
        }
        for (; slice < s.Count; slice++, at += s.Size)
            s0 += partials[at];
        T sum = s0 + s1 + (s2 + s3);
        int co = index / s.Rows, r = index % s.Rows;
        if (r < s.K)
            dw[co * s.K + r] += sum;
        else
            dbias[co] += sum;
    }

    /// <summary>
    /// turned[c, o, u, v] = w[o, c, Kh − 1 − u, Kw − 1 − v], with w seen as [Batch = Co, Channels = Ci, Inner = Kh·Kw]:
    /// the weights of the adjoint convolution. Flipping both kernel axes reverses the Kh·Kw taps.
    /// </summary>
    private static void TurnWeightsKernel<T>(Index1D index, ArrayView<T> w, ArrayView<T> turned, Layout layout)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int tap = index % layout.Inner;
        int rest = index / layout.Inner;
        int o = rest % layout.Batch;
        int c = rest / layout.Batch;
        turned[index] = w[((long)o * layout.Channels + c) * layout.Inner + layout.Inner - 1 - tap];
    }

    private static void AddBiasKernel<T>(Index1D index, ArrayView<T> y, ArrayView<T> bias, Layout layout)
        where T : unmanaged, IFloatingPointIeee754<T>
        => y[index] += bias[index / layout.Inner % layout.Channels];
}
