using System.Numerics;
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

    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (var kind in TestBackends.All)
        {
            yield return new TestCaseData(kind, "relu").SetArgDisplayNames(kind.ToString(), "relu");
            yield return new TestCaseData(kind, "tanh").SetArgDisplayNames(kind.ToString(), "tanh");
            yield return new TestCaseData(kind, "sigmoid").SetArgDisplayNames(kind.ToString(), "sigmoid");
            yield return new TestCaseData(kind, "softplus").SetArgDisplayNames(kind.ToString(), "softplus");
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void GradientsMatchFiniteDifferences(DeviceKind kind, string name)
    {
        var backend = TestBackends.Get<double>(kind);
        Dispatch(name, new GradCheck(backend));
    }

    [TestCaseSource(nameof(Cases))]
    public void FloatAgreesWithCpuPath(DeviceKind kind, string name)
    {
        Dispatch(name, new Agreement(TestBackends.Get<float>(kind)));
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


    private static void Dispatch(string name, IGeneric action)
    {
        switch (name)
        {
            case "relu": action.Run<Relu<double>, Relu<float>>(); break;
            case "tanh": action.Run<Tanh<double>, Tanh<float>>(); break;
            case "sigmoid": action.Run<Sigmoid<double>, Sigmoid<float>>(); break;
            case "softplus": action.Run<Softplus<double>, Softplus<float>>(); break;
            default: throw new ArgumentException(name);
        }
    }

    private interface IGeneric
    {
        void Run<TD, TF>() where TD : struct, IActivation<double> where TF : struct, IActivation<float>;
    }

    private sealed class GradCheck(IBackend<double> backend) : IGeneric
    {
        public void Run<TD, TF>() where TD : struct, IActivation<double> where TF : struct, IActivation<float>
        {
            var x0 = Data.Random(Awkward.Size, seed: 3, lo: -2, hi: 2);
            GradientCheck.Assert(TD.Name, [x0],
                inputs =>
                {
                    using var x = Data.Tensor(backend, Awkward, inputs[0]);
                    using var y = backend.Allocate(Awkward);
                    Activation.Forward<double, TD>(x, y);
                    return Data.Read(y);
                },
                (inputs, g) =>
                {
                    using var x = Data.Tensor(backend, Awkward, inputs[0]);
                    using var y = backend.Allocate(Awkward);
                    using var dy = Data.Tensor(backend, Awkward, g);
                    using var dx = Data.Tensor(backend, Awkward, Data.Random(Awkward.Size, 9));
                    Activation.Forward<double, TD>(x, y);
                    Activation.Backward<double, TD>(x, y, dy, dx);
                    return [Data.Read(dx)];
                });
        }
    }

    private sealed class Agreement(IBackend<float> backend) : IGeneric
    {
        public void Run<TD, TF>() where TD : struct, IActivation<double> where TF : struct, IActivation<float>
        {
            var xs = Data.Random(Awkward.Size, seed: 5, lo: -3, hi: 3);
            var dys = Data.Random(Awkward.Size, seed: 6);
            var prior = Data.Random(Awkward.Size, seed: 7);
            Data.AssertAgreesWithCpu(backend, TF.Name, b =>
            {
                using var x = Data.Tensor(b, Awkward, xs);
                using var y = b.Allocate(Awkward);
                using var dy = Data.Tensor(b, Awkward, dys);
                using var dx = Data.Tensor(b, Awkward, prior);
                Activation.Forward<float, TF>(x, y);
                Activation.Backward<float, TF>(x, y, dy, dx, accumulate: true);
                return [("forward", Data.Read(y)), ("backward (accumulated)", Data.Read(dx))];
            });
        }
    }

    private static double[] Apply<TAct>(IBackend<double> b, double[] values) where TAct : struct, IActivation<double>
    {
        using var x = Data.Tensor(b, new Shape(values.Length), values);
        using var y = b.Allocate(x.Shape);
        Activation.Forward<double, TAct>(x, y);
        return Data.Read(y);
    }
}
