using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using Cortex.Core.Backends;

namespace Cortex.Experiments.Benchmarks;

/// <summary>
/// The CPU's vector FMA peak: the physical limit every CPU figure is compared with. Each thread runs <see cref="Chains"/>
/// independent chains a ← a·m + c of the widest vector fused multiply–add the CPU has (AVX-512 on Vector512&lt;float&gt;,
/// else FMA3 on Vector256, else AdvSimd on Vector128, else Vector&lt;float&gt; multiply and add), enough chains to
/// cover the FMA latency times the number of FMA pipes, so nothing but the pipes bounds the loop; every thread of the
/// backend (the caller and its own workers, the same threads the kernels use) runs it at once. Counted as 2 FLOPs per
/// lane per multiply–add. The chains converge to c / (1 − m) = 1, so no value ever becomes denormal.
/// </summary>
public static class FmaPeak
{
    /// <summary>Independent accumulator chains per thread: Zen 5 has two 512-bit FMA pipes of latency 4, so 8 keep them busy; 12 leave a margin.</summary>
    public const int Chains = 12;

    /// <summary>Rounds per burst: each round is two multiply–adds on every chain (about 0.9 ms on one Zen 5 core: 50 MFLOP at 64 FLOP per
    /// cycle and 3.5 GHz), long enough that handing a burst to the workers costs well under 1% of it.</summary>
    public const int RoundsPerBurst = 1 << 18;

    /// <summary>The vector width the loop runs at, in floats.</summary>
    public static int Lanes =>
        Avx512F.IsSupported ? Vector512<float>.Count : Fma.IsSupported ? Vector256<float>.Count : AdvSimd.IsSupported ? Vector128<float>.Count : Vector<float>.Count;

    /// <summary>What the loop runs, in words.</summary>
    public static string Instruction =>
        Avx512F.IsSupported ? "AVX-512 FMA on Vector512<float>"
        : Fma.IsSupported ? "FMA3 on Vector256<float>"
        : AdvSimd.IsSupported ? "AdvSimd FMA on Vector128<float>"
        : $"Vector<float> multiply and add ({Vector<float>.Count} lanes)";

    /// <summary>FLOPs of one burst on one thread.</summary>
    public static double FlopsPerBurst => 2.0 * 2 * Chains * Lanes * RoundsPerBurst;

    /// <summary>
    /// GFLOP/s of bursts run back to back on every thread of <paramref name="cpu"/> at once for at least
    /// <paramref name="milliseconds"/> (after one burst to wake the workers): the FMA rate sustained over a window as long as
    /// the work it is compared with, as <see cref="ConvBenchmark.SgemmWindow"/> measures sgemm.
    /// </summary>
    public static double Window(CpuBackend<float> cpu, double milliseconds)
    {
        var sink = new float[cpu.Threads];
        cpu.For(cpu.Threads, i => sink[i] += Burst(RoundsPerBurst));
        int bursts = 0;
        var clock = Stopwatch.StartNew();
        do
        {
            cpu.For(cpu.Threads, i => sink[i] += Burst(RoundsPerBurst));
            bursts++;
        } while (clock.Elapsed.TotalMilliseconds < milliseconds);
        double seconds = clock.Elapsed.TotalSeconds;
        GC.KeepAlive(sink);
        return FlopsPerBurst * cpu.Threads * bursts / seconds / 1e9;
    }

    /// <summary>GFLOP/s of <see cref="Chains"/> scalar multiply–add chains on the calling thread alone, for at least <paramref name="milliseconds"/>: the floor the vector peak must clear.</summary>
    public static double ScalarWindow(double milliseconds)
    {
        float sink = 0;
        int bursts = 0;
        var clock = Stopwatch.StartNew();
        do
        {
            sink += ScalarChains(RoundsPerBurst);
            bursts++;
        } while (clock.Elapsed.TotalMilliseconds < milliseconds);
        double seconds = clock.Elapsed.TotalSeconds;
        GC.KeepAlive(sink);
        return 2.0 * 2 * Chains * RoundsPerBurst * bursts / seconds / 1e9;
    }

    /// <summary>One burst of <paramref name="rounds"/> rounds on this thread, at the widest width available; returns the chains' sum (so nothing is optimised away).</summary>
    public static float Burst(int rounds) =>
        Avx512F.IsSupported ? Avx512Chains(rounds) : Fma.IsSupported ? Fma256Chains(rounds) : AdvSimd.IsSupported ? AdvSimdChains(rounds) : VectorChains(rounds);

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static float Avx512Chains(int rounds)
    {
        var m = Vector512.Create(0.5f);
        var c = Vector512.Create(0.5f);
        Vector512<float> a0 = Vector512.Create(0.10f), a1 = Vector512.Create(0.11f), a2 = Vector512.Create(0.12f), a3 = Vector512.Create(0.13f);
        Vector512<float> a4 = Vector512.Create(0.14f), a5 = Vector512.Create(0.15f), a6 = Vector512.Create(0.16f), a7 = Vector512.Create(0.17f);
        Vector512<float> a8 = Vector512.Create(0.18f), a9 = Vector512.Create(0.19f), a10 = Vector512.Create(0.20f), a11 = Vector512.Create(0.21f);
        for (int i = 0; i < rounds; i++)
        {
            a0 = Avx512F.FusedMultiplyAdd(a0, m, c); a1 = Avx512F.FusedMultiplyAdd(a1, m, c); a2 = Avx512F.FusedMultiplyAdd(a2, m, c);
            a3 = Avx512F.FusedMultiplyAdd(a3, m, c); a4 = Avx512F.FusedMultiplyAdd(a4, m, c); a5 = Avx512F.FusedMultiplyAdd(a5, m, c);
            a6 = Avx512F.FusedMultiplyAdd(a6, m, c); a7 = Avx512F.FusedMultiplyAdd(a7, m, c); a8 = Avx512F.FusedMultiplyAdd(a8, m, c);
            a9 = Avx512F.FusedMultiplyAdd(a9, m, c); a10 = Avx512F.FusedMultiplyAdd(a10, m, c); a11 = Avx512F.FusedMultiplyAdd(a11, m, c);
            a0 = Avx512F.FusedMultiplyAdd(a0, m, c); a1 = Avx512F.FusedMultiplyAdd(a1, m, c); a2 = Avx512F.FusedMultiplyAdd(a2, m, c);
            a3 = Avx512F.FusedMultiplyAdd(a3, m, c); a4 = Avx512F.FusedMultiplyAdd(a4, m, c); a5 = Avx512F.FusedMultiplyAdd(a5, m, c);
            a6 = Avx512F.FusedMultiplyAdd(a6, m, c); a7 = Avx512F.FusedMultiplyAdd(a7, m, c); a8 = Avx512F.FusedMultiplyAdd(a8, m, c);
            a9 = Avx512F.FusedMultiplyAdd(a9, m, c); a10 = Avx512F.FusedMultiplyAdd(a10, m, c); a11 = Avx512F.FusedMultiplyAdd(a11, m, c);
        }
        return Vector512.Sum(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11)));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static float Fma256Chains(int rounds)
    {
        var m = Vector256.Create(0.5f);
        var c = Vector256.Create(0.5f);
        Vector256<float> a0 = Vector256.Create(0.10f), a1 = Vector256.Create(0.11f), a2 = Vector256.Create(0.12f), a3 = Vector256.Create(0.13f);
        Vector256<float> a4 = Vector256.Create(0.14f), a5 = Vector256.Create(0.15f), a6 = Vector256.Create(0.16f), a7 = Vector256.Create(0.17f);
        Vector256<float> a8 = Vector256.Create(0.18f), a9 = Vector256.Create(0.19f), a10 = Vector256.Create(0.20f), a11 = Vector256.Create(0.21f);
        for (int i = 0; i < rounds; i++)
        {
            a0 = Fma.MultiplyAdd(a0, m, c); a1 = Fma.MultiplyAdd(a1, m, c); a2 = Fma.MultiplyAdd(a2, m, c);
            a3 = Fma.MultiplyAdd(a3, m, c); a4 = Fma.MultiplyAdd(a4, m, c); a5 = Fma.MultiplyAdd(a5, m, c);
            a6 = Fma.MultiplyAdd(a6, m, c); a7 = Fma.MultiplyAdd(a7, m, c); a8 = Fma.MultiplyAdd(a8, m, c);
            a9 = Fma.MultiplyAdd(a9, m, c); a10 = Fma.MultiplyAdd(a10, m, c); a11 = Fma.MultiplyAdd(a11, m, c);
            a0 = Fma.MultiplyAdd(a0, m, c); a1 = Fma.MultiplyAdd(a1, m, c); a2 = Fma.MultiplyAdd(a2, m, c);
            a3 = Fma.MultiplyAdd(a3, m, c); a4 = Fma.MultiplyAdd(a4, m, c); a5 = Fma.MultiplyAdd(a5, m, c);
            a6 = Fma.MultiplyAdd(a6, m, c); a7 = Fma.MultiplyAdd(a7, m, c); a8 = Fma.MultiplyAdd(a8, m, c);
            a9 = Fma.MultiplyAdd(a9, m, c); a10 = Fma.MultiplyAdd(a10, m, c); a11 = Fma.MultiplyAdd(a11, m, c);
        }
        return Vector256.Sum(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11)));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static float AdvSimdChains(int rounds)
    {
        var m = Vector128.Create(0.5f);
        var c = Vector128.Create(0.5f);
        Vector128<float> a0 = Vector128.Create(0.10f), a1 = Vector128.Create(0.11f), a2 = Vector128.Create(0.12f), a3 = Vector128.Create(0.13f);
        Vector128<float> a4 = Vector128.Create(0.14f), a5 = Vector128.Create(0.15f), a6 = Vector128.Create(0.16f), a7 = Vector128.Create(0.17f);
        Vector128<float> a8 = Vector128.Create(0.18f), a9 = Vector128.Create(0.19f), a10 = Vector128.Create(0.20f), a11 = Vector128.Create(0.21f);
        for (int i = 0; i < rounds; i++)
        {
            for (int twice = 0; twice < 2; twice++)
            {
                a0 = AdvSimd.FusedMultiplyAdd(c, a0, m); a1 = AdvSimd.FusedMultiplyAdd(c, a1, m); a2 = AdvSimd.FusedMultiplyAdd(c, a2, m);
                a3 = AdvSimd.FusedMultiplyAdd(c, a3, m); a4 = AdvSimd.FusedMultiplyAdd(c, a4, m); a5 = AdvSimd.FusedMultiplyAdd(c, a5, m);
                a6 = AdvSimd.FusedMultiplyAdd(c, a6, m); a7 = AdvSimd.FusedMultiplyAdd(c, a7, m); a8 = AdvSimd.FusedMultiplyAdd(c, a8, m);
                a9 = AdvSimd.FusedMultiplyAdd(c, a9, m); a10 = AdvSimd.FusedMultiplyAdd(c, a10, m); a11 = AdvSimd.FusedMultiplyAdd(c, a11, m);
            }
        }
        return Vector128.Sum(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11)));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static float VectorChains(int rounds)
    {
        var m = new Vector<float>(0.5f);
        var c = new Vector<float>(0.5f);
        Vector<float> a0 = new(0.10f), a1 = new(0.11f), a2 = new(0.12f), a3 = new(0.13f), a4 = new(0.14f), a5 = new(0.15f);
        Vector<float> a6 = new(0.16f), a7 = new(0.17f), a8 = new(0.18f), a9 = new(0.19f), a10 = new(0.20f), a11 = new(0.21f);
        for (int i = 0; i < rounds; i++)
        {
            for (int twice = 0; twice < 2; twice++)
            {
                a0 = a0 * m + c; a1 = a1 * m + c; a2 = a2 * m + c; a3 = a3 * m + c; a4 = a4 * m + c; a5 = a5 * m + c;
                a6 = a6 * m + c; a7 = a7 * m + c; a8 = a8 * m + c; a9 = a9 * m + c; a10 = a10 * m + c; a11 = a11 * m + c;
            }
        }
        return Vector.Sum(((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11)));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static float ScalarChains(int rounds)
    {
        float a0 = 0.10f, a1 = 0.11f, a2 = 0.12f, a3 = 0.13f, a4 = 0.14f, a5 = 0.15f, a6 = 0.16f, a7 = 0.17f, a8 = 0.18f, a9 = 0.19f, a10 = 0.20f, a11 = 0.21f;
        for (int i = 0; i < rounds; i++)
        {
            for (int twice = 0; twice < 2; twice++)
            {
                a0 = a0 * 0.5f + 0.5f; a1 = a1 * 0.5f + 0.5f; a2 = a2 * 0.5f + 0.5f; a3 = a3 * 0.5f + 0.5f; a4 = a4 * 0.5f + 0.5f; a5 = a5 * 0.5f + 0.5f;
                a6 = a6 * 0.5f + 0.5f; a7 = a7 * 0.5f + 0.5f; a8 = a8 * 0.5f + 0.5f; a9 = a9 * 0.5f + 0.5f; a10 = a10 * 0.5f + 0.5f; a11 = a11 * 0.5f + 0.5f;
            }
        }
        return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11));
    }
}
