using System.Numerics;

namespace Cortex.Core.Backends.Blas;

/// <summary>Which implementation runs CPU matrix products.</summary>
internal enum BlasProvider
{
    OpenBlas,
    Managed,
}

/// <summary>
/// Row-major matrix products on host arrays: OpenBLAS (cblas_sgemm / cblas_dgemm) when it can be loaded,
/// otherwise Cortex's managed SIMD kernel (<see cref="ManagedGemm"/>). The choice is made once, logged
/// once, and can be forced with CORTEX_BLAS=managed or =openblas (an error when it is missing).
/// <para>
/// Threads: every underlying product runs single-threaded on the calling thread (OpenBLAS is set to one
/// thread for the process when it loads). With <c>threads</c> &gt; 1 a large product is split into that
/// many blocks of rows or columns of C, run with Parallel.For. So a kernel family that already runs its
/// own Parallel.For calls <see cref="Gemm{T}(bool, bool, int, int, int, T, T[], int, int, T[], int, int, T, T[], int, int, int)"/> with <c>threads: 1</c> from each iteration (safe to do
/// concurrently), and top-level callers pass the backend's thread count.
/// </para>
/// </summary>
public static unsafe class CpuBlas
{
    // Below this many multiply-adds a product is not split over threads (the fork costs more than it saves).
    private const long SplitThreshold = 1L << 20;

    /// <summary>The environment variable that picks the provider: auto (default), openblas or managed.</summary>
    public const string EnvironmentVariable = "CORTEX_BLAS";

    private static readonly Lazy<(BlasProvider Provider, string Description)> Chosen =
        new(() => Choose(Environment.GetEnvironmentVariable(EnvironmentVariable)));

    /// <summary>What runs CPU matrix products, e.g. "OpenBLAS 0.3.21 (libopenblas.so.0, Cooperlake)" or "managed SIMD (…)".</summary>
    public static string Provider => Chosen.Value.Description;

    internal static BlasProvider Current => Chosen.Value.Provider;

    /// <summary>True when OpenBLAS loaded (whatever CORTEX_BLAS asks for), for tests of that path.</summary>
    internal static bool OpenBlasAvailable => OpenBlasLoad.Value.Description is not null;

    private static readonly Lazy<(string? Description, string Why)> OpenBlasLoad = new(() =>
    {
        var description = OpenBlas.TryLoad(out var why);
        return (description, why);
    });

    /// <summary>
    /// The provider for a CORTEX_BLAS value, logged. auto takes OpenBLAS when it loads, else the managed
    /// kernel with a warning saying why; a provider asked for by name that is missing is an error.
    /// </summary>
    internal static (BlasProvider, string) Choose(string? request)
    {
        string text = string.IsNullOrWhiteSpace(request) ? "auto" : request.Trim().ToLowerInvariant();
        string managed = $"managed SIMD ({ManagedGemm.Kernel}";
        if (text == "managed")
        {
            Log.Info($"matrix products: {managed}), as {EnvironmentVariable}=managed asks");
            return (BlasProvider.Managed, $"{managed}, {EnvironmentVariable}=managed)");
        }
        if (text is not ("auto" or "openblas"))
            throw new ArgumentException($"{EnvironmentVariable}={request}: unknown matrix-product provider; allowed: auto, openblas, managed");
        var (description, why) = OpenBlasLoad.Value;
        if (description is not null)
        {
            Log.Info($"matrix products: {description}, one thread per call, split over threads by Cortex");
            return (BlasProvider.OpenBlas, description);
        }
        if (text == "openblas")
            throw new InvalidOperationException($"{EnvironmentVariable}=openblas was requested but OpenBLAS is not available: {why}");
        Log.Warn($"OpenBLAS not available ({why}); matrix products use Cortex's managed SIMD kernel, slower than OpenBLAS (about 0.8× on AVX-512, less elsewhere)");
        return (BlasProvider.Managed, $"{managed}, OpenBLAS not found)");
    }

    /// <summary>
    /// Row-major C = alpha·op(A)·op(B) + beta·C, op(A) m×k, op(B) k×n; each matrix starts at its offset
    /// and has row stride lda/ldb/ldc as stored. beta = 0 overwrites C (NaNs in it are ignored).
    /// <paramref name="threads"/> = 1 runs on the calling thread (use it inside your own Parallel.For);
    /// more splits the product over that many threads.
    /// </summary>
    public static void Gemm<T>(bool transA, bool transB, int m, int n, int k, T alpha, T[] a, int aOffset, int lda,
        T[] b, int bOffset, int ldb, T beta, T[] c, int cOffset, int ldc, int threads) where T : unmanaged, IFloatingPointIeee754<T>
        => Gemm(Current, transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc, threads);

    /// <summary>
    /// <paramref name="batch"/> independent products; product i reads A, B and C at offset + i·stride.
    /// With at least as many products as threads they run in parallel, one thread each; otherwise one
    /// after another, each split over the threads.
    /// </summary>
    public static void GemmBatched<T>(bool transA, bool transB, int m, int n, int k, T alpha, T[] a, int aOffset, int lda, int strideA,
        T[] b, int bOffset, int ldb, int strideB, T beta, T[] c, int cOffset, int ldc, int strideC, int batch, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
        => GemmBatched(Current, transA, transB, m, n, k, alpha, a, aOffset, lda, strideA, b, bOffset, ldb, strideB, beta, c, cOffset, ldc, strideC, batch, threads);

    /// <summary><see cref="Gemm{T}(bool, bool, int, int, int, T, T[], int, int, T[], int, int, T, T[], int, int, int)"/> with an explicit provider (tests run both).</summary>
    internal static void Gemm<T>(BlasProvider provider, bool transA, bool transB, int m, int n, int k, T alpha, T[] a, int aOffset, int lda,
        T[] b, int bOffset, int ldb, T beta, T[] c, int cOffset, int ldc, int threads) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Validate(provider, transA, transB, m, n, k, a, aOffset, lda, 0, b, bOffset, ldb, 0, c, cOffset, ldc, 0, 1);
        Split(provider, transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc, threads);
    }

    /// <summary><see cref="GemmBatched{T}(bool, bool, int, int, int, T, T[], int, int, int, T[], int, int, int, T, T[], int, int, int, int, int)"/> with an explicit provider (tests run both).</summary>
    internal static void GemmBatched<T>(BlasProvider provider, bool transA, bool transB, int m, int n, int k, T alpha, T[] a, int aOffset, int lda, int strideA,
        T[] b, int bOffset, int ldb, int strideB, T beta, T[] c, int cOffset, int ldc, int strideC, int batch, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Validate(provider, transA, transB, m, n, k, a, aOffset, lda, strideA, b, bOffset, ldb, strideB, c, cOffset, ldc, strideC, batch);
        threads = Math.Max(1, threads);
        if (threads > 1 && batch >= threads)
        {
            var options = new ParallelOptions { MaxDegreeOfParallelism = threads };
            Parallel.For(0, batch, options, i => Run(provider, transA, transB, m, n, k, alpha, a, aOffset + i * strideA, lda,
                b, bOffset + i * strideB, ldb, beta, c, cOffset + i * strideC, ldc));
        }
        else
            for (int i = 0; i < batch; i++)
                Split(provider, transA, transB, m, n, k, alpha, a, aOffset + i * strideA, lda, b, bOffset + i * strideB, ldb,
                    beta, c, cOffset + i * strideC, ldc, threads);
    }

    private static void Validate<T>(BlasProvider provider, bool transA, bool transB, int m, int n, int k, T[] a, int aOffset, int lda, int strideA,
        T[] b, int bOffset, int ldb, int strideB, T[] c, int cOffset, int ldc, int strideC, int batch)
    {
        // OpenBLAS does not check bounds: everything it may touch is checked here first.
        if (aOffset < 0 || bOffset < 0 || cOffset < 0)
            throw new ArgumentOutOfRangeException(nameof(aOffset), $"Gemm (m={m}, n={n}, k={k}): offsets must be non-negative, got A {aOffset}, B {bOffset}, C {cOffset}");
        GemmArgs.Validate(transA, transB, m, n, k, a.Length - Math.Min(aOffset, a.Length), lda, b.Length - Math.Min(bOffset, b.Length), ldb,
            c.Length - Math.Min(cOffset, c.Length), ldc, batch, strideA, strideB, strideC);
        if (provider == BlasProvider.OpenBlas && !OpenBlasAvailable)
            throw new InvalidOperationException($"Gemm: OpenBLAS was asked for but is not available ({OpenBlasLoad.Value.Why})");
    }

    /// <summary>Splits C into row or column blocks, one per thread, when the product is big enough to pay for it.</summary>
    private static void Split<T>(BlasProvider provider, bool transA, bool transB, int m, int n, int k, T alpha, T[] a, int aOffset, int lda,
        T[] b, int bOffset, int ldb, T beta, T[] c, int cOffset, int ldc, int threads) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int Align = 32; // block edges on whole micro-kernel tiles
        bool byColumns = n >= m;
        int length = byColumns ? n : m;
        int parts = (int)Math.Min(Math.Max(1, threads), (length + Align - 1) / Align);
        if (parts <= 1 || (long)m * n * k < SplitThreshold)
        {
            Run(provider, transA, transB, m, n, k, alpha, a, aOffset, lda, b, bOffset, ldb, beta, c, cOffset, ldc);
            return;
        }
        int block = (length + parts - 1) / parts;
        block = (block + Align - 1) / Align * Align;
        parts = (length + block - 1) / block;
        Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = threads }, part =>
        {
            int start = part * block, size = Math.Min(block, length - start);
            if (byColumns)
                Run(provider, transA, transB, m, size, k, alpha, a, aOffset, lda,
                    b, bOffset + (transB ? start * ldb : start), ldb, beta, c, cOffset + start, ldc);
            else
                Run(provider, transA, transB, size, n, k, alpha, a, aOffset + (transA ? start : start * lda), lda,
                    b, bOffset, ldb, beta, c, cOffset + start * ldc, ldc);
        });
    }

    /// <summary>One product on the calling thread.</summary>
    private static void Run<T>(BlasProvider provider, bool transA, bool transB, int m, int n, int k, T alpha, T[] a, int aOffset, int lda,
        T[] b, int bOffset, int ldb, T beta, T[] c, int cOffset, int ldc) where T : unmanaged, IFloatingPointIeee754<T>
    {
        fixed (T* pa = a, pb = b, pc = c)
        {
            if (provider == BlasProvider.OpenBlas)
                OpenBlas.Gemm(transA, transB, m, n, k, alpha, pa + aOffset, lda, pb + bOffset, ldb, beta, pc + cOffset, ldc);
            else
                ManagedGemm.Gemm(transA, transB, m, n, k, alpha, pa + aOffset, lda, pb + bOffset, ldb, beta, pc + cOffset, ldc);
        }
    }
}
