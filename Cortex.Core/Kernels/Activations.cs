using System.Numerics;
using System.Runtime.InteropServices;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;
using ILGPU;

namespace Cortex.Core.Kernels;

/// <summary>A pointwise nonlinearity: y = f(x), and dL/dx = f'(x)·dL/dy written from x and y.</summary>
public interface IActivation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The word a network file uses for this nonlinearity (<c>relu</c>, <c>tanh</c>, …).</summary>
    static abstract string Name { get; }

    /// <summary>y = f(x).</summary>
    static abstract T Forward(T x);

    /// <summary>dL/dx given the input x, the output y = f(x) and dL/dy.</summary>
    static abstract T Backward(T x, T y, T dy);
}

/// <summary>y = max(0, x).</summary>
public struct Relu<T> : IActivation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static string Name => "relu";
    /// <inheritdoc/>
    public static T Forward(T x) => x > T.Zero ? x : T.Zero;
    /// <inheritdoc/>
    /// <remarks>dL/dx = dL/dy where x &gt; 0, else 0 (0 at x = 0, as PyTorch).</remarks>
    public static T Backward(T x, T y, T dy) => x > T.Zero ? dy : T.Zero;
}

/// <summary>y = tanh(x); dy/dx = 1 − y².</summary>
public struct Tanh<T> : IActivation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static string Name => "tanh";
    /// <inheritdoc/>
    public static T Forward(T x) => T.Tanh(x);
    /// <inheritdoc/>
    public static T Backward(T x, T y, T dy) => dy * (T.One - y * y);
}

/// <summary>y = 1 / (1 + e^−x); dy/dx = y(1 − y).</summary>
public struct Sigmoid<T> : IActivation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static string Name => "sigmoid";
    /// <inheritdoc/>
    public static T Forward(T x) => T.One / (T.One + T.Exp(-x));
    /// <inheritdoc/>
    public static T Backward(T x, T y, T dy) => dy * y * (T.One - y);
}

/// <summary>y = log(1 + e^x), computed as max(x, 0) + log(1 + e^−|x|) so that it never overflows; dy/dx = sigmoid(x).</summary>
public struct Softplus<T> : IActivation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static string Name => "softplus";
    /// <inheritdoc/>
    public static T Forward(T x) => (x > T.Zero ? x : T.Zero) + T.Log(T.One + T.Exp(-T.Abs(x)));
    /// <inheritdoc/>
    public static T Backward(T x, T y, T dy) => dy / (T.One + T.Exp(-x));
}

/// <summary>y = x (no nonlinearity).</summary>
public struct Identity<T> : IActivation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public static string Name => "identity";
    /// <inheritdoc/>
    public static T Forward(T x) => x;
    /// <inheritdoc/>
    public static T Backward(T x, T y, T dy) => dy;
}

/// <summary>
/// Pointwise nonlinearities, forward and backward, on every backend. The maths lives once in the
/// <see cref="IActivation{T}"/> structs; the CPU half uses TensorPrimitives' SIMD versions where one exists
/// (relu, tanh, sigmoid: they agree with the scalar form to a few ulps) and the scalar form elsewhere.
/// </summary>
public static class Activation
{
    /// <summary>y = f(x). x and y may be the same tensor.</summary>
    public static void Forward<T, TAct>(Tensor<T> x, Tensor<T> y)
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IActivation<T>
    {
        string op = TAct.Name + " forward";
        var backend = Check.SameBackend(op, x, y);
        Check.SameShape(op, "x", x, "y", y);
        if (backend is IlgpuBackend<T> gpu)
        {
            gpu.Launch(ForwardKernel<T, TAct>, x.Length, x.View, y.View);
            return;
        }
        var cpu = (CpuBackend<T>)backend;
        Chunks(cpu, x.Length, (start, length) => ForwardSpan<T, TAct>(x.Span.Slice(start, length), y.Span.Slice(start, length)));
    }

    /// <summary>The CPU half of <see cref="Forward{T, TAct}"/> on one span (y may be x).</summary>
    internal static void ForwardSpan<T, TAct>(ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IActivation<T>
    {
        if (typeof(TAct) == typeof(Relu<T>)) TensorPrimitives.Max(x, T.Zero, y);
        else if (typeof(TAct) == typeof(Tanh<T>)) TensorPrimitives.Tanh(x, y);
        else if (typeof(TAct) == typeof(Sigmoid<T>)) TensorPrimitives.Sigmoid(x, y);
        else for (int i = 0; i < x.Length; i++) y[i] = TAct.Forward(x[i]);
    }

    /// <summary>dx = f'(x)·dy (or dx += … when <paramref name="accumulate"/>), given the forward input x and output y.</summary>
    public static void Backward<T, TAct>(Tensor<T> x, Tensor<T> y, Tensor<T> dy, Tensor<T> dx, bool accumulate = false)
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IActivation<T>
    {
        string op = TAct.Name + " backward";
        var backend = Check.SameBackend(op, x, y, dy, dx);
        Check.SameShape(op, "x", x, "y", y);
        Check.SameShape(op, "x", x, "dy", dy);
        Check.SameShape(op, "x", x, "dx", dx);
        if (backend is IlgpuBackend<T> gpu)
        {
            gpu.Launch(BackwardKernel<T, TAct>, x.Length, x.View, y.View, dy.View, dx.View, accumulate ? 1 : 0);
            return;
        }
        var cpu = (CpuBackend<T>)backend;
        Chunks(cpu, x.Length, (start, length) => BackwardSpan<T, TAct>(x.Span.Slice(start, length), y.Span.Slice(start, length),
            dy.Span.Slice(start, length), dx.Span.Slice(start, length), accumulate));
    }

    /// <summary>The CPU half of <see cref="Backward{T, TAct}"/> on one span.</summary>
    internal static void BackwardSpan<T, TAct>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IActivation<T>
    {
        if (VectorBackward<T, TAct>(x, y, dy, dx, accumulate)) return;
        if (accumulate)
            for (int i = 0; i < x.Length; i++) dx[i] += TAct.Backward(x[i], y[i], dy[i]);
        else
            for (int i = 0; i < x.Length; i++) dx[i] = TAct.Backward(x[i], y[i], dy[i]);
    }

    /// <summary>
    /// The SIMD form of <see cref="IActivation{T}.Backward"/> for relu (a select, no branch to mispredict), tanh and
    /// sigmoid; false for the others, which take the scalar loop.
    /// </summary>
    private static bool VectorBackward<T, TAct>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IActivation<T>
    {
        int kind = typeof(TAct) == typeof(Relu<T>) ? 0 : typeof(TAct) == typeof(Tanh<T>) ? 1 : typeof(TAct) == typeof(Sigmoid<T>) ? 2 : -1;
        if (kind < 0) return false;
        ref T rx = ref MemoryMarshal.GetReference(x);
        ref T ry = ref MemoryMarshal.GetReference(y);
        ref T rd = ref MemoryMarshal.GetReference(dy);
        ref T ro = ref MemoryMarshal.GetReference(dx);
        int w = Vector<T>.Count, i = 0;
        var one = Vector<T>.One;
        for (; i <= x.Length - w; i += w)
        {
            var d = Vector.LoadUnsafe(ref rd, (nuint)i);
            Vector<T> g;
            if (kind == 0) g = Vector.ConditionalSelect(Vector.GreaterThan(Vector.LoadUnsafe(ref rx, (nuint)i), Vector<T>.Zero), d, Vector<T>.Zero);
            else
            {
                var v = Vector.LoadUnsafe(ref ry, (nuint)i);
                g = kind == 1 ? d * (one - v * v) : d * v * (one - v);
            }
            if (accumulate) g += Vector.LoadUnsafe(ref ro, (nuint)i);
            g.StoreUnsafe(ref ro, (nuint)i);
        }
        for (; i < x.Length; i++)
        {
            T g = TAct.Backward(x[i], y[i], dy[i]);
            dx[i] = accumulate ? dx[i] + g : g;
        }
        return true;
    }

    private static void ForwardKernel<T, TAct>(Index1D i, ArrayView<T> x, ArrayView<T> y)
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IActivation<T>
        => y[i] = TAct.Forward(x[i]);

    private static void BackwardKernel<T, TAct>(Index1D i, ArrayView<T> x, ArrayView<T> y, ArrayView<T> dy, ArrayView<T> dx, int accumulate)
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IActivation<T>
    {
        T g = TAct.Backward(x[i], y[i], dy[i]);
        dx[i] = accumulate != 0 ? dx[i] + g : g;
    }

    /// <summary>Splits [0, n) into contiguous chunks, one per worker, for SIMD loops.</summary>
    internal static void Chunks<T>(CpuBackend<T> cpu, int n, Action<int, int> body) where T : unmanaged, IFloatingPointIeee754<T>
        => CpuParallel.Chunks(cpu, n, body);
}
