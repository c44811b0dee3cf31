using System.Numerics;
using Cortex.Areas.Activations;
using Cortex.Core.Backends;
using Cortex.Core.Checking;
using Cortex.Core.Kernels;
using Cortex.Core.Tensors;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Kernels;

public sealed class ActivationTests
{
    private static readonly Shape Awkward = new(3, 7, 1, 5);

    [Test]
    public void HandComputedValues()
    {
        var cpu = TestBackends.Get<double>(DeviceKind.Cpu);
        double[] x = [-2, -0.5, 0.5, 3];
        Assert.Multiple(() =>
        {
            Assert.That(Apply<Relu<double>>(cpu, x), Is.EqualTo(new[] { 0, 0, 0.5, 3 }).Within(1e-15));
            Assert.That(Apply<Tanh<double>>(cpu, x), Is.EqualTo(x.Select(Math.Tanh).ToArray()).Within(1e-15));
            Assert.That(Apply<Sigmoid<double>>(cpu, x), Is.EqualTo(x.Select(v => 1 / (1 + Math.Exp(-v))).ToArray()).Within(1e-15));
            Assert.That(Apply<Softplus<double>>(cpu, x), Is.EqualTo(x.Select(v => Math.Log(1 + Math.Exp(v))).ToArray()).Within(1e-14));
        });
    }

    [Test]
    public void SoftplusDoesNotOverflow()
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        using var t = Data.Tensor(cpu, new Shape(2), [200, -200]);
        Activation.Forward<float, Softplus<float>>(t, t);
        Assert.That(Data.Read(t), Is.EqualTo(new[] { 200.0, 0.0 }).Within(1e-6));
    }

    private static IEnumerable<TestCaseData> Cases(IEnumerable<DeviceKind> kinds) =>
        from kind in kinds
        from f in ActivationFunctions.All
        select new TestCaseData(kind, f).SetArgDisplayNames(kind.ToString(), f.Word);

    private static IEnumerable<TestCaseData> EveryBackend() => Cases(TestBackends.All);

    private static IEnumerable<TestCaseData> IlgpuBackends() => Cases(TestBackends.Ilgpu);

    /// <summary>Every registered activation: f' against finite differences, on every backend.</summary>
    [TestCaseSource(nameof(EveryBackend))]
    public void GradientsMatchFiniteDifferences(DeviceKind kind, ActivationFunction f)
    {
        var backend = TestBackends.Get<double>(kind);
        var x0 = Data.Random(Awkward.Size, seed: 3, lo: -2, hi: 2);
        GradientCheck.Assert(f.Word, [x0],
            inputs =>
            {
                using var x = Data.Tensor(backend, Awkward, inputs[0]);
                using var y = backend.Allocate(Awkward);
                f.Forward(x, y);
                return Data.Read(y);
            },
            (inputs, g) =>
            {
                using var x = Data.Tensor(backend, Awkward, inputs[0]);
                using var y = backend.Allocate(Awkward);
                using var dy = Data.Tensor(backend, Awkward, g);
                using var dx = Data.Tensor(backend, Awkward, Data.Random(Awkward.Size, 9));
                f.Forward(x, y);
                f.Backward(x, y, dy, dx);
                return [Data.Read(dx)];
            });
    }

    /// <summary>Every registered activation: ILGPU's kernels agree with the CPU path in float, forward and accumulated backward.</summary>
    [TestCaseSource(nameof(IlgpuBackends))]
    public void FloatAgreesWithCpuPath(DeviceKind kind, ActivationFunction f)
    {
        var xs = Data.Random(Awkward.Size, seed: 5, lo: -3, hi: 3);
        var dys = Data.Random(Awkward.Size, seed: 6);
        var prior = Data.Random(Awkward.Size, seed: 7);
        Data.AssertAgreesWithCpu(TestBackends.Get<float>(kind), f.Word, b =>
        {
            using var x = Data.Tensor(b, Awkward, xs);
            using var y = b.Allocate(Awkward);
            using var dy = Data.Tensor(b, Awkward, dys);
            using var dx = Data.Tensor(b, Awkward, prior);
            f.Forward(x, y);
            f.Backward(x, y, dy, dx, accumulate: true);
            return [("forward", Data.Read(y)), ("backward (accumulated)", Data.Read(dx))];
        });
    }

    [Test]
    public void ShapeMismatchNamesTheOperation()
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        using var x = cpu.Allocate(new Shape(2, 3));
        using var y = cpu.Allocate(new Shape(3, 2));
        var e = Assert.Throws<ArgumentException>(() => Activation.Forward<float, Tanh<float>>(x, y));
        Assert.That(e!.Message, Does.Contain("tanh forward").And.Contain("[2, 3]").And.Contain("[3, 2]"));
    }

    private static double[] Apply<TAct>(IBackend<double> b, double[] values) where TAct : struct, IActivation<double>
    {
        using var x = Data.Tensor(b, new Shape(values.Length), values);
        using var y = b.Allocate(x.Shape);
        Activation.Forward<double, TAct>(x, y);
        return Data.Read(y);
    }
}
