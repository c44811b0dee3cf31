using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;
using ILGPU;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Cortex.Core.Kernels;

/// <summary>
/// Element-wise arithmetic on tensors of one shape: sums, the product y = a ⊙ b (a gate applied to a state) and its
/// backward pass, and per-channel biases. The CPU half is SIMD
/// (TensorPrimitives) split over threads; the GPU half is one thread per element. Outputs may be the same
/// tensor as an input (y = a, say), but must not overlap it partially.
/// </summary>
public static class Elementwise
{
    /// <summary>y = a + b.</summary>
    public static void Add<T>(Tensor<T> a, Tensor<T> b, Tensor<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "add";
        var backend = Check.SameBackend(op, a, b, y);
        Check.SameShape(op, "a", a, "b", b);
        Check.SameShape(op, "a", a, "y", y);
        if (backend is IlgpuBackend<T> gpu)
        {
            gpu.Launch(AddKernel, a.Length, a.View, b.View, y.View);
            return;
        }
        CpuParallel.Chunks((CpuBackend<T>)backend, a.Length, (start, length) =>
            TensorPrimitives.Add(a.Span.Slice(start, length), b.Span.Slice(start, length), y.Span.Slice(start, length)));
    }

    /// <summary>y = a ⊙ b (element-wise product: a multiplicative gain applied to a drive).</summary>
    public static void Multiply<T>(Tensor<T> a, Tensor<T> b, Tensor<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "multiply";
        var backend = Check.SameBackend(op, a, b, y);
        Check.SameShape(op, "a", a, "b", b);
        Check.SameShape(op, "a", a, "y", y);
        if (backend is IlgpuBackend<T> gpu)
        {
            gpu.Launch(MultiplyKernel, a.Length, a.View, b.View, y.View);
            return;
        }
        CpuParallel.Chunks((CpuBackend<T>)backend, a.Length, (start, length) =>
            TensorPrimitives.Multiply(a.Span.Slice(start, length), b.Span.Slice(start, length), y.Span.Slice(start, length)));
    }

    /// <summary>
    /// Backward of y = a ⊙ b: da = dy ⊙ b and db = dy ⊙ a (or += when <paramref name="accumulate"/>).
    /// Either gradient may be null when it is not needed. da and db must not be the same tensor as a, b or dy.
    /// </summary>
    public static void MultiplyBackward<T>(Tensor<T> a, Tensor<T> b, Tensor<T> dy, Tensor<T>? da, Tensor<T>? db, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "multiply backward";
        var backend = Check.SameBackend(op, a, b, dy, da, db);
        Check.SameShape(op, "a", a, "b", b);
        Check.SameShape(op, "a", a, "dy", dy);
        if (da is not null) Check.SameShape(op, "a", a, "da", da);
        if (db is not null) Check.SameShape(op, "b", b, "db", db);
        // dL/da = dy·b and dL/db = dy·a are the same product with the roles of a and b swapped.
        if (da is not null) ProductInto(backend, dy, b, da, accumulate);
        if (db is not null) ProductInto(backend, dy, a, db, accumulate);
    }

    /// <summary>
    /// x[b, c, …] += bias[c], in place, for x of shape [B, C, H, W] or [B, C] and bias of shape [C].
    /// </summary>
    public static void AddChannelBias<T>(Tensor<T> x, Tensor<T> bias) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "add channel bias";
        var backend = Check.SameBackend(op, x, bias);
        var (batch, channels, inner) = ChannelLayout(op, "x", x);
        Check.Shape(op, "bias", bias, new Shape(channels));
        if (backend is IlgpuBackend<T> gpu)
        {
            gpu.Launch(AddChannelBiasKernel, x.Length, x.View, bias.View, new Reduce.Layout(batch, channels, inner));
            return;
        }
        var cpu = (CpuBackend<T>)backend;
        if (inner == 1)
        {
            // [B, C]: each row gets the whole bias vector.
            ForRows(cpu, batch, channels, row =>
            {
                var xs = x.Span.Slice(row * channels, channels);
                TensorPrimitives.Add(xs, bias.Span, xs);
            });
            return;
        }
        // [B, C, H, W]: each (b, c) plane gets one scalar; planes are short (H·W), so a plain vector loop rather
        // than a library call per plane.
        var (xa, xo) = x.HostArray;
        ForRows(cpu, batch * channels, inner, plane =>
        {
            var xs = xa.AsSpan(xo + plane * inner, inner);
            T value = bias.Span[plane % channels];
            var vb = new Vector<T>(value);
            ref T r = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(xs);
            int i = 0;
            for (; i <= inner - Vector<T>.Count; i += Vector<T>.Count)
                (Vector.LoadUnsafe(ref r, (nuint)i) + vb).StoreUnsafe(ref r, (nuint)i);
            for (; i < inner; i++) xs[i] += value;
        });
    }

    /// <summary>
    /// Backward of <see cref="AddChannelBias"/>: dbias[c] += Σ_{b, h, w} dy[b, c, h, w]. A parameter gradient,
    /// so it always accumulates.
    /// </summary>
    public static void ChannelBiasBackward<T>(Tensor<T> dy, Tensor<T> dbias) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "channel bias backward";
        Check.SameBackend(op, dy, dbias);
        var (batch, channels, inner) = ChannelLayout(op, "dy", dy);
        Check.Shape(op, "dbias", dbias, new Shape(channels));
        Reduce.SumOverAxes(dy, batch, channels, inner, dbias, accumulate: true);
    }

    /// <summary>[B, C, H, W] → (B, C, H·W); [B, C] → (B, C, 1).</summary>
    private static (int Batch, int Channels, int Inner) ChannelLayout<T>(string op, string name, Tensor<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = x.Shape;
        return s.Rank switch
        {
            4 => (s[0], s[1], s[2] * s[3]),
            2 => (s[0], s[1], 1),
            _ => throw new ArgumentException($"{op}: {name} must be [B, C, H, W] or [B, C], got shape {s}"),
        };
    }

    /// <summary>y = u ⊙ v, or y += u ⊙ v.</summary>
    private static void ProductInto<T>(IBackend<T> backend, Tensor<T> u, Tensor<T> v, Tensor<T> y, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (backend is IlgpuBackend<T> gpu)
        {
            gpu.Launch(ProductKernel, u.Length, u.View, v.View, y.View, accumulate ? 1 : 0);
            return;
        }
        CpuParallel.Chunks((CpuBackend<T>)backend, u.Length, (start, length) =>
        {
            var us = u.Span.Slice(start, length);
            var vs = v.Span.Slice(start, length);
            var ys = y.Span.Slice(start, length);
            if (accumulate) TensorPrimitives.MultiplyAdd(us, vs, ys, ys);
            else TensorPrimitives.Multiply(us, vs, ys);
        });
    }

    /// <summary>Runs body(row) for rows of the given length, in parallel when there is enough work.</summary>
    private static void ForRows<T>(CpuBackend<T> cpu, int rows, int rowLength, Action<int> body) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if ((long)rows * rowLength < CpuParallel.SerialBelow || cpu.Threads == 1)
        {
            for (int r = 0; r < rows; r++) body(r);
            return;
        }
        cpu.For(rows, body);
    }

    private static void AddKernel<T>(Index1D i, ArrayView<T> a, ArrayView<T> b, ArrayView<T> y) where T : unmanaged, IFloatingPointIeee754<T>
        => y[i] = a[i] + b[i];

    private static void MultiplyKernel<T>(Index1D i, ArrayView<T> a, ArrayView<T> b, ArrayView<T> y) where T : unmanaged, IFloatingPointIeee754<T>
        => y[i] = a[i] * b[i];

    private static void ProductKernel<T>(Index1D i, ArrayView<T> u, ArrayView<T> v, ArrayView<T> y, int accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T p = u[i] * v[i];
        y[i] = accumulate != 0 ? y[i] + p : p;
    }

    private static void AddChannelBiasKernel<T>(Index1D i, ArrayView<T> x, ArrayView<T> bias, Reduce.Layout l)
        where T : unmanaged, IFloatingPointIeee754<T>
        => x[i] += bias[i.X / l.Inner % l.Channels]; // the index fits an int: a 32-bit division, not a 64-bit one
}
