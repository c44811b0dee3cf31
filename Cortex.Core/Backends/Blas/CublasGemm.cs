using System.Numerics;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Cortex.Core.Backends.Blas;

/// <summary>
/// A direct binding of the four cuBLAS entry points Cortex needs. ILGPU.Algorithms 1.5.3 binds
/// libcublas.so.10/.11 only; CUDA 12 ships libcublas.so.12 and CUDA 13 libcublas.so.13, whose v2 entry
/// points are unchanged, so this binding loads the newest soname it finds (or CORTEX_CUBLAS, a full path)
/// and runs on ILGPU's own CUDA stream, so products queue in order with the kernels.
/// See docs/decisions/0002-cublas-binding.md.
/// </summary>
internal sealed unsafe class CublasGemm<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Newest first; bare sonames go through the loader's search path, then the toolkit's usual folders.</summary>
    private static readonly string[] Candidates =
    [
        "libcublas.so.13", "libcublas.so.12", "libcublas.so.11",
        "/usr/local/cuda/lib64/libcublas.so.13", "/usr/local/cuda/lib64/libcublas.so.12", "/usr/local/cuda/lib64/libcublas.so.11",
        "/usr/local/cuda/targets/x86_64-linux/lib/libcublas.so.13", "/usr/local/cuda/targets/x86_64-linux/lib/libcublas.so.12",
        "libcublas.so",
    ];

    private const int OpNone = 0, OpTranspose = 1; // cublasOperation_t: CUBLAS_OP_N, CUBLAS_OP_T

    private readonly CudaAccelerator accelerator;
    private readonly nint handle;
    private readonly delegate* unmanaged<nint, int> destroy;
    // cublas{S,D}gemmStridedBatched(handle, transa, transb, m, n, k, alpha*, A*, lda, long long strideA,
    //     B*, ldb, long long strideB, beta*, C*, ldc, long long strideC, batchCount)
    private readonly delegate* unmanaged<nint, int, int, int, int, int, T*, T*, int, long, T*, int, long, T*, T*, int, long, int, int> gemmStridedBatched;
    // cublas{S,D}gemm_v2(handle, transa, transb, m, n, k, alpha*, A*, lda, B*, ldb, beta*, C*, ldc)
    private readonly delegate* unmanaged<nint, int, int, int, int, int, T*, T*, int, T*, int, T*, T*, int, int> gemm;
    private bool disposed;

    private CublasGemm(CudaAccelerator accelerator, nint handle, nint destroy, nint gemm, nint gemmStridedBatched, string soname)
    {
        this.accelerator = accelerator;
        this.handle = handle;
        this.destroy = (delegate* unmanaged<nint, int>)destroy;
        this.gemm = (delegate* unmanaged<nint, int, int, int, int, int, T*, T*, int, T*, int, T*, T*, int, int>)gemm;
        this.gemmStridedBatched = (delegate* unmanaged<nint, int, int, int, int, int, T*, T*, int, long, T*, int, long, T*, T*, int, long, int, int>)gemmStridedBatched;
        Description = $"cuBLAS ({soname})";
    }

    public string Description { get; }

    /// <summary>Opens cuBLAS on the accelerator's context and default stream, or returns null and says why.</summary>
    public static CublasGemm<T>? TryCreate(CudaAccelerator accelerator, out string why)
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
        {
            why = $"cuBLAS has no GEMM for {typeof(T).Name}";
            return null;
        }
        string prefix = typeof(T) == typeof(float) ? "cublasS" : "cublasD";
        var names = Environment.GetEnvironmentVariable("CORTEX_CUBLAS") is { Length: > 0 } path ? [path] : Candidates;
        var failures = new List<string>();
        foreach (var name in names)
        {
            if (!NativeLibrary.TryLoad(name, out var lib)) continue;
            if (!NativeLibrary.TryGetExport(lib, "cublasCreate_v2", out var create)
                || !NativeLibrary.TryGetExport(lib, "cublasSetStream_v2", out var setStream)
                || !NativeLibrary.TryGetExport(lib, "cublasDestroy_v2", out var destroy)
                || !NativeLibrary.TryGetExport(lib, prefix + "gemm_v2", out var gemm)
                || !NativeLibrary.TryGetExport(lib, prefix + "gemmStridedBatched", out var strided))
            {
                failures.Add($"{name} lacks the cuBLAS v2 GEMM entry points");
                continue;
            }
            // cuBLAS works in the context current on the calling thread: make it ILGPU's, not the primary one.
            using var binding = accelerator.BindScoped();
            nint h;
            int status = ((delegate* unmanaged<nint*, int>)create)(&h);
            if (status != 0)
            {
                failures.Add($"{name}: cublasCreate_v2 returned status {status}");
                continue;
            }
            status = ((delegate* unmanaged<nint, nint, int>)setStream)(h, ((CudaStream)accelerator.DefaultStream).StreamPtr);
            if (status != 0)
            {
                ((delegate* unmanaged<nint, int>)destroy)(h);
                failures.Add($"{name}: cublasSetStream_v2 returned status {status}");
                continue;
            }
            why = "";
            return new CublasGemm<T>(accelerator, h, destroy, gemm, strided, name);
        }
        why = failures.Count > 0 ? string.Join("; ", failures)
            : $"none of {string.Join(", ", names)} could be loaded (set CORTEX_CUBLAS to the library's path, or add its folder to LD_LIBRARY_PATH)";
        return null;
    }

    /// <summary>
    /// Row-major strided-batched product, queued on the default stream. cuBLAS is column-major, and a
    /// row-major r×c matrix with row stride ld is, read column-major, its c×r transpose with leading
    /// dimension ld. So the row-major C = op(A)·op(B) is the column-major Cᵀ = op(B)ᵀ·op(A)ᵀ: call cuBLAS
    /// with the operands swapped (B first, with ldb and strideB), m and n swapped, and each operand's own
    /// transpose flag; ldc and strideC are unchanged. Sizes are already validated (GemmArgs).
    /// </summary>
    public void GemmBatched(bool transA, bool transB, int m, int n, int k, T alpha, ArrayView<T> a, int lda, int strideA,
        ArrayView<T> b, int ldb, int strideB, T beta, ArrayView<T> c, int ldc, int strideC, int batch)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        var pa = (T*)a.LoadEffectiveAddressAsPtr();
        var pb = (T*)b.LoadEffectiveAddressAsPtr();
        var pc = (T*)c.LoadEffectiveAddressAsPtr();
        int opB = transB ? OpTranspose : OpNone, opA = transA ? OpTranspose : OpNone;
        using var binding = accelerator.BindScoped();
        int status = batch == 1
            ? gemm(handle, opB, opA, n, m, k, &alpha, pb, ldb, pa, lda, &beta, pc, ldc)
            : gemmStridedBatched(handle, opB, opA, n, m, k, &alpha, pb, ldb, strideB, pa, lda, strideA, &beta, pc, ldc, strideC, batch);
        if (status != 0)
            throw new InvalidOperationException($"cuBLAS GEMM (m={m}, n={n}, k={k}, batch={batch}) failed with status {status}");
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        using var binding = accelerator.BindScoped();
        destroy(handle);
    }
}
