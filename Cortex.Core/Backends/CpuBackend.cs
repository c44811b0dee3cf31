using System.Numerics;
using Cortex.Core.Backends.Blas;
using Cortex.Core.Tensors;

namespace Cortex.Core.Backends;

/// <summary>
/// The fast CPU path: tensors are host arrays, element-wise work is SIMD (System.Numerics.Tensors) and
/// multi-threaded, matrix products go to <see cref="CpuBlas"/> (OpenBLAS when installed, else a managed
/// SIMD kernel; the choice is logged once).
/// </summary>
public sealed class CpuBackend<T> : IBackend<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>A CPU backend that splits element-wise work and matrix products over <paramref name="threads"/> threads (default: every logical processor; at least 1).</summary>
    public CpuBackend(int? threads = null)
    {
        Threads = Math.Max(1, threads ?? Environment.ProcessorCount);
    }

    /// <inheritdoc/>
    public DeviceKind Kind => DeviceKind.Cpu;

    /// <summary>Threads used for element-wise work and matrix products (≥ 1).</summary>
    public int Threads { get; }

    private CpuWorkers? workers;
    private readonly Lock workersLock = new();

    /// <summary>
    /// body(i) for every i in [0, count), spread over <see cref="Threads"/> threads (the caller and the backend's own
    /// workers, which stay ready between consecutive calls: see <see cref="CpuWorkers"/>); returns when all have run.
    /// Every CPU kernel splits its work through here. A nested call, or one made while another thread's call is running,
    /// runs on the calling thread.
    /// </summary>
    public void For(int count, Action<int> body)
    {
        if (count <= 1 || Threads == 1)
        {
            CpuWorkers.Serial(count, body);
            return;
        }
        var pool = Volatile.Read(ref workers);
        if (pool is null)
            lock (workersLock) pool = workers ??= new CpuWorkers(Threads);
        pool.For(count, body);
    }

    /// <inheritdoc/>
    public string Description => $"cpu ({Threads} threads, {CpuBlas.Provider})";

    /// <inheritdoc/>
    public Tensor<T> Allocate(Shape shape) => new(this, shape, new T[shape.Size], 0, owner: true);

    /// <inheritdoc/>
    public void Upload(ReadOnlySpan<T> source, Tensor<T> destination)
    {
        Own("Upload", destination);
        if (source.Length != destination.Length)
            throw new ArgumentException($"Upload: {source.Length} values do not fit tensor {destination.Shape} ({destination.Length} elements)");
        source.CopyTo(destination.Span);
    }

    /// <inheritdoc/>
    public void Download(Tensor<T> source, Span<T> destination)
    {
        Own("Download", source);
        if (destination.Length != source.Length)
            throw new ArgumentException($"Download: tensor {source.Shape} has {source.Length} elements, destination holds {destination.Length}");
        source.Span.CopyTo(destination);
    }

    /// <inheritdoc/>
    public void Copy(Tensor<T> source, Tensor<T> destination)
    {
        Own("Copy", source); Own("Copy", destination);
        if (source.Length != destination.Length)
            throw new ArgumentException($"Copy: source {source.Shape} and destination {destination.Shape} differ in size");
        source.Span.CopyTo(destination.Span);
    }

    /// <inheritdoc/>
    public void Fill(Tensor<T> tensor, T value)
    {
        Own("Fill", tensor);
        tensor.Span.Fill(value);
    }

    /// <inheritdoc/>
    public void Gemm(bool transA, bool transB, int m, int n, int k, T alpha, Tensor<T> a, int lda, Tensor<T> b, int ldb, T beta, Tensor<T> c, int ldc)
    {
        Own("Gemm", a); Own("Gemm", b); Own("Gemm", c);
        GemmArgs.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc, 1, 0, 0, 0);
        var (aa, ao) = a.HostArray; var (ba, bo) = b.HostArray; var (ca, co) = c.HostArray;
        CpuBlas.Gemm(transA, transB, m, n, k, alpha, aa, ao, lda, ba, bo, ldb, beta, ca, co, ldc, Threads);
    }

    /// <inheritdoc/>
    public void GemmBatched(bool transA, bool transB, int m, int n, int k, T alpha, Tensor<T> a, int lda, int strideA,
        Tensor<T> b, int ldb, int strideB, T beta, Tensor<T> c, int ldc, int strideC, int batch)
    {
        Own("GemmBatched", a); Own("GemmBatched", b); Own("GemmBatched", c);
        GemmArgs.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc, batch, strideA, strideB, strideC);
        var (aa, ao) = a.HostArray; var (ba, bo) = b.HostArray; var (ca, co) = c.HostArray;
        CpuBlas.GemmBatched(transA, transB, m, n, k, alpha, aa, ao, lda, strideA, ba, bo, ldb, strideB, beta, ca, co, ldc, strideC, batch, Threads);
    }

    /// <inheritdoc/>
    /// <remarks>Work on the CPU path is done when its call returns, so there is nothing to wait for.</remarks>
    public void Synchronize() { }

    /// <summary>Stops the worker threads. Tensors allocated here are host arrays and need no freeing.</summary>
    public void Dispose() => workers?.Dispose();

    private void Own(string op, Tensor<T> t)
    {
        if (!ReferenceEquals(t.Backend, this))
            throw new ArgumentException($"{op}: tensor {t.Shape} lives on {t.Backend.Description}, not on {Description}");
    }
}
