using System.Numerics;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Cortex.Core.Backends.Blas;

/// <summary>
/// A direct binding of the cuBLAS entry points Cortex needs (create, set stream, destroy, the two GEMMs, and the math
/// mode that allows TF32 for convolutions' products). ILGPU.Algorithms 1.5.3 binds
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
    private const int DefaultMath = 0, Tf32TensorOpMath = 3; // cublasMath_t: CUBLAS_DEFAULT_MATH, CUBLAS_TF32_TENSOR_OP_MATH

    private readonly CudaAccelerator accelerator;
    private readonly nint handle;
    private readonly delegate* unmanaged<nint, int> destroy;
    // cublas{S,D}gemmStridedBatched(handle, transa, transb, m, n, k, alpha*, A*, lda, long long strideA,
    //     B*, ldb, long long strideB, beta*, C*, ldc, long long strideC, batchCount)
    private readonly delegate* unmanaged<nint, int, int, int, int, int, T*, T*, int, long, T*, int, long, T*, T*, int, long, int, int> gemmStridedBatched;
    // cublas{S,D}gemm_v2(handle, transa, transb, m, n, k, alpha*, A*, lda, B*, ldb, beta*, C*, ldc)
    private readonly delegate* unmanaged<nint, int, int, int, int, int, T*, T*, int, T*, int, T*, T*, int, int> gemm;
    // cublasSetMathMode(handle, cublasMath_t): null where the library lacks it (then every product is strict FP32)
    private readonly delegate* unmanaged<nint, int, int> setMathMode;
    private int mathMode = DefaultMath;
    // A workspace of its own (cublasSetWorkspace_v2), so that products need no allocation while a stream is captured into a graph.
    private MemoryBuffer1D<byte, Stride1D.Dense>? workspace;
    private bool disposed;

    /// <summary>Bytes of the workspace given to cuBLAS: NVIDIA's recommendation for Hopper.</summary>
    private const long WorkspaceBytes = 32L << 20;

    private CublasGemm(CudaAccelerator accelerator, nint handle, nint destroy, nint gemm, nint gemmStridedBatched, nint setMathMode, string soname)
    {
        this.setMathMode = (delegate* unmanaged<nint, int, int>)setMathMode;
        this.accelerator = accelerator;
        this.handle = handle;
        this.destroy = (delegate* unmanaged<nint, int>)destroy;
        this.gemm = (delegate* unmanaged<nint, int, int, int, int, int, T*, T*, int, T*, int, T*, T*, int, int>)gemm;
        this.gemmStridedBatched = (delegate* unmanaged<nint, int, int, int, int, int, T*, T*, int, long, T*, int, long, T*, T*, int, long, int, int>)gemmStridedBatched;
        Description = $"cuBLAS ({soname})";
    }

    public string Description { get; }

    /// <summary>Opens cuBLAS on the accelerator's context and on <paramref name="stream"/>, or returns null and says why.</summary>
    public static CublasGemm<T>? TryCreate(CudaAccelerator accelerator, CudaStream stream, out string why)
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
            status = ((delegate* unmanaged<nint, nint, int>)setStream)(h, stream.StreamPtr);
            if (status != 0)
            {
                ((delegate* unmanaged<nint, int>)destroy)(h);
                failures.Add($"{name}: cublasSetStream_v2 returned status {status}");
                continue;
            }
            why = "";
            NativeLibrary.TryGetExport(lib, "cublasSetMathMode", out var setMathMode);
            var made = new CublasGemm<T>(accelerator, h, destroy, gemm, strided, setMathMode, name);
            if (NativeLibrary.TryGetExport(lib, "cublasSetWorkspace_v2", out var setWorkspace))
            {
                // cublasSetWorkspace_v2(handle, void* workspace, size_t workspaceSizeInBytes)
                var buffer = accelerator.Allocate1D<byte>(WorkspaceBytes);
                if (((delegate* unmanaged<nint, nint, nuint, int>)setWorkspace)(h, buffer.NativePtr, (nuint)WorkspaceBytes) == 0)
                    made.workspace = buffer;
                else
                    buffer.Dispose();
            }
            return made;
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
    /// transpose flag; ldc and strideC are unchanged. Sizes are already validated (GemmArgs). <paramref name="tf32"/> (single
    /// precision only) lets cuBLAS round the operands to TF32 and use tensor cores (CUBLAS_TF32_TENSOR_OP_MATH); the
    /// handle is switched back to its default (strict) math for the next strict product.
    /// </summary>
    public void GemmBatched(bool transA, bool transB, int m, int n, int k, T alpha, ArrayView<T> a, int lda, int strideA,
        ArrayView<T> b, int ldb, int strideB, T beta, ArrayView<T> c, int ldc, int strideC, int batch, bool tf32 = false)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        int mode = tf32 && typeof(T) == typeof(float) && setMathMode != null ? Tf32TensorOpMath : DefaultMath;
        var pa = (T*)a.LoadEffectiveAddressAsPtr();
        var pb = (T*)b.LoadEffectiveAddressAsPtr();
        var pc = (T*)c.LoadEffectiveAddressAsPtr();
        int opB = transB ? OpTranspose : OpNone, opA = transA ? OpTranspose : OpNone;
        using var binding = accelerator.BindScoped();
        if (mode != mathMode)
        {
            int set = setMathMode(handle, mode);
            if (set != 0) throw new InvalidOperationException($"cublasSetMathMode({mode}) failed with status {set}");
            mathMode = mode;
        }
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
        workspace?.Dispose();
    }
}
