using System.Numerics;
using Cortex.Core.Backends;
using ILGPU;
using ILGPU.Runtime;

namespace Cortex.Core.Tensors;

/// <summary>
/// A dense, row-major block of numbers on one backend. A tensor either owns its memory (made by
/// <see cref="IBackend{T}.Allocate"/>) or is a view into another tensor's memory (<see cref="Slice"/>,
/// <see cref="Step"/>, <see cref="Reshape"/>); disposing a view frees nothing. Kernel families read
/// <see cref="Span"/> on the CPU backend and <see cref="View"/> on the ILGPU backend.
/// </summary>
public sealed class Tensor<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly T[]? host;
    private readonly MemoryBuffer1D<T, Stride1D.Dense>? device;
    private readonly int offset;
    private readonly bool owner;
    private bool disposed;

    internal Tensor(IBackend<T> backend, Shape shape, T[] host, int offset, bool owner)
    {
        Backend = backend; Shape = shape; this.host = host; this.offset = offset; this.owner = owner;
    }

    internal Tensor(IBackend<T> backend, Shape shape, MemoryBuffer1D<T, Stride1D.Dense> device, int offset, bool owner)
    {
        Backend = backend; Shape = shape; this.device = device; this.offset = offset; this.owner = owner;
    }

    /// <summary>The backend that holds this tensor's memory; operations on it must run there.</summary>
    public IBackend<T> Backend { get; }

    /// <summary>The tensor's extent, outermost first (row-major).</summary>
    public Shape Shape { get; }

    /// <summary>Number of elements.</summary>
    public int Length => Shape.Size;

    /// <summary>True when this tensor's memory lives in host arrays (the CPU backend).</summary>
    public bool IsHost => host is not null;

    /// <summary>The elements, on the CPU backend.</summary>
    public Span<T> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (host is null)
                throw new InvalidOperationException($"tensor {Shape} lives on {Backend.Description}; use View, or Download it to the host");
            return host.AsSpan(offset, Length);
        }
    }

    /// <summary>The backing array and the offset of element 0 in it, on the CPU backend (for BLAS calls).</summary>
    internal (T[] Array, int Offset) HostArray => host is not null ? (host, offset)
        : throw new InvalidOperationException($"tensor {Shape} lives on {Backend.Description}, not in host memory");

    /// <summary>The elements as an ILGPU view, on the ILGPU backend.</summary>
    public ArrayView<T> View
    {
        get
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (device is null)
                throw new InvalidOperationException($"tensor {Shape} lives in host memory ({Backend.Description}); use Span");
            return device.View.SubView(offset, Length);
        }
    }

    /// <summary>Elements [start, start + shape.Size) of this tensor, seen with a new shape; shares memory.</summary>
    public Tensor<T> Slice(int start, Shape shape)
    {
        if (start < 0 || start + shape.Size > Length)
            throw new ArgumentOutOfRangeException(nameof(start), $"slice {shape} at {start} does not fit in tensor {Shape}");
        return host is not null
            ? new Tensor<T>(Backend, shape, host, offset + start, owner: false)
            : new Tensor<T>(Backend, shape, device!, offset + start, owner: false);
    }

    /// <summary>The t-th slice along the outermost axis, e.g. step t of a [T, B, …] history.</summary>
    public Tensor<T> Step(int t)
    {
        if (t < 0 || t >= Shape[0])
            throw new ArgumentOutOfRangeException(nameof(t), $"step {t} is outside tensor {Shape} (axis 0 has {Shape[0]})");
        var inner = Shape.Inner;
        return Slice(t * inner.Size, inner);
    }

    /// <summary>The same elements with another shape of equal size; shares memory.</summary>
    public Tensor<T> Reshape(Shape shape)
    {
        if (shape.Size != Length)
            throw new ArgumentException($"cannot reshape {Shape} ({Length} elements) to {shape} ({shape.Size} elements)");
        return Slice(0, shape);
    }

    /// <summary>Copies the elements to a new host array (synchronises the device).</summary>
    public T[] ToArray()
    {
        var result = new T[Length];
        Backend.Download(this, result);
        return result;
    }

    /// <summary>Copies host values into this tensor.</summary>
    public void CopyFrom(ReadOnlySpan<T> values) => Backend.Upload(values, this);

    /// <summary>Element type, shape and device, e.g. <c>Tensor&lt;Single&gt;[2, 10] on Cpu</c>.</summary>
    public override string ToString() => $"Tensor<{typeof(T).Name}>{Shape} on {Backend.Kind}";

    /// <summary>Frees the device memory of a tensor that owns it; a view frees nothing. Calling it again does nothing.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        if (owner) device?.Dispose();
    }
}
