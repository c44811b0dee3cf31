using Cortex.Core.Backends;
using Cortex.Core.Checking;
using Cortex.Core.Kernels;
using Cortex.Core.Tensors;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Kernels;

public sealed class SignConstraintTests
{
    private static readonly Shape Weights = new(3, 2, 3, 3);

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void HandComputedValues(DeviceKind kind)
    {
        var b = TestBackends.Get<double>(kind);
        var s = new Shape(3);
        using var raw = Data.Tensor(b, s, [-2, 0.5, 0]);
        using var w = b.Allocate(s);
        SignConstraint.Forward(raw, w, 1);
        Assert.That(Data.Read(w), Is.EqualTo(new[] { 2, 0.5, 0 }));
        SignConstraint.Forward(raw, w, -1);
        Assert.That(Data.Read(w), Is.EqualTo(new[] { -2, -0.5, 0 }));
        // Inhibitory: w = −|r|, ∂w/∂r = −sign(r): [+1, −1, 0]; dRaw accumulates onto [1, 1, 1].
        using var dw = Data.Tensor(b, s, [3, 3, 3]);
        using var dRaw = Data.Tensor(b, s, [1, 1, 1]);
        SignConstraint.Backward(raw, dw, dRaw, -1);
        Assert.That(Data.Read(dRaw), Is.EqualTo(new[] { 4, -2, 1 }));
    }

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void GradientsMatchFiniteDifferences(DeviceKind kind)
    {
        var b = TestBackends.Get<double>(kind);
        foreach (int sign in new[] { 1, -1 })
            GradientCheck.Assert($"sign constraint {sign}", [Data.Random(Weights.Size, 7 + sign)],
                x =>
                {
                    using var raw = Data.Tensor(b, Weights, x[0]);
                    using var w = b.Allocate(Weights);
                    SignConstraint.Forward(raw, w, sign);
                    return Data.Read(w);
                },
                (x, g) =>
                {
                    using var raw = Data.Tensor(b, Weights, x[0]);
                    using var dw = Data.Tensor(b, Weights, g);
                    using var dRaw = b.Allocate(Weights);
                    SignConstraint.Backward(raw, dw, dRaw, sign);
                    return [Data.Read(dRaw)];
                });
    }

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.Ilgpu))]
    public void FloatAgreesWithCpuPath(DeviceKind kind)
    {
        double[] RunOn(IBackend<float> b)
        {
            using var raw = Data.Tensor(b, Weights, Data.Random(Weights.Size, 3));
            using var w = b.Allocate(Weights);
            using var dRaw = b.Allocate(Weights);
            SignConstraint.Forward(raw, w, -1);
            SignConstraint.Backward(raw, w, dRaw, -1);
            return [.. Data.Read(w), .. Data.Read(dRaw)];
        }
        Data.AssertClose(RunOn(TestBackends.Get<float>(kind)), RunOn(TestBackends.Get<float>(DeviceKind.Cpu)), TestBackends.AgreementTolerance<float>(), "sign constraint");
    }

    [Test]
    public void BadSignAndShapesAreNamed()
    {
        var b = TestBackends.Get<float>(DeviceKind.Cpu);
        using var raw = b.Allocate(new Shape(2, 3));
        using var w = b.Allocate(new Shape(6));
        Assert.That(() => SignConstraint.Forward(raw, raw, 0), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("sign constraint forward").And.Message.Contains("got 0"));
        Assert.That(() => SignConstraint.Forward(raw, w, 1), Throws.ArgumentException.With.Message.Contains("[2, 3]").And.Message.Contains("[6]"));
    }
}
