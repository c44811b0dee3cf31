using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Cortex.Core.Backends.Blas;

/// <summary>
/// Cortex's own single-threaded GEMM, used when OpenBLAS is missing (or CORTEX_BLAS=managed). The usual
/// blocked scheme (Goto/BLIS): C is walked in NC-column blocks, k in KC slices and rows in MC blocks;
/// op(B) and alpha·op(A) are packed into contiguous panels (all transposes and strides are handled in
/// packing, edges padded with zeros) and an MR×NR register-blocked micro-kernel of fused multiply-adds
/// runs over them: 8×(2 Vector512) where AVX-512 is accelerated, else 6×(2 Vector&lt;T&gt;).
/// </summary>
internal static unsafe class ManagedGemm
{
    private const int KC = 256, MC = 144, NC = 1024;

    /// <summary>Vector512 kernels run where AVX-512 is accelerated (its FMA is then native).</summary>
    internal static readonly bool Wide = Vector512.IsHardwareAccelerated && Avx512F.IsSupported;

    private static readonly bool NativeFma = System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported;

    /// <summary>What the kernel is, for the provider's description.</summary>
    internal static string Kernel => Wide ? "Vector512 FMA 8×2" : $"Vector<T> ({Vector<byte>.Count * 8}-bit) 6×2";

    /// <summary>
    /// C = alpha·op(A)·op(B) + beta·C on the calling thread; row-major, sizes already validated.
    /// beta = 0 overwrites C (NaNs in it are ignored).
    /// </summary>
    public static void Gemm<T>(bool transA, bool transB, int m, int n, int k, T alpha, T* a, int lda, T* b, int ldb, T beta, T* c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (beta != T.One)
            for (int i = 0; i < m; i++)
            {
                var row = new Span<T>(c + (long)i * ldc, n);
                if (beta == T.Zero) row.Clear();
                else TensorPrimitives.Multiply(row, beta, row);
            }
        if (alpha == T.Zero) return;

        int mr = Wide ? 8 : 6;
        int nr = 2 * (Wide ? Vector512<T>.Count : Vector<T>.Count);
        // Blocks of near-equal size (k = 288 is two slices of 144, not 256 + 32), rows on whole tiles.
        int ncMax = Math.Min(NC, RoundUp(n, nr));
        int kcMax = Even(k, KC, 1);
        int mcMax = Even(m, MC / mr * mr, mr);
        var buffers = Buffers<T>.Get(mcMax * kcMax, kcMax * ncMax);
        fixed (T* ap = buffers.A, bp = buffers.B)
        {
            T* tile = stackalloc T[mr * nr];
            for (int jc = 0; jc < n; jc += NC)
            {
                int nc = Math.Min(NC, n - jc);
                for (int pc = 0; pc < k; pc += kcMax)
                {
                    int kc = Math.Min(kcMax, k - pc);
                    PackB(transB, b, ldb, pc, kc, jc, nc, bp, nr);
                    for (int ic = 0; ic < m; ic += mcMax)
                    {
                        int mc = Math.Min(mcMax, m - ic);
                        PackA(transA, a, lda, ic, mc, pc, kc, alpha, ap, mr);
                        for (int jr = 0; jr < nc; jr += nr)
                        {
                            int nTile = Math.Min(nr, nc - jr);
                            T* bPanel = bp + (long)jr * kc;
                            for (int ir = 0; ir < mc; ir += mr)
                            {
                                int mTile = Math.Min(mr, mc - ir);
                                T* aPanel = ap + (long)ir * kc;
                                T* cTile = c + (long)(ic + ir) * ldc + jc + jr;
                                if (mTile == mr && nTile == nr)
                                    MicroKernel(kc, aPanel, bPanel, cTile, ldc);
                                else
                                {
                                    new Span<T>(tile, mr * nr).Clear();
                                    MicroKernel(kc, aPanel, bPanel, tile, nr);
                                    for (int r = 0; r < mTile; r++)
                                    {
                                        var dst = new Span<T>(cTile + (long)r * ldc, nTile);
                                        TensorPrimitives.Add(dst, new ReadOnlySpan<T>(tile + r * nr, nTile), dst);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    /// <summary>The block size, a multiple of <paramref name="unit"/>, that cuts <paramref name="length"/> into the fewest near-equal blocks of at most <paramref name="max"/>.</summary>
    private static int Even(int length, int max, int unit)
    {
        int blocks = (length + max - 1) / max;
        return Math.Min(max, RoundUp((length + blocks - 1) / blocks, unit));
    }

    /// <summary>alpha·op(A)[i0.., p0..] into panels of mr rows: panel q holds element (r, p) at q·mr·kc + p·mr + r.</summary>
    private static void PackA<T>(bool transA, T* a, int lda, int i0, int mc, int p0, int kc, T alpha, T* dst, int mr)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            T* panel = dst + (long)ir * kc;
            if (transA)
            {
                // op(A)[i, p] = A[p, i]: the mr values of one p are contiguous.
                T* src = a + (long)p0 * lda + i0 + ir;
                for (int p = 0; p < kc; p++, src += lda)
                {
                    T* d = panel + p * mr;
                    int r = 0;
                    for (; r < rows; r++) d[r] = alpha * src[r];
                    for (; r < mr; r++) d[r] = T.Zero;
                }
            }
            else
            {
                for (int r = 0; r < mr; r++)
                {
                    T* d = panel + r;
                    if (r < rows)
                    {
                        T* src = a + (long)(i0 + ir + r) * lda + p0;
                        for (int p = 0; p < kc; p++) d[p * mr] = alpha * src[p];
                    }
                    else
                        for (int p = 0; p < kc; p++) d[p * mr] = T.Zero;
                }
            }
        }
    }

    /// <summary>op(B)[p0.., j0..] into panels of nr columns: panel q holds element (p, j) at q·nr·kc + p·nr + j.</summary>
    private static void PackB<T>(bool transB, T* b, int ldb, int p0, int kc, int j0, int nc, T* dst, int nr)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            T* panel = dst + (long)jr * kc;
            if (!transB)
            {
                T* src = b + (long)p0 * ldb + j0 + jr;
                for (int p = 0; p < kc; p++, src += ldb)
                {
                    new ReadOnlySpan<T>(src, cols).CopyTo(new Span<T>(panel + p * nr, cols));
                    if (cols < nr) new Span<T>(panel + p * nr + cols, nr - cols).Clear();
                }
            }
            else
            {
                // op(B)[p, j] = B[j, p]: one column of the panel is a contiguous row of B.
                for (int q = 0; q < nr; q++)
                {
                    T* d = panel + q;
                    if (q < cols)
                    {
                        T* src = b + (long)(j0 + jr + q) * ldb + p0;
                        for (int p = 0; p < kc; p++) d[p * nr] = src[p];
                    }
                    else
                        for (int p = 0; p < kc; p++) d[p * nr] = T.Zero;
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MicroKernel<T>(int kc, T* a, T* b, T* c, int ldc) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Wide) Kernel8x2<T>(kc, a, b, c, ldc);
        else Kernel6x2<T>(kc, a, b, c, ldc);
    }

    /// <summary>C[8, 2W] += A[8, kc]·B[kc, 2W] with W = Vector512&lt;T&gt;.Count; 16 accumulators stay in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel8x2<T>(int kc, T* a, T* b, T* c, int ldc) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector512<T>.Count;
        Vector512<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<T> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++, a += 8, b += 2 * w)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + w);
            var x = Vector512.Create(a[0]); c00 = Fma(x, b0, c00); c01 = Fma(x, b1, c01);
            x = Vector512.Create(a[1]); c10 = Fma(x, b0, c10); c11 = Fma(x, b1, c11);
            x = Vector512.Create(a[2]); c20 = Fma(x, b0, c20); c21 = Fma(x, b1, c21);
            x = Vector512.Create(a[3]); c30 = Fma(x, b0, c30); c31 = Fma(x, b1, c31);
            x = Vector512.Create(a[4]); c40 = Fma(x, b0, c40); c41 = Fma(x, b1, c41);
            x = Vector512.Create(a[5]); c50 = Fma(x, b0, c50); c51 = Fma(x, b1, c51);
            x = Vector512.Create(a[6]); c60 = Fma(x, b0, c60); c61 = Fma(x, b1, c61);
            x = Vector512.Create(a[7]); c70 = Fma(x, b0, c70); c71 = Fma(x, b1, c71);
        }
        Add(c, w, c00, c01); c += ldc; Add(c, w, c10, c11); c += ldc; Add(c, w, c20, c21); c += ldc; Add(c, w, c30, c31); c += ldc;
        Add(c, w, c40, c41); c += ldc; Add(c, w, c50, c51); c += ldc; Add(c, w, c60, c61); c += ldc; Add(c, w, c70, c71);
    }

    /// <summary>C[6, 2W] += A[6, kc]·B[kc, 2W] with W = Vector&lt;T&gt;.Count; 12 accumulators stay in registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x2<T>(int kc, T* a, T* b, T* c, int ldc) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector<T>.Count;
        Vector<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++, a += 6, b += 2 * w)
        {
            var b0 = Vector.Load(b);
            var b1 = Vector.Load(b + w);
            var x = new Vector<T>(a[0]); c00 = Fma(x, b0, c00); c01 = Fma(x, b1, c01);
            x = new Vector<T>(a[1]); c10 = Fma(x, b0, c10); c11 = Fma(x, b1, c11);
            x = new Vector<T>(a[2]); c20 = Fma(x, b0, c20); c21 = Fma(x, b1, c21);
            x = new Vector<T>(a[3]); c30 = Fma(x, b0, c30); c31 = Fma(x, b1, c31);
            x = new Vector<T>(a[4]); c40 = Fma(x, b0, c40); c41 = Fma(x, b1, c41);
            x = new Vector<T>(a[5]); c50 = Fma(x, b0, c50); c51 = Fma(x, b1, c51);
        }
        Add(c, w, c00, c01); c += ldc; Add(c, w, c10, c11); c += ldc; Add(c, w, c20, c21); c += ldc;
        Add(c, w, c30, c31); c += ldc; Add(c, w, c40, c41); c += ldc; Add(c, w, c50, c51);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add<T>(T* c, int w, Vector512<T> lo, Vector512<T> hi) where T : unmanaged
    {
        Vector512.Store(Vector512.Load(c) + lo, c);
        Vector512.Store(Vector512.Load(c + w) + hi, c + w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add<T>(T* c, int w, Vector<T> lo, Vector<T> hi) where T : unmanaged
    {
        Vector.Store(Vector.Load(c) + lo, c);
        Vector.Store(Vector.Load(c + w) + hi, c + w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Fma<T>(Vector512<T> x, Vector512<T> y, Vector512<T> acc) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            return Vector512.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), acc.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double))
            return Vector512.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), acc.AsDouble()).As<double, T>();
        return x * y + acc;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Fma<T>(Vector<T> x, Vector<T> y, Vector<T> acc) where T : unmanaged
    {
        if (NativeFma && typeof(T) == typeof(float))
            return Vector.As<float, T>(Vector.FusedMultiplyAdd(Vector.AsVectorSingle(x), Vector.AsVectorSingle(y), Vector.AsVectorSingle(acc)));
        if (NativeFma && typeof(T) == typeof(double))
            return Vector.As<double, T>(Vector.FusedMultiplyAdd(Vector.AsVectorDouble(x), Vector.AsVectorDouble(y), Vector.AsVectorDouble(acc)));
        return x * y + acc;
    }

    /// <summary>Per-thread packing buffers, pinned once and grown on demand, so products allocate nothing.</summary>
    private static class Buffers<T> where T : unmanaged
    {
        [ThreadStatic] private static T[]? a;
        [ThreadStatic] private static T[]? b;

        public static (T[] A, T[] B) Get(int aLength, int bLength)
        {
            if (a is null || a.Length < aLength) a = GC.AllocateUninitializedArray<T>(aLength, pinned: true);
            if (b is null || b.Length < bLength) b = GC.AllocateUninitializedArray<T>(bLength, pinned: true);
            return (a, b);
        }
    }
}
