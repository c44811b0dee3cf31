using System.Numerics;
using System.Reflection;
using Cortex.Core.Backends;
using Cortex.Core.Checking;
using Cortex.Core.Kernels;
using Cortex.Core.Tensors;
using Cortex.Tests.Infrastructure;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace Cortex.Tests.Kernels;

public sealed class BatchNormTests
{
    private static IEnumerable<TestCaseData> Backends()
        => TestBackends.All.Select(k => new TestCaseData(k).SetArgDisplayNames(k.ToString()));

    private static IEnumerable<TestCaseData> AgreementCases()
    {
        foreach (var kind in TestBackends.Ilgpu)
        {
            yield return new TestCaseData(kind, new[] { 3, 4, 5, 7 }).SetArgDisplayNames(kind.ToString(), "[3, 4, 5, 7]");
            yield return new TestCaseData(kind, new[] { 3, 530 }).SetArgDisplayNames(kind.ToString(), "[3, 530]");
        }
    }

    private static IEnumerable<TestCaseData> GradientCases()
    {
        int[][] shapes = [[3, 2, 1, 7], [3, 2, 2, 7], [3, 2, 3, 7], [5, 3]];
        foreach (var kind in TestBackends.All)
            foreach (var dims in shapes)
                yield return new TestCaseData(kind, dims).SetArgDisplayNames(kind.ToString(), new Shape(dims).ToString());
    }

    /// <summary>The tensors of one training step, filled from host values.</summary>
    private sealed class Step<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
    {
        public Step(IBackend<T> b, Shape shape, double[] x, double[] gamma, double[] beta, double[]? runningMean = null, double[]? runningVar = null)
        {
            var cs = new Shape(shape[1]);
            X = Data.Tensor(b, shape, x);
            Gamma = Data.Tensor(b, cs, gamma);
            Beta = Data.Tensor(b, cs, beta);
            Y = b.Allocate(shape);
            Activated = b.Allocate(shape);
            Scratch = b.Allocate(shape);
            Mean = b.Allocate(cs);
            InvStd = b.Allocate(cs);
            RunningMean = Data.Tensor(b, cs, runningMean ?? new double[shape[1]]);
            RunningVar = Data.Tensor(b, cs, runningVar ?? Enumerable.Repeat(1.0, shape[1]).ToArray());
        }

        public Tensor<T> X, Gamma, Beta, Y, Activated, Scratch, Mean, InvStd, RunningMean, RunningVar;

        /// <summary>Training forward of batch norm alone: the fused kernel with the identity as f (Y normalised, Activated its copy).</summary>
        public void Train(double momentum = 0.1, double epsilon = 1e-5) => BatchNorm.ForwardTraining<T, Identity<T>>(X, Gamma, Beta, Y, Activated, Mean,
            InvStd, RunningMean, RunningVar, T.CreateTruncating(momentum), T.CreateTruncating(epsilon));

        /// <summary>Backward of batch norm alone (f the identity): dx per <paramref name="accumulate"/>, dγ and dβ accumulate.</summary>
        public void Backward(Tensor<T> dy, Tensor<T> dx, Tensor<T> dgamma, Tensor<T> dbeta, bool accumulate)
            => BatchNorm.Backward<T, Identity<T>>(X, Gamma, Mean, InvStd, Y, Activated, dy, Scratch, dx, dgamma, dbeta, accumulate);

        public void Dispose()
        {
            foreach (var t in new[] { X, Gamma, Beta, Y, Activated, Scratch, Mean, InvStd, RunningMean, RunningVar }) t.Dispose();
        }
    }

    [TestCaseSource(nameof(Backends))]
    public void HandComputedTrainingStep(DeviceKind kind)
    {
        // x = 1, 2, 3, 4 in one channel: μ = 2.5, biased σ² = 1.25, unbiased 5/3.
        var b = TestBackends.Get<double>(kind);
        using var step = new Step<double>(b, new Shape(2, 1, 1, 2), [1, 2, 3, 4], [2], [0.5], [1], [2]);
        step.Train(momentum: 0.1, epsilon: 0);
        double r = 1 / Math.Sqrt(1.25);
        Assert.Multiple(() =>
        {
            Assert.That(Data.Read(step.Y), Is.EqualTo(new[] { 1, 2, 3, 4 }.Select(v => 2 * (v - 2.5) * r + 0.5).ToArray()).Within(1e-12));
            Assert.That(Data.Read(step.Mean)[0], Is.EqualTo(2.5).Within(1e-12));
            Assert.That(Data.Read(step.InvStd)[0], Is.EqualTo(r).Within(1e-12));
            Assert.That(Data.Read(step.RunningMean)[0], Is.EqualTo(0.9 * 1 + 0.1 * 2.5).Within(1e-12));
            Assert.That(Data.Read(step.RunningVar)[0], Is.EqualTo(0.9 * 2 + 0.1 * 5.0 / 3).Within(1e-12));
        });
    }

    [TestCaseSource(nameof(Backends))]
    public void InferenceUsesTheRunningStatistics(DeviceKind kind)
    {
        var b = TestBackends.Get<double>(kind);
        var shape = new Shape(2, 2, 1, 3);
        double[] x = [1, 2, 3, -1, 0, 5, 7, 8, 9, 4, 4, 4];
        double[] mean = [1, -1], variance = [4, 0.25], gamma = [2, -1], beta = [0.5, 3];
        using var step = new Step<double>(b, shape, x, gamma, beta, mean, variance);
        BatchNorm.ForwardInference(step.X, step.Gamma, step.Beta, step.Y, step.RunningMean, step.RunningVar, 0.0);
        var expected = x.Select((v, i) => { int c = i / 3 % 2; return gamma[c] * (v - mean[c]) / Math.Sqrt(variance[c]) + beta[c]; }).ToArray();
        Data.AssertClose(Data.Read(step.Y), expected, 1e-12, "inference");
        Assert.That(Data.Read(step.RunningMean), Is.EqualTo(mean), "inference must not change the running statistics");
    }

    [TestCaseSource(nameof(Backends))]
    public void InferenceMayWriteOverItsInput(DeviceKind kind)
    {
        var b = TestBackends.Get<double>(kind);
        foreach (var shape in new[] { new Shape(3, 2, 2, 5), new Shape(4, 3) })
        {
            var xs = Data.Random(shape.Size, 1, -2, 2);
            double[] gamma = Data.Random(shape[1], 2), beta = Data.Random(shape[1], 3);
            using var apart = new Step<double>(b, shape, xs, gamma, beta);
            apart.Train();
            BatchNorm.ForwardInference(apart.X, apart.Gamma, apart.Beta, apart.Y, apart.RunningMean, apart.RunningVar, 1e-5);
            BatchNorm.ForwardInference(apart.X, apart.Gamma, apart.Beta, apart.X, apart.RunningMean, apart.RunningVar, 1e-5);
            Data.AssertClose(Data.Read(apart.X), Data.Read(apart.Y), 1e-12, $"in-place inference forward {shape}");
        }
    }

    [TestCaseSource(nameof(GradientCases))]
    public void GradientsMatchFiniteDifferences(DeviceKind kind, int[] dims)
    {
        var b = TestBackends.Get<double>(kind);
        var shape = new Shape(dims);
        int c = dims[1];
        double[][] inputs = [Data.Random(shape.Size, 3, -2, 2), Data.Random(c, 4, 0.5, 1.5), Data.Random(c, 5)];
        GradientCheck.Assert("batch norm", inputs,
            v =>
            {
                using var step = new Step<double>(b, shape, v[0], v[1], v[2]);
                step.Train();
                return Data.Read(step.Y);
            },
            (v, g) =>
            {
                using var step = new Step<double>(b, shape, v[0], v[1], v[2]);
                using var dy = Data.Tensor(b, shape, g);
                using var dx = Data.Tensor(b, shape, Data.Random(shape.Size, 9)); // overwritten
                using var dgamma = b.Allocate(new Shape(c));
                using var dbeta = b.Allocate(new Shape(c));
                step.Train();
                step.Backward(dy, dx, dgamma, dbeta, accumulate: false);
                return [Data.Read(dx), Data.Read(dgamma), Data.Read(dbeta)];
            });
    }

    [TestCaseSource(nameof(Backends))]
    public void GradientsAccumulateAsDocumented(DeviceKind kind)
    {
        var b = TestBackends.Get<double>(kind);
        var shape = new Shape(3, 2, 1, 5);
        using var step = new Step<double>(b, shape, Data.Random(30, 1), [1.5, 0.5], [0, 1]);
        using var dy = Data.Tensor(b, shape, Data.Random(30, 2));
        step.Train();
        double[] prior = Data.Random(30, 3), priorGamma = [0.25, -1], priorBeta = [2, 3];
        (double[] dx, double[] dgamma, double[] dbeta) Run(bool accumulate)
        {
            using var dx = Data.Tensor(b, shape, prior);
            using var dgamma = Data.Tensor(b, new Shape(2), priorGamma);
            using var dbeta = Data.Tensor(b, new Shape(2), priorBeta);
            step.Backward(dy, dx, dgamma, dbeta, accumulate);
            return (Data.Read(dx), Data.Read(dgamma), Data.Read(dbeta));
        }
        var set = Run(false);
        var added = Run(true);
        Data.AssertClose(added.dx, set.dx.Zip(prior, (g, p) => g + p).ToArray(), 1e-12, "dx accumulates when asked");
        Data.AssertClose(added.dgamma, set.dgamma, 1e-12, "dgamma always accumulates");
        Data.AssertClose(added.dbeta, set.dbeta, 1e-12, "dbeta always accumulates");
        Assert.That(set.dbeta[0] - priorBeta[0], Is.EqualTo(Data.Read(dy).Where((_, i) => i / 5 % 2 == 0).Sum()).Within(1e-12));
    }

    [TestCaseSource(nameof(AgreementCases))]
    public void FloatAgreesWithCpuPath(DeviceKind kind, int[] dims)
    {
        var backend = TestBackends.Get<float>(kind);
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        var shape = new Shape(dims);
        int c = dims[1];
        var xs = Data.Random(shape.Size, 5, -1, 3);
        var dys = Data.Random(shape.Size, 6);
        var prior = Data.Random(shape.Size, 7);
        double[] gamma = Data.Random(c, 8, -2, 2), beta = Data.Random(c, 9), rm = Data.Random(c, 10), rv = Data.Random(c, 11, 0.5, 4);
        double[][] On(IBackend<float> b)
        {
            using var step = new Step<float>(b, shape, xs, gamma, beta, rm, rv);
            using var dy = Data.Tensor(b, shape, dys);
            using var dx = Data.Tensor(b, shape, prior);
            using var dgamma = Data.Tensor(b, new Shape(c), gamma);
            using var dbeta = b.Allocate(new Shape(c));
            using var inference = b.Allocate(shape);
            step.Train();
            step.Backward(dy, dx, dgamma, dbeta, accumulate: true);
            BatchNorm.ForwardInference(step.X, step.Gamma, step.Beta, inference, step.RunningMean, step.RunningVar, 1e-5f);
            return [Data.Read(step.Y), Data.Read(step.Mean), Data.Read(step.InvStd), Data.Read(step.RunningMean), Data.Read(step.RunningVar),
                Data.Read(dx), Data.Read(dgamma), Data.Read(dbeta), Data.Read(inference)];
        }
        var got = On(backend);
        var want = On(cpu);
        string[] names = ["y", "mean", "invStd", "runningMean", "runningVar", "dx", "dgamma", "dbeta", "inference y"];
        for (int i = 0; i < names.Length; i++)
            Data.AssertClose(got[i], want[i], TestBackends.AgreementTolerance<float>(), names[i]);
    }

    [Test]
    public void FloatStatisticsOfALargeOffsetBatchAreAccurate()
    {
        // 128·784 values around 1000 with spread 1: naive float sums lose the variance.
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        var shape = new Shape(128, 1, 28, 28);
        var xs = Data.Random(shape.Size, 11, 999, 1001);
        using var step = new Step<float>(cpu, shape, xs, [1], [0]);
        step.Train(epsilon: 0);
        double mean = xs.Average(), variance = xs.Select(v => (v - mean) * (v - mean)).Average();
        Assert.That(Data.Read(step.Mean)[0], Is.EqualTo(mean).Within(1e-4));
        Assert.That(Data.Read(step.InvStd)[0], Is.EqualTo(1 / Math.Sqrt(variance)).Within(1e-4 / Math.Sqrt(variance)));
    }

    [Test]
    public void BadArgumentsNameTheOperationAndShapes()
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        using var x = cpu.Allocate(new Shape(2, 3, 2, 2));
        using var y = cpu.Allocate(new Shape(2, 3, 2, 2));
        using var c3 = cpu.Allocate(new Shape(3));
        using var c2 = cpu.Allocate(new Shape(2));
        using var a = cpu.Allocate(new Shape(2, 3, 2, 2));
        var e = Assert.Throws<ArgumentException>(() => BatchNorm.ForwardTraining<float, Identity<float>>(x, c2, c3, y, a, c3, c3, c3, c3, 0.1f, 1e-5f));
        Assert.That(e!.Message, Does.Contain("batch norm + identity forward (training)").And.Contain("gamma").And.Contain("[3]").And.Contain("[2]"));

        using var rank3 = cpu.Allocate(new Shape(2, 3, 4));
        e = Assert.Throws<ArgumentException>(() => BatchNorm.ForwardInference(rank3, c3, c3, rank3, c3, c3, 1e-5f));
        Assert.That(e!.Message, Does.Contain("batch norm forward (inference)").And.Contain("[2, 3, 4]"));

        using var dx = cpu.Allocate(new Shape(2, 3, 2, 1));
        e = Assert.Throws<ArgumentException>(() => BatchNorm.Backward<float, Identity<float>>(x, c3, c3, c3, y, a, y, a, dx, c3, c3, false));
        Assert.That(e!.Message, Does.Contain("batch norm + identity backward").And.Contain("[2, 3, 2, 2]").And.Contain("[2, 3, 2, 1]"));

        using var single = cpu.Allocate(new Shape(1, 3));
        using var singleOut = cpu.Allocate(new Shape(1, 3));
        e = Assert.Throws<ArgumentException>(() => BatchNorm.ForwardTraining<float, Identity<float>>(single, c3, c3, single, singleOut, c3, c3, c3, c3, 0.1f, 1e-5f));
        Assert.That(e!.Message, Does.Contain("batch norm + identity forward (training)").And.Contain("[1, 3]"));

        Assert.Throws<ArgumentOutOfRangeException>(() => BatchNorm.ForwardTraining<float, Identity<float>>(x, c3, c3, y, a, c3, c3, c3, c3, 1.5f, 1e-5f));
    }

    [TestCase(typeof(BatchNorm))]
    [TestCase(typeof(GroupNorm))]
    [TestCase(typeof(NormStatistics))]
    [TestCase(typeof(SoftmaxCrossEntropy))]
    public void KernelsCompileToPtxWithoutAGpu(Type family)
    {
        // The CUDA tests skip where there is no GPU; this at least proves every kernel translates to PTX (sm_90).
        using var context = Context.Create(b => b.EnableAlgorithms().Optimize(OptimizationLevel.O2));
        using var ptx = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_90), CudaArchitecture.SM_90, CudaInstructionSet.ISA_80, null);
        var kernels = family.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic)
            .Where(m => m.GetParameters() is [{ ParameterType: var first }, ..] && first == typeof(Index1D)).ToList();
        Assert.That(kernels, Is.Not.Empty);
        foreach (var kernel in kernels)
            foreach (var type in new[] { typeof(float), typeof(double) })
                Assert.DoesNotThrow(() => ptx.Compile(EntryPointDescription.FromImplicitlyGroupedKernel(Close(kernel, type)), KernelSpecialization.Empty),
                    $"{family.Name}.{kernel.Name}<{type.Name}>");
    }

    /// <summary>A kernel closed over the precision (and relu where it also takes a nonlinearity: the fused kernels).</summary>
    private static MethodInfo Close(MethodInfo kernel, Type precision)
        => kernel.GetGenericArguments().Length == 2
            ? kernel.MakeGenericMethod(precision, typeof(Relu<>).MakeGenericType(precision))
            : kernel.MakeGenericMethod(precision);
}
