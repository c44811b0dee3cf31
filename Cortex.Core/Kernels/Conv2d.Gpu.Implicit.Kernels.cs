using System.Numerics;
using ILGPU;

namespace Cortex.Core.Kernels;

// The implicit-GEMM kernel of the GPU half and the three convolution passes it computes. One kernel, C[M × N] = A · B
// with a reduction of length K, where A and B are never stored: each is gathered tile by tile from the tensors as the
// problem struct says (TProblem), multiplied by the fragment product TProduct (Conv2d.Gpu.Fragments.cs) and written by
// the problem's own epilogue.
//
// A thread block computes a tile of WarpsM·32 rows × WarpsN·32 columns (64 × 64 or 32 × 128), one 32 × 32 warp tile per
// warp, over a slice of the reduction: per step of TileK = 16 it stages A[tile rows, 16] and B[16, tile columns] in
// shared memory (k-major, rows padded by 8 values so that a warp's fragment loads fall in 32 different banks), then each
// warp multiplies two 8-deep fragments. Out-of-range rows, columns and reduction indices are staged as zeros.
//
// Threads and lanes: on CUDA a group has one thread per lane (WarpsM·WarpsN·32). ILGPU's CPU accelerator runs groups of
// far fewer threads (two, for Cortex's test backend); there each thread plays lanes first + tid for first = 0, G, 2G, …,
// running the staging and the reduction once per pass, so the very same tiling and indexing run on it (each pass
// recomputes what the previous one staged: slow, exact). With one pass (CUDA), the loop is the usual kernel.
public static partial class Conv2d
{
    /// <summary>Reduction depth staged per step, and the padding of each staged row (in values).</summary>
    internal const int TileK = 16, Skew = 8;

    /// <summary>The largest block tile's rows (WarpsM = 2) and columns (WarpsN = 4): the shared-memory sizes.</summary>
    internal const int MaxTileRows = 64, MaxTileColumns = 128;

    /// <summary>
    /// A launch's tiling: a block is WarpsM × WarpsN warps (32 × 32 each), the grid TilesM × TilesN blocks for each of
    /// Slices slices of the reduction, SliceLength long (a multiple of <see cref="TileK"/>; the last may be shorter).
    /// </summary>
    internal readonly record struct GemmTiling(int WarpsM, int WarpsN, int TilesM, int TilesN, int SliceLength, int Slices)
    {
        public int Lanes => WarpsM * WarpsN * 32;

        public int Blocks => TilesM * TilesN * Slices;
    }

    /// <summary>
    /// C = A · B over a reduction of length K, for M rows and N columns, with A and B read element by element and each
    /// result handed to <see cref="Store"/> (with the slice of the reduction it sums, for split reductions).
    /// </summary>
    internal interface IImplicitGemm<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>Whether B is contiguous in memory along the reduction (stage it k-fastest) rather than along its columns.</summary>
        static abstract bool BAlongK { get; }

        int M { get; }

        int N { get; }

        int K { get; }

        /// <summary>A[m, k], for m &lt; M and k &lt; K.</summary>
        T A(int m, int k);

        /// <summary>B[k, n], for k &lt; K and n &lt; N.</summary>
        T B(int k, int n);

        /// <summary>Writes C[m, n] (the part summed by <paramref name="slice"/>), for m &lt; M and n &lt; N.</summary>
        void Store(int m, int n, int slice, T value);
    }

    /// <summary>
    /// The implicit-GEMM kernel (explicitly grouped: launch with a <see cref="ILGPU.KernelConfig"/> of
    /// <see cref="GemmTiling.Blocks"/> groups whose size divides <see cref="GemmTiling.Lanes"/>).
    /// </summary>
    internal static void ImplicitGemmKernel<T, TProblem, TProduct>(TProblem p, GemmTiling t)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TProblem : struct, IImplicitGemm<T>
        where TProduct : struct, IWarpProduct<T>
    {
        var sa = SharedMemory.Allocate<T>(TileK * (MaxTileRows + Skew));      // A staged k-major: sa[kk·strideA + mm]
        var sb = SharedMemory.Allocate<T>(TileK * (MaxTileColumns + Skew));   // B staged k-major: sb[kk·strideB + nn]
        int threads = Group.DimX, tid = Group.IdxX;
        int tileM = t.WarpsM * 32, tileN = t.WarpsN * 32, lanes = t.WarpsM * t.WarpsN * 32;
        int strideA = tileM + Skew, strideB = tileN + Skew;
        int tiles = t.TilesM * t.TilesN;
        int slice = Grid.IdxX / tiles;
        int rest = Grid.IdxX - slice * tiles;
        int column = rest / t.TilesM;
        int m0 = (rest - column * t.TilesM) * tileM, n0 = column * tileN;
        int kBegin = slice * t.SliceLength;
        int kEnd = Math.Min(p.K, kBegin + t.SliceLength);
        for (int first = 0; first < lanes; first += threads)
        {
            int thread = first + tid, warp = thread >> 5, lane = thread & 31;
            int wm = warp % t.WarpsM * 32, wn = warp / t.WarpsM * 32;
            var acc = default(WarpTile<T>);
            for (int k0 = kBegin; k0 < kEnd; k0 += TileK)
            {
                Group.Barrier();   // every lane has read the previous tiles
                for (int e = tid; e < tileM * TileK; e += threads)
                {
                    int mm = e >> 4, kk = e & (TileK - 1);
                    int m = m0 + mm, k = k0 + kk;
                    sa[kk * strideA + mm] = m < p.M && k < kEnd ? p.A(m, k) : T.Zero;
                }
                for (int e = tid; e < TileK * tileN; e += threads)
                {
                    int kk, nn;
                    if (TProblem.BAlongK)
                    {
                        nn = e >> 4;
                        kk = e & (TileK - 1);
                    }
                    else
                    {
                        kk = e / tileN;
                        nn = e - kk * tileN;
                    }
                    int n = n0 + nn, k = k0 + kk;
                    sb[kk * strideB + nn] = n < p.N && k < kEnd ? p.B(k, n) : T.Zero;
                }
                Group.Barrier();   // the tiles are staged
                acc = TProduct.MultiplyAdd(acc, sa, strideA, sb, strideB, 0, wm, wn, lane);
                acc = TProduct.MultiplyAdd(acc, sa, strideA, sb, strideB, 8, wm, wn, lane);
            }
            int row = m0 + wm + (lane >> 2), col = n0 + wn + 2 * (lane & 3);
            StoreTile<T, TProblem>(p, acc.T00, row, col, slice);
            StoreTile<T, TProblem>(p, acc.T01, row, col + 8, slice);
            StoreTile<T, TProblem>(p, acc.T02, row, col + 16, slice);
            StoreTile<T, TProblem>(p, acc.T03, row, col + 24, slice);
            StoreTile<T, TProblem>(p, acc.T10, row + 16, col, slice);
            StoreTile<T, TProblem>(p, acc.T11, row + 16, col + 8, slice);
            StoreTile<T, TProblem>(p, acc.T12, row + 16, col + 16, slice);
            StoreTile<T, TProblem>(p, acc.T13, row + 16, col + 24, slice);
        }
    }

    /// <summary>A lane's four results of one 16×8 tile: (m, n), (m, n + 1), (m + 8, n), (m + 8, n + 1), those inside C.</summary>
    private static void StoreTile<T, TProblem>(TProblem p, Acc4<T> v, int m, int n, int slice)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TProblem : struct, IImplicitGemm<T>
    {
        if (m < p.M)
        {
            if (n < p.N) p.Store(m, n, slice, v.C0);
            if (n + 1 < p.N) p.Store(m, n + 1, slice, v.C1);
        }
        if (m + 8 < p.M)
        {
            if (n < p.N) p.Store(m + 8, n, slice, v.C2);
            if (n + 1 < p.N) p.Store(m + 8, n + 1, slice, v.C3);
        }
    }

    /// <summary>
    /// Forward: y[b, co, oh, ow] (+)= bias[co] + Σ_{(c, u, v)} w[co, c, u, v] · x[b, c, oh·s − PadH + u, ow·s − PadW + v].
    /// M = Co, N = B·Ho·Wo (image-major), K = Ci·Kh·Kw; A is w as [Co, K], B is im2col(x).
    /// </summary>
    internal readonly struct ForwardGemm<T> : IImplicitGemm<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly ArrayView<T> x, w, bias, y;
        private readonly Lowering l;
        private readonly Divisor pixels, outWidth, kernelWidth, kernelHeight;
        private readonly int outChannels, batch, hasBias, accumulate;

        public ForwardGemm(ArrayView<T> x, ArrayView<T> w, ArrayView<T> bias, ArrayView<T> y, Lowering l, int outChannels, int batch,
            bool hasBias, bool accumulate)
        {
            (this.x, this.w, this.bias, this.y, this.l, this.outChannels, this.batch) = (x, w, bias, y, l, outChannels, batch);
            (this.hasBias, this.accumulate) = (hasBias ? 1 : 0, accumulate ? 1 : 0);
            (pixels, outWidth, kernelWidth, kernelHeight) = (Divisor.Of(l.N), Divisor.Of(l.OutWidth), Divisor.Of(l.KernelWidth), Divisor.Of(l.KernelHeight));
        }

        public static bool BAlongK => false;

        public int M => outChannels;

        public int N => batch * l.N;

        public int K => l.K;

        public T A(int m, int k) => w[(long)m * l.K + k];

        public T B(int k, int n) => Unfolded(x, l, pixels, outWidth, kernelWidth, kernelHeight, k, n);

        public void Store(int m, int n, int slice, T value)
        {
            int image = pixels.Divide(n);
            long at = ((long)image * outChannels + m) * l.N + (n - image * l.N);
            if (hasBias != 0) value += bias[m];
            y[at] = accumulate != 0 ? y[at] + value : value;
        }
    }

    /// <summary>
    /// Backward-data: dx[b, c, ih, iw] (+)= Σ_{(co, u, v)} w[co, c, u, v] · dy[b, co, oh, ow] over ih = oh·s − PadH + u,
    /// iw = ow·s − PadW + v. M = Ci, N = B·H·W, K = Co·Kh·Kw; B is dy gathered (zero where no (oh, ow) reads the pixel:
    /// at stride s > 1 most of it, which costs s² times the work of the stride-1 case).
    /// </summary>
    internal readonly struct DataGemm<T> : IImplicitGemm<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly ArrayView<T> dy, w, dx;
        private readonly Lowering l;
        private readonly Divisor imagePixels, width, taps, kernelWidth, stride;
        private readonly int outChannels, batch, accumulate;

        public DataGemm(ArrayView<T> dy, ArrayView<T> w, ArrayView<T> dx, Lowering l, int outChannels, int batch, bool accumulate)
        {
            (this.dy, this.w, this.dx, this.l, this.outChannels, this.batch, this.accumulate) = (dy, w, dx, l, outChannels, batch, accumulate ? 1 : 0);
            (imagePixels, width, taps, kernelWidth, stride) = (Divisor.Of(l.Height * l.Width), Divisor.Of(l.Width),
                Divisor.Of(l.KernelHeight * l.KernelWidth), Divisor.Of(l.KernelWidth), Divisor.Of(l.Stride));
        }

        public static bool BAlongK => false;

        public int M => l.Channels;

        public int N => batch * l.Height * l.Width;

        public int K => outChannels * l.KernelHeight * l.KernelWidth;

        public T A(int m, int k)
        {
            int o = taps.Divide(k);
            return w[((long)o * l.Channels + m) * taps.Value + (k - o * taps.Value)];
        }

        public T B(int k, int n)
        {
            int o = taps.Divide(k);
            int tap = k - o * taps.Value;
            int u = kernelWidth.Divide(tap), v = tap - u * l.KernelWidth;
            int image = imagePixels.Divide(n);
            int pixel = n - image * imagePixels.Value;
            int ih = width.Divide(pixel), iw = pixel - ih * l.Width;
            int hs = ih + l.PadH - u, ws = iw + l.PadW - v;
            if (hs < 0 || ws < 0) return T.Zero;
            int oh = stride.Divide(hs), ow = stride.Divide(ws);
            if (oh * l.Stride != hs || ow * l.Stride != ws || oh >= l.OutHeight || ow >= l.OutWidth) return T.Zero;
            return dy[(((long)image * outChannels + o) * l.OutHeight + oh) * l.OutWidth + ow];
        }

        public void Store(int m, int n, int slice, T value)
        {
            int image = imagePixels.Divide(n);
            long at = ((long)image * l.Channels + m) * imagePixels.Value + (n - image * imagePixels.Value);
            dx[at] = accumulate != 0 ? dx[at] + value : value;
        }
    }

    /// <summary>
    /// Backward-weights, one slice of the reduction: partials[slice, co, r] = Σ_{(b, oh, ow) in the slice} dy[b, co, oh, ow] ·
    /// im2col(x)[r, (b, oh, ow)], with r = (c, u, v) &lt; Ci·Kh·Kw, and for r = Ci·Kh·Kw (when Rows says so) a column of ones:
    /// Σ dy, the bias gradient. M = Co, N = Rows, K = B·Ho·Wo; <see cref="AddSlicesKernel{T}"/> then adds the slices in order.
    /// </summary>
    internal readonly struct WeightGemm<T> : IImplicitGemm<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        private readonly ArrayView<T> x, dy, partials;
        private readonly Lowering l;
        private readonly Divisor pixels, outWidth, kernelWidth, kernelHeight;
        private readonly int outChannels, batch, rows;

        public WeightGemm(ArrayView<T> x, ArrayView<T> dy, ArrayView<T> partials, Lowering l, int outChannels, int batch, int rows)
        {
            (this.x, this.dy, this.partials, this.l, this.outChannels, this.batch, this.rows) = (x, dy, partials, l, outChannels, batch, rows);
            (pixels, outWidth, kernelWidth, kernelHeight) = (Divisor.Of(l.N), Divisor.Of(l.OutWidth), Divisor.Of(l.KernelWidth), Divisor.Of(l.KernelHeight));
        }

        public static bool BAlongK => true;

        public int M => outChannels;

        public int N => rows;

        public int K => batch * l.N;

        public T A(int m, int k)
        {
            int image = pixels.Divide(k);
            return dy[((long)image * outChannels + m) * l.N + (k - image * l.N)];
        }

        public T B(int k, int n) => n >= l.K ? T.One : Unfolded(x, l, pixels, outWidth, kernelWidth, kernelHeight, n, k);

        public void Store(int m, int n, int slice, T value) => partials[((long)slice * outChannels + m) * rows + n] = value;
    }

    /// <summary>
    /// im2col(x)[k, n] without the column matrix: x[b, c, oh·s − PadH + u, ow·s − PadW + v] (zero outside the image) for
    /// k = (c, u, v) and n = (b, oh, ow).
    /// </summary>
    private static T Unfolded<T>(ArrayView<T> x, Lowering l, Divisor pixels, Divisor outWidth, Divisor kernelWidth, Divisor kernelHeight, int k, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int kernelRow = kernelWidth.Divide(k);
        int v = k - kernelRow * l.KernelWidth;
        int c = kernelHeight.Divide(kernelRow);
        int u = kernelRow - c * l.KernelHeight;
        int image = pixels.Divide(n);
        int p = n - image * l.N;
        int oh = outWidth.Divide(p);
        int ih = oh * l.Stride - l.PadH + u;
        int iw = (p - oh * l.OutWidth) * l.Stride - l.PadW + v;
        if (ih < 0 || ih >= l.Height || iw < 0 || iw >= l.Width) return T.Zero;
        return x[(((long)image * l.Channels + c) * l.Height + ih) * l.Width + iw];
    }
}
