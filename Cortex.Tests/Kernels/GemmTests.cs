using System.Collections.Concurrent;
using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Backends.Blas;
using Cortex.Core.Tensors;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Kernels;

public sealed class GemmTests
{
    /// <summary>(m, n, k): awkward sizes, each tried with beta 0, 1 and 0.5.</summary>
    private static readonly (int M, int N, int K)[] Small = [(1, 1, 1), (3, 7, 19), (19, 1, 7), (7, 33, 3), (33, 19, 1)];

    /// <summary>
    /// Sizes that cross the managed kernel's blocks (MC = 144 rows, KC = 256, NC = 1024 columns) and, on
    /// two threads, the split of C by columns (n ≥ m) and by rows; one beta each.
    /// </summary>
    private static readonly (int M, int N, int K)[] Large = [(150, 20, 260), (5, 1100, 3), (40, 140, 190), (260, 33, 125)];

    private static readonly (bool A, bool B)[] Transposes = [(false, false), (true, false), (false, true), (true, true)];

    private static IEnumerable<TestCaseData> ProviderCases()
    {
        foreach (var provider in new[] { "openblas", "managed" })
            foreach (var type in new[] { "float", "double" })
                foreach (var (ta, tb) in Transposes)
                    yield return new TestCaseData(provider, type, ta, tb)
                        .SetArgDisplayNames(provider, type, ta ? "At" : "A", tb ? "Bt" : "B");
    }

    [TestCaseSource(nameof(ProviderCases))]
    public void ProviderMatchesReference(string provider, string type, bool transA, bool transB)
    {
        var which = Provider(provider);
        double[] alphas = [1, -0.75, 2.5], betas = [0, 1, 0.5];
        var problems = new List<(Problem, int Threads)>();
        int run = 0;
        foreach (var (m, n, k) in Small)
            foreach (double beta in betas)
                problems.Add((new Problem(transA, transB, m, n, k, alphas[run % 3], beta, Pad: run % 3, Offset: 5 * (run % 2), Seed: run), 1 + run++ % 2));
        foreach (var (m, n, k) in Large)
            problems.Add((new Problem(transA, transB, m, n, k, alphas[run % 3], betas[run % 3], Pad: run % 3, Offset: 5 * (run % 2), Seed: run++), 2));
        foreach (var (p, threads) in problems)
        {
            string? error = type == "float" ? p.RunOnProvider<float>(which, threads) : p.RunOnProvider<double>(which, threads);
            if (error is not null) Assert.Fail($"{provider} {type}, {threads} threads: {error}");
        }
    }

    private static IEnumerable<TestCaseData> BatchCases()
    {
        foreach (var provider in new[] { "openblas", "managed" })
            foreach (var type in new[] { "float", "double" })
                yield return new TestCaseData(provider, type).SetArgDisplayNames(provider, type);
    }

    [TestCaseSource(nameof(BatchCases))]
    public void BatchedMatchesReference(string provider, string type)
    {
        var which = Provider(provider);
        int run = 0;
        // threads 2 with 3 products: parallel over the batch; threads 4: one product after another, each split.
        foreach (var (m, n, k, batch, threads) in new[] { (7, 5, 19, 3, 2), (7, 5, 19, 3, 4), (40, 140, 190, 2, 4), (1, 3, 1, 5, 2) })
            foreach (var (ta, tb) in Transposes)
            {
                var p = new Problem(ta, tb, m, n, k, 1.5, run % 2 == 0 ? 0 : 0.5, Pad: 1, Offset: 3, Seed: 100 + run, Batch: batch);
                string? error = type == "float" ? p.RunOnProvider<float>(which, threads) : p.RunOnProvider<double>(which, threads);
                if (error is not null) Assert.Fail($"{provider} {type}, batch {batch}, {threads} threads: {error}");
                run++;
            }
    }

    [TestCase("openblas")]
    [TestCase("managed")]
    public void ConcurrentSingleThreadCallsAreIndependent(string provider)
    {
        var which = Provider(provider);
        var errors = new ConcurrentBag<string>();
        // A top-level product split over threads runs while many one-thread products run from a Parallel.For,
        // as convolutions do.
        var big = new Problem(false, true, 200, 180, 90, 1, 0, Pad: 2, Offset: 1, Seed: 7);
        var topLevel = Task.Run(() => { if (big.RunOnProvider<float>(which, 2) is { } e) errors.Add("top level: " + e); });
        Parallel.For(0, 24, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            var p = new Problem(i % 2 == 1, i % 3 == 1, 20 + i, 30 - i, 40 + 3 * i, 0.5 + i, i % 2 == 0 ? 0 : 1, Pad: i % 3, Offset: i, Seed: 1000 + i);
            string? e = i % 4 == 0 ? p.RunOnProvider<double>(which, 1) : p.RunOnProvider<float>(which, 1);
            if (e is not null) errors.Add($"call {i}: {e}");
        });
        topLevel.Wait();
        Assert.That(errors, Is.Empty);
    }

    private static IEnumerable<TestCaseData> BackendCases()
    {
        foreach (var kind in TestBackends.All)
            foreach (var type in new[] { "float", "double" })
                yield return new TestCaseData(kind, type).SetArgDisplayNames(kind.ToString(), type);
    }

    [TestCaseSource(nameof(BackendCases))]
    public void BackendGemmOnSlicesMatchesReference(DeviceKind kind, string type)
    {
        int run = 0;
        foreach (var (m, n, k) in new[] { (1, 1, 1), (3, 7, 5), (7, 3, 2) })
            foreach (var (ta, tb) in Transposes)
            {
                var p = new Problem(ta, tb, m, n, k, run % 2 == 0 ? 1 : -1.5, new[] { 0, 1, 0.5 }[run % 3], Pad: 1 + run % 2, Offset: 2, Seed: 200 + run,
                    Batch: run % 2 == 0 ? 1 : 3);
                string? error = type == "float" ? p.RunOnBackend(TestBackends.Get<float>(kind)) : p.RunOnBackend(TestBackends.Get<double>(kind));
                if (error is not null) Assert.Fail($"{kind} {type}: {error}");
                run++;
            }
    }

    [Test]
    public void HandComputedProduct()
    {
        var cpu = TestBackends.Get<double>(DeviceKind.Cpu);
        // [1 2 3; 4 5 6] · [1 0; 0 1; 1 1] = [4 5; 10 11]; then 2·that + 0.5·[1 1; 1 1]
        using var a = Data.Tensor(cpu, new Shape(2, 3), [1, 2, 3, 4, 5, 6]);
        using var b = Data.Tensor(cpu, new Shape(3, 2), [1, 0, 0, 1, 1, 1]);
        using var c = Data.Tensor(cpu, new Shape(2, 2), [1, 1, 1, 1]);
        cpu.Gemm(false, false, 2, 2, 3, 2.0, a, 3, b, 2, 0.5, c, 2);
        Assert.That(Data.Read(c), Is.EqualTo(new[] { 8.5, 10.5, 20.5, 22.5 }));
    }

    [Test]
    public void ProviderIsNamed()
    {
        Assert.That(CpuBlas.Provider, Does.StartWith("OpenBLAS").Or.StartWith("managed SIMD"));
        Assert.That(TestBackends.Get<float>(DeviceKind.Cpu).Description, Does.Contain(CpuBlas.Provider));
    }

    [Test]
    public void ProviderChoiceFollowsTheEnvironmentVariable()
    {
        Assert.That(CpuBlas.Choose("managed").Item1, Is.EqualTo(BlasProvider.Managed));
        Assert.That(CpuBlas.Choose(" Managed ").Item2, Does.StartWith("managed SIMD").And.Contain("CORTEX_BLAS=managed"));
        if (CpuBlas.OpenBlasAvailable)
            Assert.That(CpuBlas.Choose(null).Item2, Does.StartWith("OpenBLAS 0."));
        var e = Assert.Throws<ArgumentException>(() => CpuBlas.Choose("mkl"));
        Assert.That(e!.Message, Does.Contain("CORTEX_BLAS=mkl").And.Contain("auto, openblas, managed"));
    }

    [Test]
    public void LeadingDimensionTooSmallNamesGemmAndSizes()
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        using var a = cpu.Allocate(new Shape(3, 5));
        using var b = cpu.Allocate(new Shape(5, 4));
        using var c = cpu.Allocate(new Shape(3, 4));
        var e = Assert.Throws<ArgumentException>(() => cpu.Gemm(false, false, 3, 4, 5, 1f, a, 4, b, 4, 0f, c, 4));
        Assert.That(e!.Message, Does.Contain("Gemm").And.Contain("m=3, n=4, k=5").And.Contain("lda=4"));
    }

    [Test]
    public void BufferTooSmallNamesGemmAndSizes()
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        using var a = cpu.Allocate(new Shape(3, 5));
        using var b = cpu.Allocate(new Shape(4, 4));
        using var c = cpu.Allocate(new Shape(3, 4));
        var e = Assert.Throws<ArgumentException>(() => cpu.Gemm(false, false, 3, 4, 5, 1f, a, 5, b, 4, 0f, c, 4));
        Assert.That(e!.Message, Does.Contain("Gemm").And.Contain("m=3, n=4, k=5").And.Contain("B (5×4").And.Contain("holds 16"));
        // The array-level entry point checks offsets too, since OpenBLAS does not.
        var e2 = Assert.Throws<ArgumentException>(() =>
            CpuBlas.Gemm(false, false, 3, 4, 5, 1f, new float[15], 1, 5, new float[20], 0, 4, 0f, new float[12], 0, 4, 1));
        Assert.That(e2!.Message, Does.Contain("Gemm").And.Contain("A (3×5").And.Contain("holds 14"));
    }

    [Test]
    public void OverlappingBatchOutputsAreRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => CpuBlas.GemmBatched(false, false, 2, 2, 2, 1f, new float[8], 0, 2, 4,
            new float[8], 0, 2, 4, 0f, new float[8], 0, 2, 0, 2, 1));
        Assert.That(e!.Message, Does.Contain("Gemm").And.Contain("batch=2").And.Contain("strideC=0"));
        // Rows of 3 in a row stride of 4, matrices 2 apart: matrix 1's first row covers matrix 0's columns 2..3.
        e = Assert.Throws<ArgumentException>(() => CpuBlas.GemmBatched(false, false, 2, 3, 1, 1f, new float[8], 0, 1, 1,
            new float[8], 0, 3, 3, 0f, new float[16], 0, 4, 2, 2, 1));
        Assert.That(e!.Message, Does.Contain("strideC=2").And.Contain("ldc=4").And.Contain("1 apart"));
        // Rows of 2 in a row stride of 3, matrices 2 apart: matrix 1's first row spills into matrix 0's second row.
        e = Assert.Throws<ArgumentException>(() => CpuBlas.GemmBatched(false, false, 3, 2, 1, 1f, new float[8], 0, 1, 1,
            new float[8], 0, 2, 2, 0f, new float[16], 0, 3, 2, 2, 1));
        Assert.That(e!.Message, Does.Contain("strideC=2").And.Contain("ldc=3"));
    }

    [TestCase("managed")]
    [TestCase("openblas")]
    public void InterleavedBatchOutputsAreAccepted(string provider)
    {
        // Three 2×2 products whose C matrices sit side by side in the rows of one 2×6 matrix (ldc = 6, strideC = 2):
        // their spans overlap but no element is shared. A_i = i·I + 1 (all ones plus i on the diagonal), B = [[1, 2], [3, 4]].
        float[] a = [1, 1, 1, 1, 2, 1, 1, 2, 3, 1, 1, 3];
        float[] b = [1, 2, 3, 4];
        var c = new float[12];
        CpuBlas.GemmBatched(Provider(provider), false, false, 2, 2, 2, 1f, a, 0, 2, 4, b, 0, 2, 0, 0f, c, 0, 6, 2, 3, 2);
        // A_0·B = [[4, 6], [4, 6]], A_1·B = [[5, 8], [7, 10]], A_2·B = [[6, 10], [10, 14]].
        Assert.That(c, Is.EqualTo(new float[] { 4, 6, 5, 8, 6, 10, 4, 6, 7, 10, 10, 14 }));
    }

    private static BlasProvider Provider(string name)
    {
        if (name == "managed") return BlasProvider.Managed;
        if (!CpuBlas.OpenBlasAvailable) Assert.Ignore("OpenBLAS is not installed (apt-get install libopenblas0-pthread)");
        return BlasProvider.OpenBlas;
    }

    /// <summary>
    /// One (batched) product on sub-matrices: every matrix has a row stride Pad larger than its width, starts
    /// Offset elements into its buffer, and batches are spaced by one padded matrix plus Pad. Elements outside
    /// the sub-matrices must stay untouched; beta = 0 starts C as NaN, which must be ignored.
    /// </summary>
    private sealed record Problem(bool TransA, bool TransB, int M, int N, int K, double Alpha, double Beta, int Pad, int Offset, int Seed, int Batch = 1)
    {
        int ARows => TransA ? K : M;
        int ACols => TransA ? M : K;
        int BRows => TransB ? N : K;
        int BCols => TransB ? K : N;
        int Lda => ACols + Pad;
        int Ldb => BCols + Pad + 1;
        int Ldc => N + Pad;
        int StrideA => ARows * Lda + Pad;
        int StrideB => BRows * Ldb + Pad;
        int StrideC => M * Ldc + Pad;
        int LengthA => Offset + Batch * StrideA;
        int LengthB => Offset + Batch * StrideB;
        int LengthC => Offset + Batch * StrideC;

        double[] A => Data.Random(LengthA, Seed);
        double[] B => Data.Random(LengthB, Seed + 7919);
        double[] C => Beta == 0 ? Enumerable.Repeat(double.NaN, LengthC).ToArray() : Data.Random(LengthC, Seed + 104729);

        public string? RunOnProvider<T>(BlasProvider provider, int threads) where T : unmanaged, IFloatingPointIeee754<T>
        {
            T[] a = Data.Cast<T>(A), b = Data.Cast<T>(B), c = Data.Cast<T>(C);
            if (Batch == 1)
                CpuBlas.Gemm(provider, TransA, TransB, M, N, K, T.CreateChecked(Alpha), a, Offset, Lda, b, Offset, Ldb,
                    T.CreateChecked(Beta), c, Offset, Ldc, threads);
            else
                CpuBlas.GemmBatched(provider, TransA, TransB, M, N, K, T.CreateChecked(Alpha), a, Offset, Lda, StrideA, b, Offset, Ldb, StrideB,
                    T.CreateChecked(Beta), c, Offset, Ldc, StrideC, Batch, threads);
            return Compare<T>(Data.ToDouble(c));
        }

        /// <summary>The same product through IBackend on tensor slices that start Offset elements in.</summary>
        public string? RunOnBackend<T>(IBackend<T> backend) where T : unmanaged, IFloatingPointIeee754<T>
        {
            using var a = Data.Tensor(backend, new Shape(LengthA), A);
            using var b = Data.Tensor(backend, new Shape(LengthB), B);
            using var c = Data.Tensor(backend, new Shape(LengthC), C);
            var (sa, sb, sc) = (a.Slice(Offset, new Shape(LengthA - Offset)), b.Slice(Offset, new Shape(LengthB - Offset)), c.Slice(Offset, new Shape(LengthC - Offset)));
            if (Batch == 1)
                backend.Gemm(TransA, TransB, M, N, K, T.CreateChecked(Alpha), sa, Lda, sb, Ldb, T.CreateChecked(Beta), sc, Ldc);
            else
                backend.GemmBatched(TransA, TransB, M, N, K, T.CreateChecked(Alpha), sa, Lda, StrideA, sb, Ldb, StrideB,
                    T.CreateChecked(Beta), sc, Ldc, StrideC, Batch);
            return Compare<T>(Data.Read(c));
        }

        /// <summary>Null when every element matches the double-precision reference within a rounding bound, else what differs.</summary>
        private string? Compare<T>(double[] actual) where T : unmanaged, IFloatingPointIeee754<T>
        {
            // The reference starts from the inputs as the product saw them (rounded to T).
            double[] a = Round<T>(A), b = Round<T>(B), expected = Round<T>(C), scale = new double[LengthC];
            int lda = Lda, ldb = Ldb, ldc = Ldc, aStep = TransA ? lda : 1, bStep = TransB ? 1 : ldb;
            for (int q = 0; q < Batch; q++)
                for (int i = 0; i < M; i++)
                    for (int j = 0; j < N; j++)
                    {
                        double sum = 0, magnitude = 0;
                        int aAt = Offset + q * StrideA + (TransA ? i : i * lda), bAt = Offset + q * StrideB + (TransB ? j * ldb : j);
                        for (int p = 0; p < K; p++, aAt += aStep, bAt += bStep)
                        {
                            double xy = a[aAt] * b[bAt];
                            sum += xy;
                            magnitude += Math.Abs(xy);
                        }
                        int at = Offset + q * StrideC + i * ldc + j;
                        double before = Beta == 0 ? 0 : Beta * expected[at];
                        expected[at] = Alpha * sum + before;
                        scale[at] = Math.Abs(Alpha) * magnitude + Math.Abs(before);
                    }
            double eps = typeof(T) == typeof(float) ? 1.2e-7 : 2.3e-16;
            for (int at = 0; at < LengthC; at++)
            {
                bool ok = double.IsNaN(expected[at]) ? double.IsNaN(actual[at])
                    : Math.Abs(actual[at] - expected[at]) <= 4 * eps * (K + 2) * scale[at] + 1e-300;
                if (!ok)
                    return $"{this}: C[{at}] is {actual[at]:G10}, expected {expected[at]:G10}";
            }
            return null;
        }

        private static double[] Round<T>(double[] values) where T : unmanaged, IFloatingPointIeee754<T> => Data.ToDouble(Data.Cast<T>(values));
    }
}
