using Cortex.Core.Backends;
using Cortex.Core.Optimisers;
using Cortex.Core.Tensors;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Optimisers;

public sealed class GradientClippingTests
{
    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void ThreeFourFiveByHand(DeviceKind kind)
    {
        var b = TestBackends.Get<double>(kind);
        using var norm = Data.Tensor(b, new Shape(1), [123]); // overwritten
        // One gradient [3, 4]: norm 5; scale = 1 / (5 + 1e−6) → [0.6, 0.8] (to 2e−7).
        var (one, g) = Gradients(b, [3, 4]);
        GradientClipping.ClipByGlobalNorm([one], 1.0, norm);
        Assert.That(Data.Read(norm), Is.EqualTo(new[] { 5.0 }).Within(1e-12));
        Assert.That(Data.Read(g[0]), Is.EqualTo(new[] { 0.6, 0.8 }).Within(1e-6));
        Dispose(one);

        // The norm is global: gradients [3] and [4] in two parameters clip to [0.6] and [0.8] together.
        var (first, g1) = Gradients(b, [3]);
        var (second, g2) = Gradients(b, [4]);
        GradientClipping.ClipByGlobalNorm([first, second], 1.0, norm);
        Assert.That(Data.Read(norm), Is.EqualTo(new[] { 5.0 }).Within(1e-12));
        Assert.That(Data.Read(g1[0]).Concat(Data.Read(g2[0])), Is.EqualTo(new[] { 0.6, 0.8 }).Within(1e-6));

        // Below the limit nothing changes, and the norm is still reported: √(0.36 + 0.64) = 1 < 10.
        GradientClipping.ClipByGlobalNorm([first, second], 10.0, norm);
        Assert.That(Data.Read(norm), Is.EqualTo(new[] { 1.0 }).Within(1e-6));
        Assert.That(Data.Read(g1[0]).Concat(Data.Read(g2[0])), Is.EqualTo(new[] { 0.6, 0.8 }).Within(1e-6));
        Dispose(first);
        Dispose(second);
    }

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.Ilgpu))]
    public void FloatAgreesWithCpuPath(DeviceKind kind)
    {
        var backend = TestBackends.Get<float>(kind);
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        double[] On(IBackend<float> be)
        {
            var (a, ga) = Gradients(be, Data.Random(7, 1, -3, 3));
            var (c, gc) = Gradients(be, Data.Random(13, 2, -3, 3));
            using var norm = be.Allocate(new Shape(1));
            GradientClipping.ClipByGlobalNorm([a, c], 0.5f, norm);
            double[] result = [.. Data.Read(norm), .. Data.Read(ga[0]), .. Data.Read(gc[0])];
            Dispose(a);
            Dispose(c);
            return result;
        }
        Data.AssertClose(On(backend), On(cpu), TestBackends.AgreementTolerance<float>(), "norm, then clipped gradients");
    }

    [Test]
    public void BadArgumentsNameTheOperationAndValue()
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        var (p, _) = Gradients(cpu, [3, 4]);
        using var norm = cpu.Allocate(new Shape(1));
        using var wrong = cpu.Allocate(new Shape(2));
        Assert.Multiple(() =>
        {
            Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipByGlobalNorm([p], 0f, norm))!.Message,
                Does.Contain("clip by global norm").And.Contain("maxNorm").And.Contain("got 0"));
            Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipByGlobalNorm([p], -1f, norm))!.Message,
                Does.Contain("got -1"));
            Assert.That(Assert.Throws<ArgumentException>(() => GradientClipping.ClipByGlobalNorm([p], 1f, wrong))!.Message,
                Does.Contain("clip by global norm").And.Contain("[1]").And.Contain("[2]"));
        });
        Dispose(p);
    }

    private static (Parameter<T> Parameter, Tensor<T>[] Gradient) Gradients<T>(IBackend<T> b, double[] gradient)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var shape = new Shape(gradient.Length);
        var p = new Parameter<T>("p", b.Allocate(shape), Data.Tensor(b, shape, gradient));
        return (p, [p.Gradient]);
    }

    private static void Dispose<T>(Parameter<T> p) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        p.Value.Dispose();
        p.Gradient.Dispose();
    }
}
