using System.Numerics;
using ILGPU;

namespace Cortex.Core.Kernels;

// The ILGPU half of Upsample: one thread per output element forward, one per input element backward (gathers).
public static partial class Upsample
{
    private static void NearestForwardKernel<T>(Index1D index, ArrayView<T> x, ArrayView<T> y, Planes g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int plane = index / (g.Ho * g.Wo), r = index % (g.Ho * g.Wo);
        int h = NearestSource(r / g.Wo, g.H, g.Ho), w = NearestSource(r % g.Wo, g.W, g.Wo);
        y[index] = x[((long)plane * g.H + h) * g.W + w];
    }

    private static void NearestBackwardKernel<T>(Index1D index, ArrayView<T> dy, ArrayView<T> dx, Planes g, int accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int plane = index / (g.H * g.W), r = index % (g.H * g.W);
        NearestReaders(r / g.W, g.H, g.Ho, out int oh0, out int oh1);
        NearestReaders(r % g.W, g.W, g.Wo, out int ow0, out int ow1);
        long ob = (long)plane * g.Ho * g.Wo;
        T sum = T.Zero;
        for (int oh = oh0; oh <= oh1; oh++)
            for (int ow = ow0; ow <= ow1; ow++)
                sum += dy[ob + (long)oh * g.Wo + ow];
        dx[index] = accumulate != 0 ? dx[index] + sum : sum;
    }

    private static void BilinearForwardKernel<T>(Index1D index, ArrayView<T> x, ArrayView<T> y, Planes g, T scaleH, T scaleW)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int plane = index / (g.Ho * g.Wo), r = index % (g.Ho * g.Wo);
        BilinearSource(r / g.Wo, scaleH, g.H, g.Ho, out int h0, out int h1, out T lh);
        BilinearSource(r % g.Wo, scaleW, g.W, g.Wo, out int w0, out int w1, out T lw);
        long b = (long)plane * g.H * g.W;
        long r0 = b + (long)h0 * g.W, r1 = b + (long)h1 * g.W;
        T top = (T.One - lw) * x[r0 + w0] + lw * x[r0 + w1];
        T bottom = (T.One - lw) * x[r1 + w0] + lw * x[r1 + w1];
        y[index] = (T.One - lh) * top + lh * bottom;
    }

    private static void BilinearBackwardKernel<T>(Index1D index, ArrayView<T> dy, ArrayView<T> dx, Planes g, T scaleH, T scaleW, int accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int plane = index / (g.H * g.W), r = index % (g.H * g.W);
        int ih = r / g.W, iw = r % g.W;
        BilinearReaders(ih, g.H, g.Ho, out int oh0, out int oh1);
        BilinearReaders(iw, g.W, g.Wo, out int ow0, out int ow1);
        long ob = (long)plane * g.Ho * g.Wo;
        T sum = T.Zero;
        for (int oh = oh0; oh <= oh1; oh++)
        {
            T wh = BilinearWeight(ih, oh, scaleH, g.H, g.Ho);
            if (wh == T.Zero) continue;
            T row = T.Zero;
            for (int ow = ow0; ow <= ow1; ow++)
                row += BilinearWeight(iw, ow, scaleW, g.W, g.Wo) * dy[ob + (long)oh * g.Wo + ow];
            sum += wh * row;
        }
        dx[index] = accumulate != 0 ? dx[index] + sum : sum;
    }
}
