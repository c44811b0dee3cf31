namespace Cortex.Core.Backends.Blas;

/// <summary>Host-side checks of a row-major GEMM's sizes against the buffers it reads and writes.</summary>
public static class GemmArgs
{
    /// <summary>
    /// Throws, naming Gemm and the sizes, unless every matrix of every product lies inside its buffer.
    /// Allocates nothing when the arguments are valid (it runs on every product, some of them tiny).
    /// </summary>
    public static void Validate(bool transA, bool transB, int m, int n, int k, int aLength, int lda, int bLength, int ldb,
        int cLength, int ldc, int batch, int strideA, int strideB, int strideC)
    {
        string What() => $"Gemm (m={m}, n={n}, k={k}{(transA ? ", A transposed" : "")}{(transB ? ", B transposed" : "")}{(batch != 1 ? $", batch={batch}" : "")})";
        if (m <= 0 || n <= 0 || k <= 0 || batch <= 0)
            throw new ArgumentOutOfRangeException(nameof(m), $"{What()}: sizes must be positive");
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        if (lda < aCols) throw new ArgumentException($"{What()}: lda={lda} is smaller than A's {aCols} columns (A is stored {aRows}×{aCols})");
        if (ldb < bCols) throw new ArgumentException($"{What()}: ldb={ldb} is smaller than B's {bCols} columns (B is stored {bRows}×{bCols})");
        if (ldc < n) throw new ArgumentException($"{What()}: ldc={ldc} is smaller than C's {n} columns");
        if (batch > 1)
        {
            if (strideA < 0 || strideB < 0 || strideC < 0)
                throw new ArgumentException($"{What()}: strides must be non-negative, got A {strideA}, B {strideB}, C {strideC}");
            long cSpan = (long)(m - 1) * ldc + n;
            if (strideC < cSpan)
                throw new ArgumentException($"{What()}: strideC={strideC} makes the C matrices overlap (each spans {cSpan} elements); products of a batch run in parallel");
        }
        long needA = (long)(batch - 1) * strideA + (long)(aRows - 1) * lda + aCols;
        long needB = (long)(batch - 1) * strideB + (long)(bRows - 1) * ldb + bCols;
        long needC = (long)(batch - 1) * strideC + (long)(m - 1) * ldc + n;
        if (needA > aLength) throw Short(What(), "A", aLength, needA, aRows, aCols, lda);
        if (needB > bLength) throw Short(What(), "B", bLength, needB, bRows, bCols, ldb);
        if (needC > cLength) throw Short(What(), "C", cLength, needC, m, n, ldc);
    }

    private static ArgumentException Short(string what, string name, int length, long needed, int rows, int cols, int ld) =>
        new($"{what}: {name} ({rows}×{cols}, row stride {ld}) needs {needed} elements, its buffer holds {length}");
}
