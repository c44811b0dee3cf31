using System.Buffers;
using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using static Cortex.Core.Kernels.NormStatistics;

namespace Cortex.Core.Kernels;

// The CPU half for vector inputs x [B, N] (S = 1): a channel's values lie a row apart, so the work runs along
// rows, with per-channel coefficient spans, on blocks of consecutive channels (one block per task). With a
// nonlinearity a = f(n), f is applied to each row just normalised, and f'(n)·dA is formed row by row in a
// buffer of one block's width backward, so no tensor-sized intermediate is written.
public static partial class BatchNorm
{
    private const int RowBlock = 512;

    private static void ForBlocks<T>(CpuBackend<T> cpu, int channels, long elements, Action<int, int> body)
        where T : unmanaged, IFloatingPointIeee754<T>
        => For(cpu, (channels + RowBlock - 1) / RowBlock, elements, block =>
        {
            int start = block * RowBlock;
            body(start, Math.Min(RowBlock, channels - start));
        });

    /// <summary>y = BN(x); activated = f(y) row by row while the row is in cache, when activated is not null.</summary>
    private static void ForwardTrainingRows<T, TAct>(CpuBackend<T> cpu, Tensor<T> x, Tensor<T> gamma, Tensor<T> beta, Tensor<T> y,
        Tensor<T>? activated, Tensor<T> savedMean, Tensor<T> savedInvStd, Tensor<T> runningMean, Tensor<T> runningVar, double momentum,
        double epsilon)
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IActivation<T>
    {
        int b = x.Shape[0], c = x.Shape[1];
        ForBlocks(cpu, c, x.Length, (c0, w) =>
        {
            ReadOnlySpan<T> xs = x.Span;
            Span<T> ys = y.Span;
            var sums = ArrayPool<double>.Shared.Rent(2 * w);
            var sum = sums.AsSpan(0, w);
            var squares = sums.AsSpan(w, w);
            sum.Clear();
            squares.Clear();
            for (int i = 0; i < b; i++)
            {
                var row = xs.Slice(i * c + c0, w);
                for (int k = 0; k < w; k++) sum[k] += double.CreateTruncating(row[k]);
            }
            var mean = savedMean.Span.Slice(c0, w);
            for (int k = 0; k < w; k++) mean[k] = T.CreateTruncating(sum[k] / b);
            for (int i = 0; i < b; i++)
            {
                var centered = ys.Slice(i * c + c0, w);
                TensorPrimitives.Subtract(xs.Slice(i * c + c0, w), mean, centered);
                for (int k = 0; k < w; k++) squares[k] += double.CreateTruncating(centered[k] * centered[k]);
            }
            var invStd = savedInvStd.Span.Slice(c0, w);
            var scaleRented = ArrayPool<T>.Shared.Rent(w);
            var scale = scaleRented.AsSpan(0, w);
            for (int k = 0; k < w; k++)
            {
                invStd[k] = InvStd<T>(squares[k] / b, epsilon);
                scale[k] = invStd[k] * gamma.Span[c0 + k];
                runningMean.Span[c0 + k] = T.CreateTruncating((1 - momentum) * double.CreateTruncating(runningMean.Span[c0 + k]) + momentum * sum[k] / b);
                runningVar.Span[c0 + k] = T.CreateTruncating((1 - momentum) * double.CreateTruncating(runningVar.Span[c0 + k]) + momentum * squares[k] / (b - 1));
            }
            var shift = beta.Span.Slice(c0, w);
            for (int i = 0; i < b; i++)
            {
                var row = ys.Slice(i * c + c0, w);
                TensorPrimitives.MultiplyAdd(row, scale, shift, row);
                if (activated is not null) Activation.ForwardSpan<T, TAct>(row, activated.Span.Slice(i * c + c0, w));
            }
            ArrayPool<T>.Shared.Return(scaleRented);
            ArrayPool<double>.Shared.Return(sums);
        });
    }

    private static void ForwardInferenceRows<T>(CpuBackend<T> cpu, Tensor<T> x, Tensor<T> gamma, Tensor<T> beta, Tensor<T> y,
        Tensor<T> runningMean, Tensor<T> runningVar, double epsilon)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int b = x.Shape[0], c = x.Shape[1];
        ForBlocks(cpu, c, x.Length, (c0, w) =>
        {
            var rented = ArrayPool<T>.Shared.Rent(2 * w);
            var scale = rented.AsSpan(0, w);
            var shift = rented.AsSpan(w, w);
            for (int k = 0; k < w; k++)
            {
                scale[k] = InvStd<T>(double.CreateTruncating(runningVar.Span[c0 + k]), epsilon) * gamma.Span[c0 + k];
                shift[k] = beta.Span[c0 + k] - runningMean.Span[c0 + k] * scale[k];
            }
            for (int i = 0; i < b; i++)
                TensorPrimitives.MultiplyAdd(x.Span.Slice(i * c + c0, w), scale, shift, y.Span.Slice(i * c + c0, w));
            ArrayPool<T>.Shared.Return(rented);
        });
    }

    /// <summary>
    /// Backward from dA through a = f(n), n = BN(x): d = f'(n)·dA row by row into a small buffer (for f = identity d is dA
    /// itself, and n and a are not read).
    /// </summary>
    private static void BackwardRows<T, TAct>(CpuBackend<T> cpu, Tensor<T> x, Tensor<T> gamma, Tensor<T> savedMean, Tensor<T> savedInvStd,
        Tensor<T> normalised, Tensor<T> activated, Tensor<T> dActivated, Tensor<T> dx, Tensor<T> dgamma, Tensor<T> dbeta, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IActivation<T>
    {
        int b = x.Shape[0], c = x.Shape[1];
        bool identity = typeof(TAct) == typeof(Identity<T>);
        ForBlocks(cpu, c, x.Length, (c0, w) =>
        {
            ReadOnlySpan<T> xs = x.Span;
            var mean = savedMean.Span.Slice(c0, w);
            var sums = ArrayPool<double>.Shared.Rent(2 * w);
            var sumDy = sums.AsSpan(0, w);
            var sumDyCentered = sums.AsSpan(w, w);
            var gradient = identity ? null : ArrayPool<T>.Shared.Rent(w);
            sumDy.Clear();
            sumDyCentered.Clear();
            for (int i = 0; i < b; i++)
            {
                var xr = xs.Slice(i * c + c0, w);
                var dr = RowGradient<T, TAct>(normalised, activated, dActivated, i * c + c0, w, gradient);
                for (int k = 0; k < w; k++)
                {
                    sumDy[k] += double.CreateTruncating(dr[k]);
                    sumDyCentered[k] += double.CreateTruncating(dr[k] * (xr[k] - mean[k]));
                }
            }
            // dx = a·dy + q·(x − μ) + k per channel: a = σ⁻¹γ, q = −σ⁻²·γ·mean(dy·x̂), k = −σ⁻¹·γ·mean(dy)
            var rented = ArrayPool<T>.Shared.Rent(4 * w);
            var a = rented.AsSpan(0, w);
            var q = rented.AsSpan(w, w);
            var shift = rented.AsSpan(2 * w, w);
            var scratch = rented.AsSpan(3 * w, w);
            for (int k = 0; k < w; k++)
            {
                double r = double.CreateTruncating(savedInvStd.Span[c0 + k]), g = double.CreateTruncating(gamma.Span[c0 + k]);
                double sumDyXhat = r * sumDyCentered[k];
                dbeta.Span[c0 + k] += T.CreateTruncating(sumDy[k]);
                dgamma.Span[c0 + k] += T.CreateTruncating(sumDyXhat);
                a[k] = T.CreateTruncating(r * g);
                q[k] = T.CreateTruncating(-r * r * g * sumDyXhat / b);
                shift[k] = T.CreateTruncating(-r * g * sumDy[k] / b);
            }
            for (int i = 0; i < b; i++)
            {
                var dxr = dx.Span.Slice(i * c + c0, w);
                TensorPrimitives.Subtract(xs.Slice(i * c + c0, w), mean, scratch);
                TensorPrimitives.MultiplyAdd(scratch, q, shift, scratch);
                var dr = RowGradient<T, TAct>(normalised, activated, dActivated, i * c + c0, w, gradient);
                if (accumulate)
                {
                    TensorPrimitives.MultiplyAdd(dr, a, scratch, scratch);
                    TensorPrimitives.Add(dxr, scratch, dxr);
                }
                else TensorPrimitives.MultiplyAdd(dr, a, scratch, dxr);
            }
            ArrayPool<T>.Shared.Return(rented);
            ArrayPool<double>.Shared.Return(sums);
            if (gradient is not null) ArrayPool<T>.Shared.Return(gradient);
        });
    }

    /// <summary>d = f'(n)·dA over the w values from at: dA itself when gradient is null (f = identity), else written into gradient.</summary>
    private static ReadOnlySpan<T> RowGradient<T, TAct>(Tensor<T> normalised, Tensor<T> activated, Tensor<T> dActivated, int at, int w,
        T[]? gradient)
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IActivation<T>
    {
        if (gradient is null) return dActivated.Span.Slice(at, w);
        var d = gradient.AsSpan(0, w);
        Activation.BackwardSpan<T, TAct>(normalised.Span.Slice(at, w), activated.Span.Slice(at, w), dActivated.Span.Slice(at, w), d,
            accumulate: false);
        return d;
    }
}
