using System.Numerics;

namespace Cortex.Core.Kernels;

/// <summary>
/// Conversions between int and a generic T that compile inside ILGPU kernels. ILGPU cannot compile
/// <c>T.CreateTruncating</c> (its generic dispatch tests System.Type), so these use only T's arithmetic and
/// comparisons; they give the same results as the built-in conversions, on the host and in kernels.
/// </summary>
internal static class KernelMath
{
    /// <summary>n as a T (exact while n fits T's significand: 2^24 for float), by binary doubling.</summary>
    public static T FromInt<T>(int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool negative = n < 0;
        long m = negative ? -(long)n : n;
        int top = 0;
        while ((m >> top) > 1) top++;
        T r = T.Zero;
        for (int bit = top; bit >= 0; bit--)
        {
            r += r;
            if (((m >> bit) & 1) != 0) r += T.One;
        }
        return negative ? -r : r;
    }

    /// <summary>
    /// floor(v) as an int, given an integer estimate within a few units of it (kernels can usually compute
    /// one exactly in integers): the estimate is corrected by comparisons in T.
    /// </summary>
    public static int Floor<T>(T v, int estimate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int e = estimate;
        T te = FromInt<T>(e);
        while (te > v) { e--; te -= T.One; }
        while (te + T.One <= v) { e++; te += T.One; }
        return e;
    }
}
