using System.Numerics;
using ILGPU;
using ILGPU.Runtime.Cuda;

namespace Cortex.Core.Kernels;

// The fragment multiply of the implicit-GEMM convolution kernels (Conv2d.Gpu.Implicit*.cs): one warp's 32×32 tile of
// the product gains A[32 × 8] · B[8 × 32] from the two tiles in shared memory. Three implementations, chosen on the
// host by struct type parameter (docs/decisions/0010-implicit-gemm-convolutions.md):
// - Tf32TensorCores: eight mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 per call, through inline PTX (CUDA only;
//   every thread of the group is one lane, all 32 lanes of a warp together);
// - Tf32Emulated: the same sums, each lane computing its own four outputs of each 16×8 tile from shared memory with
//   operands rounded as cvt.rna.tf32.f32 rounds them and products accumulated in single precision, so the tiling and
//   the indexing around it run (and are tested) on ILGPU's CPU accelerator;
// - StrictProduct: the same per-lane sums without rounding, in T (FP32, or FP64 for gradient checks).
// A lane's share follows the PTX ISA's m16n8k8 fragment layout: with g = lane / 4 and t = lane % 4 it holds rows g and
// g + 8 of each 16-row tile and columns 2t and 2t + 1 of each 8-column tile; its A fragment is A[g (+8)][t (+4)] and its
// B fragment B[t (+4)][g].

/// <summary>Four accumulators of one lane in one 16×8 tile: rows g, g, g + 8, g + 8; columns 2t, 2t + 1, 2t, 2t + 1.</summary>
internal struct Acc4<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public T C0, C1, C2, C3;
}

/// <summary>
/// One lane's 32 accumulators of a warp's 32×32 tile: 2 tiles of 16 rows (first index) × 4 tiles of 8 columns
/// (second index). Separate fields, never indexed, so that they stay in registers.
/// </summary>
internal struct WarpTile<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public Acc4<T> T00, T01, T02, T03, T10, T11, T12, T13;
}

/// <summary>
/// acc += A[m .. m + 32, k .. k + 8] · B[k .. k + 8, n .. n + 32] for one lane of a warp, with both tiles in shared
/// memory stored k-major: A at a[kk·strideA + mm], B at b[kk·strideB + nn].
/// </summary>
internal interface IWarpProduct<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Whether every lane of every warp must execute the call together (a warp-wide instruction).</summary>
    static abstract bool NeedsWholeWarps { get; }

    static abstract WarpTile<T> MultiplyAdd(WarpTile<T> acc, ArrayView<T> a, int strideA, ArrayView<T> b, int strideB, int k, int m, int n, int lane);
}

/// <summary>TF32 tensor cores through inline PTX: eight m16n8k8 products per call. CUDA only.</summary>
internal struct Tf32TensorCores : IWarpProduct<float>
{
    public static bool NeedsWholeWarps => true;

    public static WarpTile<float> MultiplyAdd(WarpTile<float> acc, ArrayView<float> a, int strideA, ArrayView<float> b, int strideB, int k, int m, int n, int lane)
    {
        int g = lane >> 2, t = lane & 3;
        int at = (k + t) * strideA + m + g, at4 = at + 4 * strideA;
        // A fragments of the two 16-row tiles: (row g, col t), (g + 8, t), (g, t + 4), (g + 8, t + 4).
        uint a00 = Round(a[at]), a01 = Round(a[at + 8]), a02 = Round(a[at4]), a03 = Round(a[at4 + 8]);
        uint a10 = Round(a[at + 16]), a11 = Round(a[at + 24]), a12 = Round(a[at4 + 16]), a13 = Round(a[at4 + 24]);
        int bt = (k + t) * strideB + n + g, bt4 = bt + 4 * strideB;
        // B fragments of the four 8-column tiles: (row t, col g), (t + 4, g).
        uint b00 = Round(b[bt]), b01 = Round(b[bt4]);
        uint b10 = Round(b[bt + 8]), b11 = Round(b[bt4 + 8]);
        uint b20 = Round(b[bt + 16]), b21 = Round(b[bt4 + 16]);
        uint b30 = Round(b[bt + 24]), b31 = Round(b[bt4 + 24]);
        acc.T00 = Mma(acc.T00, a00, a01, a02, a03, b00, b01);
        acc.T01 = Mma(acc.T01, a00, a01, a02, a03, b10, b11);
        acc.T02 = Mma(acc.T02, a00, a01, a02, a03, b20, b21);
        acc.T03 = Mma(acc.T03, a00, a01, a02, a03, b30, b31);
        acc.T10 = Mma(acc.T10, a10, a11, a12, a13, b00, b01);
        acc.T11 = Mma(acc.T11, a10, a11, a12, a13, b10, b11);
        acc.T12 = Mma(acc.T12, a10, a11, a12, a13, b20, b21);
        acc.T13 = Mma(acc.T13, a10, a11, a12, a13, b30, b31);
        return acc;
    }

    /// <summary>x rounded to TF32 (to nearest, ties away from zero), as the bits of a .b32 register.</summary>
    private static uint Round(float x)
    {
        CudaAsm.Emit("cvt.rna.tf32.f32 %0, %1;", out uint r, x);
        return r;
    }

    /// <summary>D = A·B + C for one 16×8×8 tile: the lane's four accumulators, A fragment and B fragment.</summary>
    private static Acc4<float> Mma(Acc4<float> c, uint a0, uint a1, uint a2, uint a3, uint b0, uint b1)
    {
        Ref<float> d0 = c.C0, d1 = c.C1, d2 = c.C2, d3 = c.C3;
        Input<uint> x0 = a0, x1 = a1, x2 = a2, x3 = a3, y0 = b0, y1 = b1;
        CudaAsm.EmitRef("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};",
            ref d0, ref d1, ref d2, ref d3, ref x0, ref x1, ref x2, ref x3, ref y0, ref y1);
        return new Acc4<float> { C0 = d0.Value, C1 = d1.Value, C2 = d2.Value, C3 = d3.Value };
    }
}

/// <summary>
/// The TF32 product without tensor cores: each lane computes its own accumulators of the eight tiles from shared memory,
/// operands rounded as <c>cvt.rna.tf32.f32</c> does (<see cref="Tf32.Round"/>), products (exact in single precision:
/// two 11-bit significands) added in k order in single precision. It needs no other lane, so a thread may play the
/// lanes one after another (the CPU accelerator runs groups of two threads).
/// </summary>
internal struct Tf32Emulated : IWarpProduct<float>
{
    public static bool NeedsWholeWarps => false;

    public static WarpTile<float> MultiplyAdd(WarpTile<float> acc, ArrayView<float> a, int strideA, ArrayView<float> b, int strideB, int k, int m, int n, int lane)
    {
        int g = lane >> 2, t = lane & 3;
        int row = k * strideA + m + g, column = k * strideB + n + 2 * t;
        acc.T00 = Tile(acc.T00, a, strideA, b, strideB, row, column);
        acc.T01 = Tile(acc.T01, a, strideA, b, strideB, row, column + 8);
        acc.T02 = Tile(acc.T02, a, strideA, b, strideB, row, column + 16);
        acc.T03 = Tile(acc.T03, a, strideA, b, strideB, row, column + 24);
        acc.T10 = Tile(acc.T10, a, strideA, b, strideB, row + 16, column);
        acc.T11 = Tile(acc.T11, a, strideA, b, strideB, row + 16, column + 8);
        acc.T12 = Tile(acc.T12, a, strideA, b, strideB, row + 16, column + 16);
        acc.T13 = Tile(acc.T13, a, strideA, b, strideB, row + 16, column + 24);
        return acc;
    }

    /// <summary>One 16×8 tile: a[row + kk·strideA] is A[g][kk] of the tile (A[g + 8] is 8 further), b[column + kk·strideB] is B[kk][2t].</summary>
    private static Acc4<float> Tile(Acc4<float> c, ArrayView<float> a, int strideA, ArrayView<float> b, int strideB, int row, int column)
    {
        float c0 = c.C0, c1 = c.C1, c2 = c.C2, c3 = c.C3;
        for (int kk = 0; kk < 8; kk++)
        {
            float top = Tf32.Round(a[row + kk * strideA]), bottom = Tf32.Round(a[row + 8 + kk * strideA]);
            float left = Tf32.Round(b[column + kk * strideB]), right = Tf32.Round(b[column + 1 + kk * strideB]);
            c0 += top * left;
            c1 += top * right;
            c2 += bottom * left;
            c3 += bottom * right;
        }
        return new Acc4<float> { C0 = c0, C1 = c1, C2 = c2, C3 = c3 };
    }
}

/// <summary>The strict product in T (single or double precision): <see cref="Tf32Emulated"/>'s loops without rounding.</summary>
internal struct StrictProduct<T> : IWarpProduct<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static bool NeedsWholeWarps => false;

    public static WarpTile<T> MultiplyAdd(WarpTile<T> acc, ArrayView<T> a, int strideA, ArrayView<T> b, int strideB, int k, int m, int n, int lane)
    {
        int g = lane >> 2, t = lane & 3;
        int row = k * strideA + m + g, column = k * strideB + n + 2 * t;
        acc.T00 = Tile(acc.T00, a, strideA, b, strideB, row, column);
        acc.T01 = Tile(acc.T01, a, strideA, b, strideB, row, column + 8);
        acc.T02 = Tile(acc.T02, a, strideA, b, strideB, row, column + 16);
        acc.T03 = Tile(acc.T03, a, strideA, b, strideB, row, column + 24);
        acc.T10 = Tile(acc.T10, a, strideA, b, strideB, row + 16, column);
        acc.T11 = Tile(acc.T11, a, strideA, b, strideB, row + 16, column + 8);
        acc.T12 = Tile(acc.T12, a, strideA, b, strideB, row + 16, column + 16);
        acc.T13 = Tile(acc.T13, a, strideA, b, strideB, row + 16, column + 24);
        return acc;
    }

    private static Acc4<T> Tile(Acc4<T> c, ArrayView<T> a, int strideA, ArrayView<T> b, int strideB, int row, int column)
    {
        T c0 = c.C0, c1 = c.C1, c2 = c.C2, c3 = c.C3;
        for (int kk = 0; kk < 8; kk++)
        {
            T top = a[row + kk * strideA], bottom = a[row + 8 + kk * strideA];
            T left = b[column + kk * strideB], right = b[column + 1 + kk * strideB];
            c0 += top * left;
            c1 += top * right;
            c2 += bottom * left;
            c3 += bottom * right;
        }
        return new Acc4<T> { C0 = c0, C1 = c1, C2 = c2, C3 = c3 };
    }
}

/// <summary>TensorFloat-32 rounding, the same on the host, in kernels on the CPU accelerator and in PTX.</summary>
internal static class Tf32
{
    /// <summary>
    /// x rounded to TF32 as <c>cvt.rna.tf32.f32</c> rounds it: to nearest with ties away from zero, keeping 10 of the 23
    /// mantissa bits (sign and magnitude: adding half of the 13 dropped bits' unit to the magnitude and truncating rounds
    /// half away from zero; a carry into the exponent is the right result). Infinities and NaN pass unchanged.
    /// </summary>
    public static float Round(float x)
    {
        uint bits = Interop.FloatAsInt(x);
        if ((bits & 0x7F800000u) == 0x7F800000u) return x;
        return Interop.IntAsFloat((bits + 0x1000u) & 0xFFFFE000u);
    }
}
