using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Cortex.Core.Backends.Blas;

/// <summary>
/// The OpenBLAS entry points Cortex uses, loaded at run time (Debian: libopenblas0-pthread). OpenBLAS is
/// pinned to one thread for the whole process when it loads: every call runs on the calling thread, and
/// <see cref="CpuBlas"/> parallelises by splitting C itself. That keeps the thread count under Cortex's
/// control without touching OpenBLAS's process-global setting per call (see
/// docs/decisions/0001-cpu-matrix-products.md).
/// </summary>
internal static unsafe class OpenBlas
{
    private static readonly string[] Candidates = ["libopenblas.so.0", "libopenblas.so", "libopenblas.dylib", "libopenblas.dll"];

    private const int RowMajor = 101, NoTrans = 111, Trans = 112;

    private static delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> sgemm;
    private static delegate* unmanaged<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void> dgemm;

    /// <summary>Loads OpenBLAS and sets it to one thread; returns a description such as "OpenBLAS 0.3.21 (libopenblas.so.0, Cooperlake)", or null and why not.</summary>
    public static string? TryLoad(out string why)
    {
        foreach (var name in Candidates)
        {
            if (!NativeLibrary.TryLoad(name, out var lib)) continue;
            if (!NativeLibrary.TryGetExport(lib, "cblas_sgemm", out var s) || !NativeLibrary.TryGetExport(lib, "cblas_dgemm", out var d))
            {
                why = $"{name} has no cblas_sgemm/cblas_dgemm";
                return null;
            }
            if (!NativeLibrary.TryGetExport(lib, "openblas_set_num_threads", out var setThreads))
            {
                why = $"{name} has no openblas_set_num_threads, so its threading cannot be controlled";
                return null;
            }
            ((delegate* unmanaged<int, void>)setThreads)(1);
            sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)s;
            dgemm = (delegate* unmanaged<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void>)d;
            why = "";
            return $"{Version(lib)} ({name}{Core(lib)})";
        }
        why = $"none of {string.Join(", ", Candidates)} could be loaded (on Debian/Ubuntu: apt-get install libopenblas0-pthread)";
        return null;
    }

    /// <summary>One row-major product on the calling thread. Sizes are already validated.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Gemm<T>(bool transA, bool transB, int m, int n, int k, T alpha, T* a, int lda, T* b, int ldb, T beta, T* c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ta = transA ? Trans : NoTrans, tb = transB ? Trans : NoTrans;
        if (typeof(T) == typeof(float))
            sgemm(RowMajor, ta, tb, m, n, k, Unsafe.As<T, float>(ref alpha), (float*)a, lda, (float*)b, ldb, Unsafe.As<T, float>(ref beta), (float*)c, ldc);
        else if (typeof(T) == typeof(double))
            dgemm(RowMajor, ta, tb, m, n, k, Unsafe.As<T, double>(ref alpha), (double*)a, lda, (double*)b, ldb, Unsafe.As<T, double>(ref beta), (double*)c, ldc);
        else
            throw new NotSupportedException($"Gemm: OpenBLAS has no product for {typeof(T).Name}");
    }

    private static string Version(nint lib)
    {
        // "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=64" -> "OpenBLAS 0.3.21"
        if (NativeLibrary.TryGetExport(lib, "openblas_get_config", out var f)
            && Marshal.PtrToStringAnsi(((delegate* unmanaged<nint>)f)()) is { } config)
        {
            var words = config.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (words.Length >= 2) return $"{words[0]} {words[1]}";
        }
        return "OpenBLAS";
    }

    private static string Core(nint lib) =>
        NativeLibrary.TryGetExport(lib, "openblas_get_corename", out var f)
        && Marshal.PtrToStringAnsi(((delegate* unmanaged<nint>)f)()) is { Length: > 0 } core ? $", {core}" : "";
}
