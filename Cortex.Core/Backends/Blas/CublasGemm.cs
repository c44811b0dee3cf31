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
/// </summary>
internal sealed unsafe class CublasGemm<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private static readonly string[] Candidates = ["libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so"];

    private readonly nint library;
    private readonly nint handle;
    private readonly delegate* unmanaged<nint, int> destroy;
    private readonly delegate* unmanaged<nint, int, int, int, int, int, T*, T*, int, long, T*, int, long, T*, T*, int, long, int, int> gemmStridedBatched;
    private readonly delegate* unmanaged<nint, int, int, int, int, int, T*, T*, int, T*, int, T*, T*, int, int> gemm;

    private CublasGemm(nint library, nint handle, string soname)
    {
        this.library = library;
        this.handle = handle;
        destroy = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(library, "cublasDestroy_v2");
        string prefix = typeof(T) == typeof(float) ? "cublasS" : "cublasD";
        gemmStridedBatched = (delegate* unmanaged<nint, int, int, int, int, int, T*, T*, int, long, T*, int, long, T*, T*, int, long, int, int>)
            NativeLibrary.GetExport(library, prefix + "gemmStridedBatched");
        gemm = (delegate* unmanaged<nint, int, int, int, int, int, T*, T*, int, T*, int, T*, T*, int, int>)
            NativeLibrary.GetExport(library, prefix + "gemm_v2");
        Description = $"cuBLAS ({soname})";
    }

    public string Description { get; }

    /// <summary>Opens cuBLAS on the accelerator's default stream, or returns null and says why.</summary>
    public static CublasGemm<T>? TryCreate(CudaAccelerator accelerator, out string why)
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double))
        {
            why = $"cuBLAS has no GEMM for {typeof(T).Name}";
            return null;
        }
        var names = Environment.GetEnvironmentVariable("CORTEX_CUBLAS") is { Length: > 0 } path ? [path] : Candidates;
        foreach (var name in names)
        {
            if (!NativeLibrary.TryLoad(name, out var lib)) continue;
            var create = (delegate* unmanaged<nint*, int>)NativeLibrary.GetExport(lib, "cublasCreate_v2");
            var setStream = (delegate* unmanaged<nint, nint, int>)NativeLibrary.GetExport(lib, "cublasSetStream_v2");
            nint h;
            int status = create(&h);
            if (status != 0)
            {
                why = $"{name}: cublasCreate_v2 returned status {status}";
                return null;
            }
            status = setStream(h, ((CudaStream)accelerator.DefaultStream).StreamPtr);
            if (status != 0)
            {
                why = $"{name}: cublasSetStream_v2 returned status {status}";
                return null;
            }
            why = "";
            return new CublasGemm<T>(lib, h, name);
        }
        why = $"none of {string.Join(", ", names)} could be loaded (set CORTEX_CUBLAS to the library's path, or add its folder to LD_LIBRARY_PATH)";
        return null;
    }

    /// <summary>Row-major strided-batched product; cuBLAS is column-major, so it computes Cᵀ = op(B)ᵀ·op(A)ᵀ.</summary>
    public void GemmBatched(bool transA, bool transB, int m, int n, int k, T alpha, ArrayView<T> a, int lda, int strideA,
        ArrayView<T> b, int ldb, int strideB, T beta, ArrayView<T> c, int ldc, int strideC, int batch)
    {
        var pa = (T*)a.LoadEffectiveAddressAsPtr();
        var pb = (T*)b.LoadEffectiveAddressAsPtr();
        var pc = (T*)c.LoadEffectiveAddressAsPtr();
        int status = batch == 1
            ? gemm(handle, transB ? 1 : 0, transA ? 1 : 0, n, m, k, &alpha, pb, ldb, pa, lda, &beta, pc, ldc)
            : gemmStridedBatched(handle, transB ? 1 : 0, transA ? 1 : 0, n, m, k, &alpha, pb, ldb, strideB, pa, lda, strideA, &beta, pc, ldc, strideC, batch);
        if (status != 0)
            throw new InvalidOperationException($"cuBLAS GEMM (m={m}, n={n}, k={k}, batch={batch}) failed with status {status}");
    }

    public void Dispose()
    {
        destroy(handle);
        _ = library;
    }
}
