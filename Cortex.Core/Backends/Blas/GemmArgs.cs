namespace Cortex.Core.Backends.Blas;

/// <summary>Host-side checks of a row-major GEMM's sizes against the buffers it reads and writes.</summary>
public static class GemmArgs
{
    public static void Validate(bool transA, bool transB, int m, int n, int k, int aLength, int lda, int bLength, int ldb,
        int cLength, int ldc, int batch, int strideA, int strideB, int strideC)
    {
        if (m <= 0 || n <= 0 || k <= 0 || batch <= 0)
            throw new ArgumentOutOfRangeException(nameof(m), $"Gemm: sizes must be positive, got m={m}, n={n}, k={k}, batch={batch}");
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        if (lda < aCols) throw new ArgumentException($"Gemm: lda={lda} is smaller than A's {aCols} columns (A is {aRows}×{aCols})");
        if (ldb < bCols) throw new ArgumentException($"Gemm: ldb={ldb} is smaller than B's {bCols} columns (B is {bRows}×{bCols})");
        if (ldc < n) throw new ArgumentException($"Gemm: ldc={ldc} is smaller than C's {n} columns");
        Fits("A", aLength, (long)(batch - 1) * strideA + (long)(aRows - 1) * lda + aCols);
        Fits("B", bLength, (long)(batch - 1) * strideB + (long)(bRows - 1) * ldb + bCols);
        Fits("C", cLength, (long)(batch - 1) * strideC + (long)(m - 1) * ldc + n);
    }

    private static void Fits(string name, int length, long needed)
    {
        if (needed > length)
            throw new ArgumentException($"Gemm: {name} needs {needed} elements for these sizes, its tensor holds {length}");
    }
}
