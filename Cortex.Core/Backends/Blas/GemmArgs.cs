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
            if (SharedOffset(m, n, ldc, strideC, batch) is long d)
                throw new ArgumentException(
                    $"{What()}: strideC={strideC} with ldc={ldc} makes C matrices {d} apart share elements; products of a batch run in parallel");
        }
        long needA = (long)(batch - 1) * strideA + (long)(aRows - 1) * lda + aCols;
        long needB = (long)(batch - 1) * strideB + (long)(bRows - 1) * ldb + bCols;
        long needC = (long)(batch - 1) * strideC + (long)(m - 1) * ldc + n;
        if (needA > aLength) throw Short(What(), "A", aLength, needA, aRows, aCols, lda);
        if (needB > bLength) throw Short(What(), "B", bLength, needB, bRows, bCols, ldb);
        if (needC > cLength) throw Short(What(), "C", cLength, needC, m, n, ldc);
    }

    /// <summary>
    /// The smallest distance d (in matrices) at which two C matrices of the batch share an element, or null.
    /// Matrices may interleave without sharing (ldc ≥ 2n, strideC = n puts them side by side), so this checks
    /// the real geometry: matrix j starts Δ = d·strideC = q·ldc + r elements after matrix i, so its rows are
    /// i's rows q… at columns [r, r + n), spilling into the next row's columns [0, r + n − ldc) when
    /// r + n &gt; ldc; with ldc ≥ n both are clashes only when they land on one of i's m rows within its first n
    /// columns. Matrices whose starts lie a whole span apart cannot meet, which bounds the loop.
    /// </summary>
    private static long? SharedOffset(int m, int n, int ldc, int strideC, int batch)
    {
        long span = (long)(m - 1) * ldc + n;
        for (long d = 1; d < batch; d++)
        {
            long delta = d * strideC;
            if (delta >= span) return null;
            long q = delta / ldc, r = delta % ldc;
            if ((q < m && r < n) || (r + n > ldc && q + 1 < m)) return d;
        }
        return null;
    }

    private static ArgumentException Short(string what, string name, int length, long needed, int rows, int cols, int ld) =>
        new($"{what}: {name} ({rows}×{cols}, row stride {ld}) needs {needed} elements, its buffer holds {length}");
}
