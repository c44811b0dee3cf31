using System.Numerics;
using Cortex.Core.Tensors;

namespace Cortex.Core.Backends;

/// <summary>Where a backend runs its work.</summary>
public enum DeviceKind
{
    /// <summary>The fast CPU path: SIMD element-wise loops, multi-threaded, BLAS matrix products.</summary>
    Cpu,
    /// <summary>ILGPU kernels on an NVIDIA GPU, matrix products through cuBLAS.</summary>
    Cuda,
    /// <summary>The same ILGPU kernels on ILGPU's CPU accelerator: a correctness simulator (slow).</summary>
    IlgpuCpu,
}

/// <summary>
/// The one small interface every backend implements: memory, transfers and matrix products. Every
/// other operation is a kernel family (see Kernels/) holding a CPU half and an ILGPU half side by side.
/// A backend owns the memory of the tensors it allocates; kernel families only borrow views.
/// All work is queued in order; only <see cref="Download"/> and <see cref="Synchronize"/> wait for it.
/// </summary>
public interface IBackend<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Where this backend runs its work.</summary>
    DeviceKind Kind { get; }

    /// <summary>What this backend is, for logs and reports (e.g. "cpu (2 threads, OpenBLAS)").</summary>
    string Description { get; }

    /// <summary>A new zero-filled tensor that owns its memory.</summary>
    Tensor<T> Allocate(Shape shape);

    /// <summary>Copies host values into <paramref name="destination"/> (queued on a device); throws <see cref="ArgumentException"/> unless <paramref name="source"/> holds exactly its <see cref="Tensor{T}.Length"/> values or when the tensor lives on another backend.</summary>
    void Upload(ReadOnlySpan<T> source, Tensor<T> destination);

    /// <summary>Copies a tensor to the host, waiting for queued work first.</summary>
    void Download(Tensor<T> source, Span<T> destination);

    /// <summary>Copies every element of <paramref name="source"/> into <paramref name="destination"/>, both on this backend; their shapes may differ but their lengths must match (<see cref="ArgumentException"/>).</summary>
    void Copy(Tensor<T> source, Tensor<T> destination);

    /// <summary>Sets every element of <paramref name="tensor"/> to <paramref name="value"/>.</summary>
    void Fill(Tensor<T> tensor, T value);

    /// <summary>
    /// Row-major C = alpha·op(A)·op(B) + beta·C, with op(A) of size m×k and op(B) of size k×n; lda, ldb, ldc
    /// are the row strides of A, B and C as stored. The tensors may be slices.
    /// </summary>
    void Gemm(bool transA, bool transB, int m, int n, int k, T alpha, Tensor<T> a, int lda, Tensor<T> b, int ldb, T beta, Tensor<T> c, int ldc);

    /// <summary>
    /// <paramref name="batch"/> independent products; matrix i of A, B and C starts i·stride elements after
    /// the start of the corresponding tensor.
    /// </summary>
    void GemmBatched(bool transA, bool transB, int m, int n, int k, T alpha, Tensor<T> a, int lda, int strideA,
        Tensor<T> b, int ldb, int strideB, T beta, Tensor<T> c, int ldc, int strideC, int batch);

    /// <summary>Waits until all queued work has finished.</summary>
    void Synchronize();
}
