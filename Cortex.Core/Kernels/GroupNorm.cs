using System.Buffers;
using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;
using ILGPU;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using static Cortex.Core.Kernels.NormStatistics;

namespace Cortex.Core.Kernels;

/// <summary>
/// Group normalisation over x [B, C, H, W] or [B, C] (seen as [B, C, S], S = H·W or 1): the C channels
/// fall into G groups of C/G consecutive channels, and each (sample, group) is normalised over its
/// M = (C/G)·S values with the biased variance, then scaled and shifted per channel:
/// y = γ_c·(x − μ_bg)/√(σ²_bg + ε) + β_c. It needs no batch statistics, so training and inference agree.
/// <para>
/// Precision: as <see cref="BatchNorm"/>: on the CPU blocked TensorPrimitives sums added in double and the
/// centred two-pass variance; on the GPU per-statistic partial sums over up to 1024 threads, added in a
/// fixed order.
/// </para>
/// </summary>
public static class GroupNorm
{
    /// <summary>
    /// y = γ_c·(x − μ)·σ⁻¹ + β_c per (sample, group); saves μ and σ⁻¹ = 1/√(σ² + ε), indexed b·G + g. y may be x.
    /// </summary>
    /// <param name="x">[B, C, H, W] or [B, C].</param>
    /// <param name="groups">G, dividing C.</param>
    /// <param name="gamma">[C] scale.</param>
    /// <param name="beta">[C] shift.</param>
    /// <param name="y">Output, shaped as x.</param>
    /// <param name="savedMean">B·G means (written), any shape of that size ([B·G] or [B, G]).</param>
    /// <param name="savedInvStd">B·G values of σ⁻¹ (written), as savedMean.</param>
    /// <param name="epsilon">Added to the variance, ≥ 0 (commonly 1e-5).</param>
    public static void Forward<T>(Tensor<T> x, int groups, Tensor<T> gamma, Tensor<T> beta, Tensor<T> y, Tensor<T> savedMean,
        Tensor<T> savedInvStd, T epsilon)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Forward("group norm forward", x, groups, gamma, beta, y, savedMean, savedInvStd, epsilon);

    /// <summary>
    /// Backward through <see cref="Forward{T}(Tensor{T}, int, Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T}, T)"/>:
    /// dx = σ⁻¹·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) with dx̂ = γ_c·dy, means over the (sample, group).
    /// dgamma += Σ_{b,s} dy·x̂ and dbeta += Σ_{b,s} dy ALWAYS accumulate; dx is overwritten, or added to when
    /// <paramref name="accumulate"/>. dx must not overlap x or dy.
    /// </summary>
    public static void Backward<T>(Tensor<T> x, int groups, Tensor<T> gamma, Tensor<T> savedMean, Tensor<T> savedInvStd, Tensor<T> dy,
        Tensor<T> dx, Tensor<T> dgamma, Tensor<T> dbeta, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Backward("group norm backward", x, groups, gamma, savedMean, savedInvStd, dy, dx, dgamma, dbeta, accumulate);

    internal static void Forward<T>(string op, Tensor<T> x, int groups, Tensor<T> gamma, Tensor<T> beta, Tensor<T> y, Tensor<T> savedMean,
        Tensor<T> savedInvStd, T epsilon)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var backend = Check.SameBackend(op, x, gamma, beta, y, savedMean, savedInvStd);
        var (b, c, s) = Validate(op, x, groups, savedMean, savedInvStd);
        Check.SameShape(op, "x", x, "y", y);
        CheckChannels(op, c, ("gamma", gamma), ("beta", beta));
        CheckEpsilon(op, epsilon);
        int perGroup = c / groups, m = perGroup * s, stats = b * groups;

        if (backend is IlgpuBackend<T> gpu)
        {
            int parts = Partitions(m);
            var partials = gpu.Workspace("groupnorm.partials", (long)stats * parts);
            var segments = new Segments(1, stats, m, parts, 1);
            T invCount = T.CreateTruncating(1.0 / m);
            gpu.Launch(SumPartialsKernel, stats * parts, x.View, partials, segments);
            gpu.Launch(MeanKernel, stats, partials, savedMean.View, parts, invCount);
            gpu.Launch(CenteredSquarePartialsKernel, stats * parts, x.View, savedMean.View, partials, segments);
            gpu.Launch(InvStdKernel, stats, partials, savedInvStd.View, parts, invCount, epsilon);
            gpu.Launch(NormalizeKernel, x.Length, x.View, gamma.View, beta.View, savedMean.View, savedInvStd.View, y.View, new Elements(s, c, m, stats));
            return;
        }

        var cpu = (CpuBackend<T>)backend;
        double eps = double.CreateTruncating(epsilon);
        For(cpu, stats, x.Length, bg =>
        {
            int g = bg % groups;
            var xs = x.Span.Slice(bg * m, m);
            var ys = y.Span.Slice(bg * m, m);
            T mean = T.CreateTruncating(Reduce.HostSum<T>(xs) / m);
            Center<T>(xs, mean, ys);
            T invStd = InvStd<T>(Reduce.HostSumOfSquares<T>(ys) / m, eps);
            savedMean.Span[bg] = mean;
            savedInvStd.Span[bg] = invStd;
            if (s == 1)
            {
                // One value per channel ([B, N] input): the affine runs along the channels.
                TensorPrimitives.Multiply(ys, gamma.Span.Slice(g * perGroup, perGroup), ys);
                TensorPrimitives.MultiplyAdd(ys, invStd, beta.Span.Slice(g * perGroup, perGroup), ys);
                return;
            }
            for (int k = 0; k < perGroup; k++)
            {
                int ch = g * perGroup + k;
                var slice = ys.Slice(k * s, s);
                Affine<T>(slice, invStd * gamma.Span[ch], beta.Span[ch], slice);
            }
        });
    }

    internal static void Backward<T>(string op, Tensor<T> x, int groups, Tensor<T> gamma, Tensor<T> savedMean, Tensor<T> savedInvStd,
        Tensor<T> dy, Tensor<T> dx, Tensor<T> dgamma, Tensor<T> dbeta, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var backend = Check.SameBackend(op, x, gamma, savedMean, savedInvStd, dy, dx, dgamma, dbeta);
        var (b, c, s) = Validate(op, x, groups, savedMean, savedInvStd);
        Check.SameShape(op, "x", x, "dy", dy);
        Check.SameShape(op, "x", x, "dx", dx);
        CheckChannels(op, c, ("gamma", gamma), ("dgamma", dgamma), ("dbeta", dbeta));
        int perGroup = c / groups, m = perGroup * s, stats = b * groups, rows = b * c;

        if (backend is IlgpuBackend<T> gpu)
        {
            // Per (sample, channel): Σ dy and Σ dy·x̂ over S; per (sample, group): the two means of dx̂; then dx.
            int parts = Partitions(s);
            var workspace = gpu.Workspace("groupnorm.partials", 2L * rows * parts + 2L * rows + 2L * stats);
            var partials = workspace.SubView(0, 2L * rows * parts);
            var sums = workspace.SubView(2L * rows * parts, 2L * rows);
            var coefficients = workspace.SubView(2L * rows * parts + 2L * rows, 2L * stats);
            var dims = new Dims(b, c, groups, parts);
            gpu.Launch(GradientPartialsKernel, rows * parts, x.View, dy.View, savedMean.View, partials, new Segments(1, rows, s, parts, perGroup));
            gpu.Launch(GroupCoefficientsKernel, stats, partials, gamma.View, savedInvStd.View, sums, coefficients, dims, T.CreateTruncating(1.0 / m));
            gpu.Launch(ChannelGradientKernel, c, sums, dgamma.View, dbeta.View, dims);
            gpu.Launch(InputGradientKernel, x.Length, x.View, dy.View, gamma.View, savedMean.View, savedInvStd.View, coefficients, dx.View,
                new Elements(s, c, m, stats), accumulate ? 1 : 0);
            return;
        }

        var cpu = (CpuBackend<T>)backend;
        var rowSums = ArrayPool<double>.Shared.Rent(2 * rows); // [Σ dy | Σ dy·x̂] per (b, c)
        For(cpu, stats, x.Length, bg =>
        {
            int g = bg % groups, row0 = bg / groups * c + g * perGroup;
            var xs = x.Span.Slice(bg * m, m);
            var dys = dy.Span.Slice(bg * m, m);
            var gammas = gamma.Span.Slice(g * perGroup, perGroup);
            T r = savedInvStd.Span[bg];
            double rd = double.CreateTruncating(r);
            var rented = ArrayPool<T>.Shared.Rent(2 * m);
            var centered = rented.AsSpan(0, m);
            var dxhat = rented.AsSpan(m, m);
            Center<T>(xs, savedMean.Span[bg], centered);
            if (s == 1)
            {
                TensorPrimitives.Multiply(dys, gammas, dxhat);
                for (int k = 0; k < perGroup; k++)
                {
                    rowSums[row0 + k] = double.CreateTruncating(dys[k]);
                    rowSums[rows + row0 + k] = rd * double.CreateTruncating(dys[k] * centered[k]);
                }
            }
            else
                for (int k = 0; k < perGroup; k++)
                {
                    var dyk = dys.Slice(k * s, s);
                    TensorPrimitives.Multiply(dyk, gammas[k], dxhat.Slice(k * s, s));
                    rowSums[row0 + k] = Reduce.HostSum<T>(dyk);
                    rowSums[rows + row0 + k] = rd * Reduce.HostDot<T>(dyk, centered.Slice(k * s, s));
                }
            // dx = σ⁻¹·(dx̂ − A − x̂·Q) = σ⁻¹·dx̂ + (−σ⁻²Q)·(x − μ) − σ⁻¹A, A = mean(dx̂), Q = mean(dx̂·x̂)
            double meanDxhat = Reduce.HostSum<T>(dxhat) / m, meanDxhatXhat = rd * Reduce.HostDot<T>(dxhat, centered) / m;
            WriteInputGradient<T>(dxhat, centered, r, T.CreateTruncating(-rd * rd * meanDxhatXhat), T.CreateTruncating(-rd * meanDxhat),
                dx.Span.Slice(bg * m, m), accumulate);
            ArrayPool<T>.Shared.Return(rented);
        });
        // dbeta, dgamma: column sums of the row sums, on blocks of consecutive channels (row-wise reads).
        const int block = 256;
        For(cpu, (c + block - 1) / block, rows, blockIndex =>
        {
            int c0 = blockIndex * block, w = Math.Min(block, c - c0);
            Span<double> sumDy = stackalloc double[w], sumDyXhat = stackalloc double[w];
            sumDy.Clear();
            sumDyXhat.Clear();
            for (int i = 0; i < b; i++)
                for (int k = 0; k < w; k++)
                {
                    sumDy[k] += rowSums[i * c + c0 + k];
                    sumDyXhat[k] += rowSums[rows + i * c + c0 + k];
                }
            for (int k = 0; k < w; k++)
            {
                dbeta.Span[c0 + k] += T.CreateTruncating(sumDy[k]);
                dgamma.Span[c0 + k] += T.CreateTruncating(sumDyXhat[k]);
            }
        });
        ArrayPool<double>.Shared.Return(rowSums);
    }

    private static (int Batch, int Channels, int Spatial) Validate<T>(string op, Tensor<T> x, int groups, Tensor<T> savedMean, Tensor<T> savedInvStd)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (b, c, s) = Layout(op, x);
        Check.Positive(op, "groups", groups);
        if (c % groups != 0)
            throw new ArgumentException($"{op}: groups = {groups} must divide the C = {c} channels of x {x.Shape}");
        int stats = b * groups;
        foreach (var (name, t) in new[] { ("savedMean", savedMean), ("savedInvStd", savedInvStd) })
            if (t.Length != stats)
                throw new ArgumentException($"{op}: {name} must hold B·G = {b}·{groups} = {stats} values ([{stats}]), got shape {t.Shape}");
        return (b, c, s);
    }

    /// <summary>Batch B, channels C, groups G, GPU threads per (sample, channel) sum.</summary>
    internal readonly record struct Dims(int Batch, int Channels, int Groups, int Parts);

    private static void InvStdKernel<T>(Index1D bg, ArrayView<T> partials, ArrayView<T> invStd, int parts, T invCount, T epsilon)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T squares = SumRun(partials, (long)bg.X * parts, 1, parts);
        invStd[bg] = T.One / T.Sqrt(squares * invCount + epsilon);
    }

    /// <summary>
    /// For (sample b, group g): sums[row] = Σ dy, sums[B·C + row] = Σ dy·x̂ for each of its channels (row = b·C + c),
    /// and coefficients[bg] = mean(dx̂), coefficients[B·G + bg] = mean(dx̂·x̂), dx̂ = γ_c·dy.
    /// </summary>
    private static void GroupCoefficientsKernel<T>(Index1D bg, ArrayView<T> partials, ArrayView<T> gamma, ArrayView<T> invStd,
        ArrayView<T> sums, ArrayView<T> coefficients, Dims d, T invCount)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int perGroup = d.Channels / d.Groups;
        long rows = (long)d.Batch * d.Channels;
        int sample = bg / d.Groups, g = bg % d.Groups;
        T r = invStd[bg], sumDxhat = T.Zero, sumDxhatXhat = T.Zero;
        for (int k = 0; k < perGroup; k++)
        {
            int ch = g * perGroup + k;
            long row = (long)sample * d.Channels + ch;
            T sumDy = SumRun(partials, row * d.Parts, 1, d.Parts);
            T sumDyCentered = SumRun(partials, (rows + row) * d.Parts, 1, d.Parts);
            T sumDyXhat = sumDyCentered * r;
            sums[row] = sumDy;
            sums[rows + row] = sumDyXhat;
            sumDxhat += gamma[ch] * sumDy;
            sumDxhatXhat += gamma[ch] * sumDyXhat;
        }
        coefficients[bg] = sumDxhat * invCount;
        coefficients[(long)d.Batch * d.Groups + bg] = sumDxhatXhat * invCount;
    }

    /// <summary>dbeta[c] += Σ_b Σ dy, dgamma[c] += Σ_b Σ dy·x̂.</summary>
    private static void ChannelGradientKernel<T>(Index1D c, ArrayView<T> sums, ArrayView<T> dgamma, ArrayView<T> dbeta, Dims d)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long rows = (long)d.Batch * d.Channels;
        T sumDy = T.Zero, sumDyXhat = T.Zero;
        for (int b = 0; b < d.Batch; b++)
        {
            sumDy += sums[(long)b * d.Channels + c];
            sumDyXhat += sums[rows + (long)b * d.Channels + c];
        }
        dbeta[c] += sumDy;
        dgamma[c] += sumDyXhat;
    }
}
