using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Checking;
using Cortex.Core.Kernels;
using Cortex.Core.Tensors;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Kernels;

/// <summary>Batch norm followed by a nonlinearity (fused on the GPU), and the wide GPU sums batch norm and Reduce share.</summary>
public sealed class BatchNormActivatedTests
{
    private static IEnumerable<TestCaseData> GradientCases()
    {
        int[][] shapes = [[3, 2, 1, 7], [5, 3]];
        foreach (var kind in TestBackends.All)
            foreach (var dims in shapes)
                yield return new TestCaseData(kind, dims).SetArgDisplayNames(kind.ToString(), new Shape(dims).ToString());
    }

    private static IEnumerable<TestCaseData> AgreementCases()
    {
        // [2, 3, 24, 24]: 1,152 values per channel, so the partial sums are folded before they are added.
        foreach (var kind in TestBackends.Ilgpu)
            foreach (var dims in new[] { new[] { 3, 4, 5, 7 }, new[] { 2, 3, 24, 24 }, new[] { 7, 3 } })
                yield return new TestCaseData(kind, dims).SetArgDisplayNames(kind.ToString(), new Shape(dims).ToString());
    }

    /// <summary>Forward (normalised, activated, μ, σ⁻¹, running statistics) then backward (dx accumulated, dγ, dβ) of relu ∘ BN.</summary>
    private static double[][] Run<T>(IBackend<T> b, Shape shape, double[][] v, double[] dActivated, double[] prior, bool fused)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Run<T, Relu<T>>(b, shape, v, dActivated, prior, fused, accumulate: true);

    /// <summary>As <see cref="Run{T}"/> for f ∘ BN, dx overwritten or added to the prior values.</summary>
    private static double[][] Run<T, TAct>(IBackend<T> b, Shape shape, double[][] v, double[] dActivated, double[] prior, bool fused,
        bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T> where TAct : struct, IActivation<T>
    {
        var cs = new Shape(shape[1]);
        using var x = Data.Tensor(b, shape, v[0]);
        using var gamma = Data.Tensor(b, cs, v[1]);
        using var beta = Data.Tensor(b, cs, v[2]);
        using var n = b.Allocate(shape);
        using var a = b.Allocate(shape);
        using var mean = b.Allocate(cs);
        using var invStd = b.Allocate(cs);
        using var runningMean = b.Allocate(cs);
        using var runningVar = Data.Tensor(b, cs, Enumerable.Repeat(1.0, shape[1]).ToArray());
        using var da = Data.Tensor(b, shape, dActivated);
        using var scratch = b.Allocate(shape);
        using var dx = Data.Tensor(b, shape, prior);
        using var dgamma = b.Allocate(cs);
        using var dbeta = b.Allocate(cs);
        T momentum = T.CreateTruncating(0.1), epsilon = T.CreateTruncating(1e-5);
        if (fused)
        {
            BatchNorm.ForwardTraining<T, TAct>(x, gamma, beta, n, a, mean, invStd, runningMean, runningVar, momentum, epsilon);
            BatchNorm.Backward<T, TAct>(x, gamma, mean, invStd, n, a, da, scratch, dx, dgamma, dbeta, accumulate);
        }
        else
        {
            // Batch norm alone (the fused kernels with f the identity), then f and its backward as separate passes.
            using var copy = b.Allocate(shape);
            using var dn = b.Allocate(shape);
            BatchNorm.ForwardTraining<T, Identity<T>>(x, gamma, beta, n, copy, mean, invStd, runningMean, runningVar, momentum, epsilon);
            Activation.Forward<T, TAct>(n, a);
            Activation.Backward<T, TAct>(n, a, da, dn);
            BatchNorm.Backward<T, Identity<T>>(x, gamma, mean, invStd, n, copy, dn, scratch, dx, dgamma, dbeta, accumulate);
        }
        return [Data.Read(n), Data.Read(a), Data.Read(mean), Data.Read(invStd), Data.Read(runningMean), Data.Read(runningVar),
            Data.Read(dx), Data.Read(dgamma), Data.Read(dbeta)];
    }

    private static readonly string[] Names = ["normalised", "activated", "mean", "invStd", "runningMean", "runningVar", "dx", "dgamma", "dbeta"];

    [Test]
    public void HandComputedReluOfANormalisedChannel()
    {
        // x = 1, 2, 3, 4: x̂ = (x − 2.5)/√1.25; γ = 1, β = 0; relu keeps the upper two. da = 1 everywhere:
        // dn = 0, 0, 1, 1; Σ dn = 2, Σ dn·x̂ = (0.5 + 1.5)/√1.25; dx = σ⁻¹(dn − mean(dn) − x̂·mean(dn·x̂)).
        var b = TestBackends.Get<double>(DeviceKind.Cpu);
        var got = Run(b, new Shape(2, 1, 1, 2), [[1, 2, 3, 4], [1], [0]], [1, 1, 1, 1], [0, 0, 0, 0], fused: true);
        double r = 1 / Math.Sqrt(1.25 + 1e-5);
        double[] xhat = [-1.5 * r, -0.5 * r, 0.5 * r, 1.5 * r], dn = [0, 0, 1, 1];
        double m1 = 0.5, m2 = (0.5 + 1.5) * r / 4;
        Data.AssertClose(got[1], xhat.Select(v => Math.Max(v, 0)).ToArray(), 1e-12, "activated");
        Data.AssertClose(got[6], xhat.Select((v, i) => r * (dn[i] - m1 - v * m2)).ToArray(), 1e-9, "dx");
        Data.AssertClose(got[8], [2], 1e-12, "dbeta");
    }

    [TestCaseSource(nameof(GradientCases))]
    public void GradientsMatchFiniteDifferences(DeviceKind kind, int[] dims)
    {
        var b = TestBackends.Get<double>(kind);
        var shape = new Shape(dims);
        int c = dims[1];
        double[][] inputs = [Data.Random(shape.Size, 3, -2, 2), Data.Random(c, 4, 0.5, 1.5), Data.Random(c, 5, 0.2, 0.6)];
        var zero = new double[shape.Size];
        GradientCheck.Assert("batch norm + relu", inputs,
            v => Run(b, shape, v, zero, zero, fused: true)[1],
            (v, g) =>
            {
                var r = Run(b, shape, v, g, zero, fused: true);
                return [r[6], r[7], r[8]];
            });
    }

    [TestCaseSource(nameof(AgreementCases))]
    public void FloatAgreesWithCpuPathAndWithTheUnfusedKernels(DeviceKind kind, int[] dims)
    {
        var gpu = TestBackends.Get<float>(kind);
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        var shape = new Shape(dims);
        int c = dims[1];
        double[][] v = [Data.Random(shape.Size, 5, -1, 3), Data.Random(c, 8, -2, 2), Data.Random(c, 9)];
        double[] da = Data.Random(shape.Size, 6), prior = Data.Random(shape.Size, 7);
        var want = Run(cpu, shape, v, da, prior, fused: false);
        var fusedGpu = Run(gpu, shape, v, da, prior, fused: true);
        var plainGpu = Run(gpu, shape, v, da, prior, fused: false);
        var fusedCpu = Run(cpu, shape, v, da, prior, fused: true);
        for (int i = 0; i < Names.Length; i++)
        {
            Data.AssertClose(fusedGpu[i], want[i], TestBackends.AgreementTolerance<float>(), "fused on " + Names[i]);
            Data.AssertClose(plainGpu[i], want[i], TestBackends.AgreementTolerance<float>(), "unfused on " + Names[i]);
            Assert.That(fusedCpu[i], Is.EqualTo(want[i]), "the fused CPU passes add in the same order: " + Names[i]);
        }
    }

    private static readonly string[] Activations = ["relu", "tanh", "sigmoid", "softplus", "identity"];

    private static double[][] Run<T>(string activation, IBackend<T> b, Shape shape, double[][] v, double[] da, double[] prior, bool fused,
        bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
        => activation switch
        {
            "relu" => Run<T, Relu<T>>(b, shape, v, da, prior, fused, accumulate),
            "tanh" => Run<T, Tanh<T>>(b, shape, v, da, prior, fused, accumulate),
            "sigmoid" => Run<T, Sigmoid<T>>(b, shape, v, da, prior, fused, accumulate),
            "softplus" => Run<T, Softplus<T>>(b, shape, v, da, prior, fused, accumulate),
            _ => Run<T, Identity<T>>(b, shape, v, da, prior, fused, accumulate),
        };

    private static IEnumerable<TestCaseData> CpuFusionCases()
    {
        // S = 7·5 (vector loops and a scalar tail), rows [B, N], and 33,135 values: past the serial threshold, so split in channel blocks.
        foreach (var dims in new[] { new[] { 3, 5, 7, 5 }, new[] { 3, 5 }, new[] { 3, 5, 47, 47 } })
            foreach (var activation in Activations)
                foreach (bool accumulate in new[] { false, true })
                    yield return new TestCaseData(activation, dims, accumulate)
                        .SetArgDisplayNames(activation, new Shape(dims).ToString(), accumulate ? "dx +=" : "dx =");
    }

    [TestCaseSource(nameof(CpuFusionCases))]
    public void CpuFusedPassesMatchBatchNormThenActivation(string activation, int[] dims, bool accumulate)
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        var shape = new Shape(dims);
        int c = dims[1];
        double[][] v = [Data.Random(shape.Size, 21, -1, 3), Data.Random(c, 22, -2, 2), Data.Random(c, 23)];
        double[] da = Data.Random(shape.Size, 24), prior = Data.Random(shape.Size, 25);
        var want = Run(activation, cpu, shape, v, da, prior, fused: false, accumulate);
        var got = Run(activation, cpu, shape, v, da, prior, fused: true, accumulate);
        // The same sums in the same order: identical results, except that TensorPrimitives' tanh and sigmoid pick their vector
        // width from the span's length (a plane or a row here, a thread's share of the tensor there), which may move an ulp.
        for (int i = 0; i < Names.Length; i++)
            if (activation is "tanh" or "sigmoid") Data.AssertClose(got[i], want[i], 1e-6, $"{activation} {Names[i]}");
            else Assert.That(got[i], Is.EqualTo(want[i]), $"{activation} {Names[i]}");
    }

    [Test]
    public void CpuFusedPassesDoNotDependOnTheThreadCount()
    {
        var shape = new Shape(3, 5, 47, 47);
        double[][] v = [Data.Random(shape.Size, 31, -1, 3), Data.Random(5, 32, -2, 2), Data.Random(5, 33)];
        double[] da = Data.Random(shape.Size, 34), prior = Data.Random(shape.Size, 35);
        foreach (var activation in new[] { "relu", "softplus" })
        {
            var one = Run(activation, new CpuBackend<float>(threads: 1), shape, v, da, prior, fused: true, accumulate: true);
            var three = Run(activation, new CpuBackend<float>(threads: 3), shape, v, da, prior, fused: true, accumulate: true);
            for (int i = 0; i < Names.Length; i++)
                Assert.That(three[i], Is.EqualTo(one[i]), $"{activation} {Names[i]}");
        }
    }

    private static IEnumerable<TestCaseData> ReduceCases()
    {
        // (outer, channels, inner): one long channel (folded partial sums), inner > and < the threads per channel.
        int[][] layouts = [[1, 1, 2000], [3, 2, 401], [1500, 3, 1], [40, 2, 33]];
        foreach (var kind in TestBackends.Ilgpu)
            foreach (var l in layouts)
                yield return new TestCaseData(kind, l).SetArgDisplayNames(kind.ToString(), string.Join("x", l));
    }

    [TestCaseSource(nameof(ReduceCases))]
    public void WideGpuSumsAgreeWithTheCpu(DeviceKind kind, int[] layout)
    {
        int outer = layout[0], channels = layout[1], inner = layout[2];
        var values = Data.Random(outer * channels * inner, 12, -1, 2);
        double[][] On(IBackend<double> b)
        {
            using var x = Data.Tensor(b, new Shape(values.Length), values);
            using var sums = Data.Tensor(b, new Shape(channels), Enumerable.Repeat(0.5, channels).ToArray());
            using var squares = Data.Tensor(b, new Shape(1), [0.25]);
            Reduce.SumOverAxes(x, outer, channels, inner, sums, accumulate: true);
            Reduce.SumOfSquares(x, squares, accumulate: true);
            return [Data.Read(sums), Data.Read(squares)];
        }
        var got = On(TestBackends.Get<double>(kind));
        var want = On(TestBackends.Get<double>(DeviceKind.Cpu));
        var direct = Enumerable.Range(0, channels).Select(c =>
            0.5 + Enumerable.Range(0, outer).Sum(o => Enumerable.Range(0, inner).Sum(i => values[(o * channels + c) * inner + i]))).ToArray();
        Data.AssertClose(got[0], direct, 1e-10, "sum over axes");
        Data.AssertClose(got[0], want[0], 1e-10, "sum over axes, CPU");
        Data.AssertClose(got[1], [0.25 + values.Sum(v => v * v)], 1e-10, "sum of squares");
    }

    [TestCaseSource(nameof(ReduceCases))]
    public void WideGpuLeakGradientsAgreeWithTheCpu(DeviceKind kind, int[] layout)
    {
        // ∂L/∂α of a leaky integration, one per channel and one for the whole tensor: the same wide sums.
        var shape = new Shape(layout[0], layout[1], layout[2], 1);
        double[] hPrev = Data.Random(shape.Size, 13), x = Data.Random(shape.Size, 14), dh = Data.Random(shape.Size, 15);
        double[] alpha = Data.Random(layout[1], 16, 0.2, 0.8);
        double[][] On(IBackend<double> b)
        {
            using var hp = Data.Tensor(b, shape, hPrev);
            using var xs = Data.Tensor(b, shape, x);
            using var d = Data.Tensor(b, shape, dh);
            using var dhp = b.Allocate(shape);
            using var dx = b.Allocate(shape);
            using var a = Data.Tensor(b, new Shape(layout[1]), alpha);
            using var da = Data.Tensor(b, new Shape(layout[1]), Enumerable.Repeat(1.0, layout[1]).ToArray());
            using var scalar = Data.Tensor(b, new Shape(1), [2.0]);
            ChannelLeakyIntegration.Backward(hp, xs, d, dhp, dx, a, da);
            LeakyIntegration.Backward(hp, xs, d, null, null, 0.5, scalar, accumulate: true);
            return [Data.Read(da), Data.Read(scalar), Data.Read(dx)];
        }
        var got = On(TestBackends.Get<double>(kind));
        var want = On(TestBackends.Get<double>(DeviceKind.Cpu));
        Data.AssertClose(got[0], want[0], 1e-10, "per-channel dα");
        Data.AssertClose(got[1], want[1], 1e-10, "scalar dα");
        Data.AssertClose(got[2], want[2], 1e-12, "dx");
        Data.AssertClose(got[1], [2 + Enumerable.Range(0, dh.Length).Sum(i => dh[i] * (x[i] - hPrev[i]))], 1e-10, "scalar dα by hand");
    }

    private static IEnumerable<TestCaseData> Backends() => TestBackends.All.Select(k => new TestCaseData(k).SetArgDisplayNames(k.ToString()));

    [TestCaseSource(nameof(Backends))]
    public void LeakBackwardAddsToThePreviousStateAndWritesTheInput(DeviceKind kind)
    {
        // α = 0.25: dhPrev += 0.75·dh, dx = 0.25·dh (its prior values are overwritten), in one call.
        var b = TestBackends.Get<double>(kind);
        var shape = new Shape(1, 3);
        using var hPrev = Data.Tensor(b, shape, [1.0, 2, 3]);
        using var x = Data.Tensor(b, shape, [0.5, -1, 2]);
        using var dh = Data.Tensor(b, shape, [4.0, -8, 2]);
        using var dhPrev = Data.Tensor(b, shape, [1.0, 1, 1]);
        using var dx = Data.Tensor(b, shape, [9.0, 9, 9]);
        LeakyIntegration.Backward(hPrev, x, dh, dhPrev, dx, 0.25, accumulatePrevious: true, accumulateInput: false);
        Data.AssertClose(Data.Read(dhPrev), [4, -5, 2.5], 1e-12, "dhPrev");
        Data.AssertClose(Data.Read(dx), [1, -2, 0.5], 1e-12, "dx");
        LeakyIntegration.Backward(hPrev, x, dh, dhPrev, dx, 0.25, accumulatePrevious: false, accumulateInput: true);
        Data.AssertClose(Data.Read(dhPrev), [3, -6, 1.5], 1e-12, "dhPrev overwritten");
        Data.AssertClose(Data.Read(dx), [2, -4, 1], 1e-12, "dx accumulated");
    }

    [Test]
    public void BadArgumentsNameTheOperationAndShapes()
    {
        var b = TestBackends.Get<float>(DeviceKind.Cpu);
        using var x = b.Allocate(new Shape(2, 3, 2, 2));
        using var wrong = b.Allocate(new Shape(2, 3, 2, 1));
        using var c3 = b.Allocate(new Shape(3));
        var e = Assert.Throws<ArgumentException>(() =>
            BatchNorm.ForwardTraining<float, Relu<float>>(x, c3, c3, x, wrong, c3, c3, c3, c3, 0.1f, 1e-5f));
        Assert.That(e!.Message, Does.Contain("batch norm + relu forward (training)").And.Contain("[2, 3, 2, 1]"));
        e = Assert.Throws<ArgumentException>(() =>
            BatchNorm.Backward<float, Relu<float>>(x, c3, c3, c3, x, x, wrong, x, x, c3, c3, accumulate: false));
        Assert.That(e!.Message, Does.Contain("batch norm + relu backward").And.Contain("[2, 3, 2, 1]"));
    }
}
