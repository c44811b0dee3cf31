using System.Numerics;
using ILGPU;

namespace Cortex.Core.Backends.Blas;

/// <summary>
/// Cortex's own GEMM as an ILGPU kernel: one thread per element of C, row-major, strided batches.
/// Used on ILGPU's CPU accelerator, and on CUDA only when cuBLAS cannot be loaded (logged).
/// </summary>
internal static class IlgpuGemm
{
    internal readonly record struct Dims(int M, int N, int K, int Lda, int Ldb, int Ldc, int StrideA, int StrideB, int StrideC, int TransA, int TransB);

    public static void Run<T>(IlgpuBackend<T> gpu, bool transA, bool transB, int m, int n, int k, T alpha, ArrayView<T> a, int lda, int strideA,
        ArrayView<T> b, int ldb, int strideB, T beta, ArrayView<T> c, int ldc, int strideC, int batch) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var dims = new Dims(m, n, k, lda, ldb, ldc, strideA, strideB, strideC, transA ? 1 : 0, transB ? 1 : 0);
        gpu.Launch(Kernel, checked(batch * m * n), a, b, c, dims, alpha, beta);
    }

    private static void Kernel<T>(Index1D index, ArrayView<T> a, ArrayView<T> b, ArrayView<T> c, Dims d, T alpha, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int j = index % d.N;
        int rest = index / d.N;
        int i = rest % d.M;
        int batch = rest / d.M;
        long aBase = (long)batch * d.StrideA, bBase = (long)batch * d.StrideB;
        long aStep = d.TransA != 0 ? d.Lda : 1, bStep = d.TransB != 0 ? 1 : d.Ldb;
        long aAt = aBase + (d.TransA != 0 ? i : (long)i * d.Lda);
        long bAt = bBase + (d.TransB != 0 ? (long)j * d.Ldb : j);
        T sum = T.Zero;
        for (int p = 0; p < d.K; p++)
        {
            sum += a[aAt] * b[bAt];
            aAt += aStep;
            bAt += bStep;
        }
        long cAt = (long)batch * d.StrideC + (long)i * d.Ldc + j;
        c[cAt] = beta == T.Zero ? alpha * sum : alpha * sum + beta * c[cAt];
    }
}
