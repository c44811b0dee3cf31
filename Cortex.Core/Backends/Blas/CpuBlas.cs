using System.Numerics;

namespace Cortex.Core.Backends.Blas;

/// <summary>Row-major matrix products on host arrays.</summary>
public static class CpuBlas
{
    public static string Provider => "managed";

    public static void Gemm<T>(bool transA, bool transB, int m, int n, int k, T alpha, T[] a, int aOffset, int lda,
        T[] b, int bOffset, int ldb, T beta, T[] c, int cOffset, int ldc, int threads) where T : unmanaged, IFloatingPointIeee754<T>
    {
        System.Threading.Tasks.Parallel.For(0, m, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
        {
            for (int j = 0; j < n; j++)
            {
                T sum = T.Zero;
                for (int p = 0; p < k; p++)
                    sum += a[aOffset + (transA ? p * lda + i : i * lda + p)] * b[bOffset + (transB ? j * ldb + p : p * ldb + j)];
                ref T cij = ref c[cOffset + i * ldc + j];
                cij = alpha * sum + (beta == T.Zero ? T.Zero : beta * cij);
            }
        });
    }

    public static void GemmBatched<T>(bool transA, bool transB, int m, int n, int k, T alpha, T[] a, int aOffset, int lda, int strideA,
        T[] b, int bOffset, int ldb, int strideB, T beta, T[] c, int cOffset, int ldc, int strideC, int batch, int threads)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < batch; i++)
            Gemm(transA, transB, m, n, k, alpha, a, aOffset + i * strideA, lda, b, bOffset + i * strideB, ldb, beta, c, cOffset + i * strideC, ldc, threads);
    }
}
