using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;
using ILGPU;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Cortex.Core.Kernels;

/// <summary>
/// Leaky integration of an area's state: h(t) = (1 − α)·h(t−1) + α·x(t), with α = dt/τ computed once on the
/// host by the caller and 0 &lt; α ≤ 1 (α = 1 is a plain recurrent update, h(t) = x(t)). Backward gives
/// ∂L/∂h(t−1) = (1 − α)·∂L/∂h(t), ∂L/∂x(t) = α·∂L/∂h(t), and ∂L/∂α = Σ ∂L/∂h(t)·(x(t) − h(t−1)); for a
/// trainable τ the caller applies dα/dτ = −dt/τ². The per-element maths is written once, generic over the
/// number type, and runs on scalars in the GPU kernels and on <see cref="Vector{T}"/> lanes on the CPU.
/// </summary>
public static class LeakyIntegration
{
    /// <summary>Elements per block of the CPU backward pass; fixed, so the sum of ∂L/∂α does not depend on the thread count.</summary>
    private const int CpuBlock = 1 << 14;

    /// <summary>h = (1 − α)·hPrev + α·x. h may be the same tensor as hPrev or x.</summary>
    public static void Forward<T>(Tensor<T> hPrev, Tensor<T> x, Tensor<T> h, T alpha) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "leaky integration forward";
        var backend = Check.SameBackend(op, hPrev, x, h);
        Check.SameShape(op, "hPrev", hPrev, "x", x);
        Check.SameShape(op, "hPrev", hPrev, "h", h);
        T decay = Decay(op, alpha);
        if (backend is IlgpuBackend<T> gpu)
        {
            gpu.Launch(ForwardKernel, h.Length, hPrev.View, x.View, h.View, alpha, decay);
            return;
        }
        CpuParallel.Chunks((CpuBackend<T>)backend, h.Length, (start, length) =>
            ForwardCpu(hPrev.Span.Slice(start, length), x.Span.Slice(start, length), h.Span.Slice(start, length), alpha, decay));
    }

    /// <summary>
    /// Backward of <see cref="Forward"/> into both gradients, each with its own mode: dhPrev = (1 − α)·dh or
    /// += (<paramref name="accumulatePrevious"/>), dx = α·dh or += (<paramref name="accumulateInput"/>). An area's
    /// step adds the leak's share to ∂L/∂h(t − 1) and writes its input's gradient: one pass on the GPU.
    /// </summary>
    public static void Backward<T>(Tensor<T> hPrev, Tensor<T> x, Tensor<T> dh, Tensor<T> dhPrev, Tensor<T> dx, T alpha,
        bool accumulatePrevious, bool accumulateInput) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "leaky integration backward";
        if (Check.SameBackend(op, hPrev, x, dh, dhPrev, dx) is not IlgpuBackend<T> gpu)
        {
            Backward(hPrev, x, dh, dhPrev, null, alpha, null, accumulatePrevious);
            Backward(hPrev, x, dh, null, dx, alpha, null, accumulateInput);
            return;
        }
        Check.SameShape(op, "hPrev", hPrev, "x", x);
        Check.SameShape(op, "hPrev", hPrev, "dh", dh);
        Check.SameShape(op, "hPrev", hPrev, "dhPrev", dhPrev);
        Check.SameShape(op, "x", x, "dx", dx);
        T decay = Decay(op, alpha);
        gpu.Launch(BackwardKernel, dh.Length, dh.View, dhPrev.View, dx.View, alpha, decay,
            new Flags(1, 1, (accumulatePrevious ? 1 : 0) | (accumulateInput ? 2 : 0)));
    }

    /// <summary>
    /// Backward of <see cref="Forward"/> given dh = ∂L/∂h: dhPrev = (1 − α)·dh and dx = α·dh (or += when
    /// <paramref name="accumulate"/>; either may be null when not needed), and, when <paramref name="dAlpha"/>
    /// (shape [1]) is given, dAlpha += Σ dh·(x − hPrev). dAlpha always accumulates, like every parameter
    /// gradient, so a sum over steps and areas needs no extra pass. Gradients must not be the same tensor as
    /// hPrev, x or dh.
    /// </summary>
    public static void Backward<T>(Tensor<T> hPrev, Tensor<T> x, Tensor<T> dh, Tensor<T>? dhPrev, Tensor<T>? dx, T alpha,
        Tensor<T>? dAlpha, bool accumulate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "leaky integration backward";
        var backend = Check.SameBackend(op, hPrev, x, dh, dhPrev, dx, dAlpha);
        Check.SameShape(op, "hPrev", hPrev, "x", x);
        Check.SameShape(op, "hPrev", hPrev, "dh", dh);
        if (dhPrev is not null) Check.SameShape(op, "hPrev", hPrev, "dhPrev", dhPrev);
        if (dx is not null) Check.SameShape(op, "x", x, "dx", dx);
        if (dAlpha is not null) Check.Shape(op, "dAlpha", dAlpha, new Shape(1));
        T decay = Decay(op, alpha);
        int n = dh.Length;

        if (backend is IlgpuBackend<T> gpu)
        {
            if (dhPrev is not null || dx is not null)
                // A missing gradient is passed as dh's view (never written) so that no kernel argument is an empty view.
                gpu.Launch(BackwardKernel, n, dh.View, (dhPrev ?? dh).View, (dx ?? dh).View, alpha, decay,
                    new Flags(dhPrev is not null ? 1 : 0, dx is not null ? 1 : 0, accumulate ? 3 : 0));
            if (dAlpha is not null)
            {
                int parts = NormStatistics.WidePartitions(n);
                var workspace = gpu.Workspace("leaky.dalpha", parts + NormStatistics.FoldLanes);
                var partials = workspace.SubView(0, parts);
                gpu.Launch(AlphaPartialsKernel, parts, hPrev.View, x.View, dh.View, partials);
                var (folded, lanes) = NormStatistics.Fold(gpu, partials, 1, parts, workspace.SubView(parts, NormStatistics.FoldLanes));
                gpu.Launch(AddPartialsKernel, 1, folded, dAlpha.View, lanes);
            }
            return;
        }

        var cpu = (CpuBackend<T>)backend;
        int blocks = (n + CpuBlock - 1) / CpuBlock;
        var sums = dAlpha is not null ? new T[blocks] : null;
        void Block(int k)
        {
            int start = k * CpuBlock, length = Math.Min(CpuBlock, n - start);
            var dhs = dh.Span.Slice(start, length);
            if (dhPrev is not null) ScaleCpu(dhs, dhPrev.Span.Slice(start, length), decay, accumulate);
            if (dx is not null) ScaleCpu(dhs, dx.Span.Slice(start, length), alpha, accumulate);
            if (sums is not null) sums[k] = AlphaTermSum(hPrev.Span.Slice(start, length), x.Span.Slice(start, length), dhs);
        }
        if (blocks == 1 || cpu.Threads == 1)
            for (int k = 0; k < blocks; k++) Block(k);
        else
            cpu.For(blocks, Block);
        if (sums is not null)
        {
            T total = T.Zero;
            foreach (var s in sums) total += s;
            dAlpha!.Span[0] += total;
        }
    }

    // ---- per-element maths, shared by both halves (TV is T in kernels, Vector<T> on the CPU) ----

    /// <summary>h = (1 − α)·hPrev + α·x, with decay = 1 − α.</summary>
    internal static TV Integrate<TV, TA>(TV hPrev, TV x, TV alpha, TV decay) where TA : struct, IArithmetic<TV>
        => TA.Add(TA.Multiply(decay, hPrev), TA.Multiply(alpha, x));

    /// <summary>The contribution of one element to ∂L/∂α: dh·(x − hPrev).</summary>
    internal static TV AlphaTerm<TV, TA>(TV hPrev, TV x, TV dh) where TA : struct, IArithmetic<TV>
        => TA.Multiply(dh, TA.Subtract(x, hPrev));

    /// <summary>
    /// The arithmetic of the per-element maths, on one number (<see cref="Scalar{T}"/>, in kernels and CPU
    /// tails) or on SIMD lanes (<see cref="Lanes{T}"/>, CPU). Vector&lt;T&gt;'s operator interfaces are not
    /// public, so generic maths cannot reach its operators directly.
    /// </summary>
    internal interface IArithmetic<TV>
    {
        static abstract TV Add(TV a, TV b);
        static abstract TV Subtract(TV a, TV b);
        static abstract TV Multiply(TV a, TV b);
    }

    internal struct Scalar<T> : IArithmetic<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static T Add(T a, T b) => a + b;
        public static T Subtract(T a, T b) => a - b;
        public static T Multiply(T a, T b) => a * b;
    }

    internal struct Lanes<T> : IArithmetic<Vector<T>> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static Vector<T> Add(Vector<T> a, Vector<T> b) => a + b;
        public static Vector<T> Subtract(Vector<T> a, Vector<T> b) => a - b;
        public static Vector<T> Multiply(Vector<T> a, Vector<T> b) => a * b;
    }

    private static T Decay<T>(string op, T alpha) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!(alpha > T.Zero && alpha <= T.One))
            throw new ArgumentOutOfRangeException(nameof(alpha), $"{op}: alpha = dt/tau must lie in (0, 1], got {alpha}");
        return T.One - alpha;
    }

    // ---- CPU half ----

    private static void ForwardCpu<T>(ReadOnlySpan<T> hPrev, ReadOnlySpan<T> x, Span<T> h, T alpha, T decay)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var va = new Vector<T>(alpha);
            var vd = new Vector<T>(decay);
            for (; i <= h.Length - Vector<T>.Count; i += Vector<T>.Count)
                Integrate<Vector<T>, Lanes<T>>(Load(hPrev, i), Load(x, i), va, vd).StoreUnsafe(ref MemoryMarshal.GetReference(h), (nuint)i);
        }
        for (; i < h.Length; i++) h[i] = Integrate<T, Scalar<T>>(hPrev[i], x[i], alpha, decay);
    }

    /// <summary>y = c·dh, or y += c·dh.</summary>
    private static void ScaleCpu<T>(ReadOnlySpan<T> dh, Span<T> y, T c, bool accumulate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (accumulate) TensorPrimitives.MultiplyAdd(dh, c, y, y);
        else TensorPrimitives.Multiply(dh, c, y);
    }

    private static T AlphaTermSum<T>(ReadOnlySpan<T> hPrev, ReadOnlySpan<T> x, ReadOnlySpan<T> dh) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        T sum = T.Zero;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            var acc = Vector<T>.Zero;
            for (; i <= dh.Length - Vector<T>.Count; i += Vector<T>.Count)
                acc += AlphaTerm<Vector<T>, Lanes<T>>(Load(hPrev, i), Load(x, i), Load(dh, i));
            sum = Vector.Sum(acc);
        }
        for (; i < dh.Length; i++) sum += AlphaTerm<T, Scalar<T>>(hPrev[i], x[i], dh[i]);
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Load<T>(ReadOnlySpan<T> s, int i) where T : unmanaged
        => Vector.LoadUnsafe(ref MemoryMarshal.GetReference(s), (nuint)i);

    // ---- GPU half ----

    /// <summary>Which gradients the backward kernel writes, and which it adds to (Accumulate: bit 0 dhPrev, bit 1 dx).</summary>
    internal readonly record struct Flags(int DhPrev, int Dx, int Accumulate);

    private static void ForwardKernel<T>(Index1D i, ArrayView<T> hPrev, ArrayView<T> x, ArrayView<T> h, T alpha, T decay)
        where T : unmanaged, IFloatingPointIeee754<T>
        => h[i] = Integrate<T, Scalar<T>>(hPrev[i], x[i], alpha, decay);

    private static void BackwardKernel<T>(Index1D i, ArrayView<T> dh, ArrayView<T> dhPrev, ArrayView<T> dx, T alpha, T decay, Flags f)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T g = dh[i];
        if (f.DhPrev != 0) dhPrev[i] = (f.Accumulate & 1) != 0 ? dhPrev[i] + decay * g : decay * g;
        if (f.Dx != 0) dx[i] = (f.Accumulate & 2) != 0 ? dx[i] + alpha * g : alpha * g;
    }

    private static void AlphaPartialsKernel<T>(Index1D p, ArrayView<T> hPrev, ArrayView<T> x, ArrayView<T> dh, ArrayView<T> partials)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long parts = partials.Length;
        T s = T.Zero;
        for (long j = p; j < dh.Length; j += parts)
            s += AlphaTerm<T, Scalar<T>>(hPrev[j], x[j], dh[j]);
        partials[p] = s;
    }

    private static void AddPartialsKernel<T>(Index1D i, ArrayView<T> partials, ArrayView<T> dAlpha, int parts)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        dAlpha[0] += NormStatistics.SumRun(partials, 0, 1, parts);
    }
}
