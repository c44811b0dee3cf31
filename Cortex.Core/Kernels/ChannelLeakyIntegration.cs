using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;
using ILGPU;

namespace Cortex.Core.Kernels;

/// <summary>
/// Leaky integration with one learned time constant per channel: h = (1 − α_c)·hPrev + α_c·x over x
/// [B, C, H, W] or [B, C] (seen as [B, C, S]), with α_c = dt / max(τ_c, dt) so that 0 &lt; α_c ≤ 1 whatever
/// the optimiser does to τ. Backward: ∂L/∂hPrev += (1 − α_c)·dh, ∂L/∂x = α_c·dh,
/// ∂L/∂α_c += Σ_{b,s} dh·(x − hPrev), and ∂L/∂τ_c += −dt/τ_c²·∂L/∂α_c where τ_c ≥ dt (0 on the clamp, below dt).
/// A fixed α for a whole area is <see cref="LeakyIntegration"/>.
/// </summary>
public static class ChannelLeakyIntegration
{
    /// <summary>α_c = dt / max(τ_c, dt). tau, alpha: [C].</summary>
    public static void Alpha<T>(Tensor<T> tau, Tensor<T> alpha, T dt) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "channel leaky integration alpha";
        var backend = Check.SameBackend(op, tau, alpha);
        Check.SameShape(op, "tau", tau, "alpha", alpha);
        if (!(dt > T.Zero)) throw new ArgumentOutOfRangeException(nameof(dt), $"{op}: dt must be > 0, got {dt}");
        if (backend is IlgpuBackend<T> gpu)
        {
            gpu.Launch(AlphaKernel, tau.Length, tau.View, alpha.View, dt);
            return;
        }
        var ts = tau.Span;
        var a = alpha.Span;
        for (int c = 0; c < ts.Length; c++) a[c] = AlphaOf(ts[c], dt);
    }

    /// <summary>dTau[c] += −dt/τ_c²·dAlpha[c] where τ_c ≥ dt (a parameter gradient: always accumulated).</summary>
    public static void AlphaBackward<T>(Tensor<T> tau, Tensor<T> dAlpha, Tensor<T> dTau, T dt) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "channel leaky integration alpha backward";
        var backend = Check.SameBackend(op, tau, dAlpha, dTau);
        Check.SameShape(op, "tau", tau, "dAlpha", dAlpha);
        Check.SameShape(op, "tau", tau, "dTau", dTau);
        if (backend is IlgpuBackend<T> gpu)
        {
            gpu.Launch(AlphaBackwardKernel, tau.Length, tau.View, dAlpha.View, dTau.View, dt);
            return;
        }
        var ts = tau.Span;
        var da = dAlpha.Span;
        var dts = dTau.Span;
        for (int c = 0; c < ts.Length; c++) dts[c] += TauGradient(ts[c], da[c], dt);
    }

    /// <summary>h = (1 − α_c)·hPrev + α_c·x. h may be hPrev or x. alpha: [C].</summary>
    public static void Forward<T>(Tensor<T> hPrev, Tensor<T> x, Tensor<T> h, Tensor<T> alpha) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "channel leaky integration forward";
        var backend = Check.SameBackend(op, hPrev, x, h, alpha);
        Check.SameShape(op, "hPrev", hPrev, "x", x);
        Check.SameShape(op, "hPrev", hPrev, "h", h);
        var layout = Layout(op, h, alpha);
        if (backend is IlgpuBackend<T> gpu)
        {
            gpu.Launch(ForwardKernel, h.Length, hPrev.View, x.View, h.View, alpha.View, layout);
            return;
        }
        CpuParallel.Chunks((CpuBackend<T>)backend, h.Length, (start, length) =>
        {
            var hp = hPrev.Span; var xs = x.Span; var hs = h.Span; var a = alpha.Span;
            for (int i = start; i < start + length; i++) hs[i] = Integrate(hp[i], xs[i], a[layout.Channel(i)]);
        });
    }

    /// <summary>
    /// dhPrev += (1 − α_c)·dh (it sums into a state gradient), dx = α_c·dh (overwritten), and, when given,
    /// dAlpha[c] += Σ_{b,s} dh·(x − hPrev). Gradients must not be the same tensors as hPrev, x or dh.
    /// </summary>
    public static void Backward<T>(Tensor<T> hPrev, Tensor<T> x, Tensor<T> dh, Tensor<T> dhPrev, Tensor<T> dx, Tensor<T> alpha, Tensor<T>? dAlpha)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "channel leaky integration backward";
        var backend = Check.SameBackend(op, hPrev, x, dh, dhPrev, dx, alpha, dAlpha);
        Check.SameShape(op, "hPrev", hPrev, "x", x);
        Check.SameShape(op, "hPrev", hPrev, "dh", dh);
        Check.SameShape(op, "hPrev", hPrev, "dhPrev", dhPrev);
        Check.SameShape(op, "hPrev", hPrev, "dx", dx);
        var layout = Layout(op, dh, alpha);
        if (dAlpha is not null) Check.SameShape(op, "alpha", alpha, "dAlpha", dAlpha);
        if (backend is IlgpuBackend<T> gpu)
        {
            gpu.Launch(BackwardKernel, dh.Length, dh.View, dhPrev.View, dx.View, alpha.View, layout);
            if (dAlpha is not null)
            {
                // Σ over B·S values per channel: many threads per channel, folded, then added (as batch norm's sums).
                int c = layout.Channels, parts = NormStatistics.WidePartitions((long)layout.Batch * layout.Spatial);
                var workspace = gpu.Workspace("channel-leaky.dalpha", (long)c * parts + (long)c * NormStatistics.FoldLanes);
                var partials = workspace.SubView(0, (long)c * parts);
                gpu.Launch(AlphaPartialsKernel, c * parts, hPrev.View, x.View, dh.View, partials,
                    new NormStatistics.Segments(layout.Batch, c, layout.Spatial, parts, 1));
                var (sums, lanes) = NormStatistics.Fold(gpu, partials, c, parts, workspace.SubView((long)c * parts, (long)c * NormStatistics.FoldLanes));
                gpu.Launch(AddAlphaGradientKernel, c, sums, dAlpha.View, lanes);
            }
            return;
        }
        CpuParallel.Chunks((CpuBackend<T>)backend, dh.Length, (start, length) =>
        {
            var d = dh.Span; var dp = dhPrev.Span; var dxs = dx.Span; var a = alpha.Span;
            for (int i = start; i < start + length; i++)
            {
                T ac = a[layout.Channel(i)];
                dp[i] += (T.One - ac) * d[i];
                dxs[i] = ac * d[i];
            }
        });
        if (dAlpha is null) return;
        var hp = hPrev.Span; var xs = x.Span; var ds = dh.Span; var da = dAlpha.Span;
        for (int c = 0; c < layout.Channels; c++) da[c] += AlphaGradient(hp, xs, ds, c, layout);
    }

    /// <summary>Elements of a [B, C, S] tensor: the channel of element i is (i / S) mod C.</summary>
    public readonly record struct ChannelLayout(int Batch, int Channels, int Spatial)
    {
        /// <summary>The channel of element <paramref name="i"/> (a 64-bit division, for the CPU loops).</summary>
        public int Channel(long i) => (int)(i / Spatial % Channels);

        /// <summary>The channel of an element whose index fits an int (a 32-bit division: the GPU kernels' case).</summary>
        public int Channel(int i) => i / Spatial % Channels;
    }

    private static ChannelLayout Layout<T>(string op, Tensor<T> x, Tensor<T> alpha) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = x.Shape;
        var layout = s.Rank switch
        {
            4 => new ChannelLayout(s[0], s[1], s[2] * s[3]),
            2 => new ChannelLayout(s[0], s[1], 1),
            _ => throw new ArgumentException($"{op}: the state must be [B, C, H, W] or [B, C], got shape {s}"),
        };
        Check.Shape(op, "alpha", alpha, new Shape(layout.Channels));
        return layout;
    }

    /// <summary>α = dt / max(τ, dt): the fraction of the way the state moves toward its drive in one step; τ ≤ dt gives α = 1 (no memory). τ and dt are in steps.</summary>
    public static T AlphaOf<T>(T tau, T dt) where T : unmanaged, IFloatingPointIeee754<T> => dt / (tau > dt ? tau : dt);

    /// <summary>∂L/∂τ from ∂L/∂α: −dt/τ² · ∂L/∂α while τ ≥ dt, and 0 below, where α is clamped to 1.</summary>
    public static T TauGradient<T>(T tau, T dAlpha, T dt) where T : unmanaged, IFloatingPointIeee754<T>
        => tau >= dt ? -dt / (tau * tau) * dAlpha : T.Zero;

    /// <summary>h_t = h_{t−1} + α·(x_t − h_{t−1}): one step of leaky integration of drive <paramref name="x"/> into state <paramref name="hPrev"/>.</summary>
    public static T Integrate<T>(T hPrev, T x, T alpha) where T : unmanaged, IFloatingPointIeee754<T> => hPrev + alpha * (x - hPrev);

    private static T AlphaGradient<T>(ReadOnlySpan<T> hPrev, ReadOnlySpan<T> x, ReadOnlySpan<T> dh, int c, ChannelLayout g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T sum = T.Zero;
        for (int b = 0; b < g.Batch; b++)
        {
            int start = (b * g.Channels + c) * g.Spatial;
            for (int s = start; s < start + g.Spatial; s++) sum += dh[s] * (x[s] - hPrev[s]);
        }
        return sum;
    }

    private static void AlphaKernel<T>(Index1D c, ArrayView<T> tau, ArrayView<T> alpha, T dt) where T : unmanaged, IFloatingPointIeee754<T>
        => alpha[c] = AlphaOf(tau[c], dt);

    private static void AlphaBackwardKernel<T>(Index1D c, ArrayView<T> tau, ArrayView<T> dAlpha, ArrayView<T> dTau, T dt)
        where T : unmanaged, IFloatingPointIeee754<T>
        => dTau[c] += TauGradient(tau[c], dAlpha[c], dt);

    private static void ForwardKernel<T>(Index1D i, ArrayView<T> hPrev, ArrayView<T> x, ArrayView<T> h, ArrayView<T> alpha, ChannelLayout g)
        where T : unmanaged, IFloatingPointIeee754<T>
        => h[i] = Integrate(hPrev[i], x[i], alpha[g.Channel(i.X)]);

    private static void BackwardKernel<T>(Index1D i, ArrayView<T> dh, ArrayView<T> dhPrev, ArrayView<T> dx, ArrayView<T> alpha, ChannelLayout g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T a = alpha[g.Channel(i.X)];
        dhPrev[i] += (T.One - a) * dh[i];
        dx[i] = a * dh[i];
    }

    /// <summary>partials[c·Parts + p] = Σ dh·(x − hPrev) over part p of channel c (the walk of <see cref="NormStatistics"/>).</summary>
    private static void AlphaPartialsKernel<T>(Index1D index, ArrayView<T> hPrev, ArrayView<T> x, ArrayView<T> dh, ArrayView<T> partials,
        NormStatistics.Segments g)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        NormStatistics.Start(g, index / g.Parts, index % g.Parts, out int o, out int i, out long e, out int qo, out int qi, out long row);
        T sum = T.Zero;
        while (o < g.Outer)
        {
            sum += dh[e] * (x[e] - hPrev[e]);
            NormStatistics.Step(g, ref o, ref i, ref e, qo, qi, row);
        }
        partials[index] = sum;
    }

    /// <summary>dAlpha[c] += Σ_p partials[c·parts + p].</summary>
    private static void AddAlphaGradientKernel<T>(Index1D c, ArrayView<T> partials, ArrayView<T> dAlpha, int parts)
        where T : unmanaged, IFloatingPointIeee754<T>
        => dAlpha[c] += NormStatistics.SumRun(partials, (long)c.X * parts, 1, parts);
}
