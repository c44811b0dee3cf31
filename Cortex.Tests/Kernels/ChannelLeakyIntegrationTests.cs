using Cortex.Core.Backends;
using Cortex.Core.Checking;
using Cortex.Core.Kernels;
using Cortex.Core.Tensors;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Kernels;

public sealed class ChannelLeakyIntegrationTests
{
    private static readonly Shape State = new(2, 3, 1, 5);

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void HandComputedValues(DeviceKind kind)
    {
        var b = TestBackends.Get<double>(kind);
        // Two channels: τ = [2, 0.5] with dt = 1 → α = [0.5, 1] (τ below dt is clamped to dt).
        using var tau = Data.Tensor(b, new Shape(2), [2, 0.5]);
        using var alpha = b.Allocate(new Shape(2));
        ChannelLeakyIntegration.Alpha(tau, alpha, 1.0);
        Assert.That(Data.Read(alpha), Is.EqualTo(new[] { 0.5, 1 }));
        var s = new Shape(1, 2);
        using var hPrev = Data.Tensor(b, s, [4, 4]);
        using var x = Data.Tensor(b, s, [2, 2]);
        using var h = b.Allocate(s);
        ChannelLeakyIntegration.Forward(hPrev, x, h, alpha);
        Assert.That(Data.Read(h), Is.EqualTo(new[] { 3, 2 }));
        using var dh = Data.Tensor(b, s, [1, 1]);
        using var dhPrev = Data.Tensor(b, s, [10, 10]);
        using var dx = b.Allocate(s);
        using var dAlpha = b.Allocate(new Shape(2));
        ChannelLeakyIntegration.Backward(hPrev, x, dh, dhPrev, dx, alpha, dAlpha);
        Assert.That(Data.Read(dhPrev), Is.EqualTo(new[] { 10.5, 10 }));
        Assert.That(Data.Read(dx), Is.EqualTo(new[] { 0.5, 1 }));
        Assert.That(Data.Read(dAlpha), Is.EqualTo(new[] { -2, -2 }), "Σ dh·(x − hPrev)");
        // dτ = −dt/τ²·dα where τ ≥ dt: −1/4·(−2) = 0.5; 0 on the clamp.
        using var dTau = b.Allocate(new Shape(2));
        ChannelLeakyIntegration.AlphaBackward(tau, dAlpha, dTau, 1.0);
        Assert.That(Data.Read(dTau), Is.EqualTo(new[] { 0.5, 0 }));
    }

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void GradientsMatchFiniteDifferences(DeviceKind kind)
    {
        var b = TestBackends.Get<double>(kind);
        var c = new Shape(3);
        // Inputs: hPrev, x, τ (all above dt = 1); output h.
        double[][] inputs = [Data.Random(State.Size, 1), Data.Random(State.Size, 2), [1.5, 2.5, 4]];
        GradientCheck.Assert("channel leaky integration", inputs,
            v =>
            {
                using var hPrev = Data.Tensor(b, State, v[0]);
                using var x = Data.Tensor(b, State, v[1]);
                using var tau = Data.Tensor(b, c, v[2]);
                using var alpha = b.Allocate(c);
                using var h = b.Allocate(State);
                ChannelLeakyIntegration.Alpha(tau, alpha, 1.0);
                ChannelLeakyIntegration.Forward(hPrev, x, h, alpha);
                return Data.Read(h);
            },
            (v, g) =>
            {
                using var hPrev = Data.Tensor(b, State, v[0]);
                using var x = Data.Tensor(b, State, v[1]);
                using var tau = Data.Tensor(b, c, v[2]);
                using var alpha = b.Allocate(c);
                using var dh = Data.Tensor(b, State, g);
                using var dhPrev = b.Allocate(State);
                using var dx = b.Allocate(State);
                using var dAlpha = b.Allocate(c);
                using var dTau = b.Allocate(c);
                ChannelLeakyIntegration.Alpha(tau, alpha, 1.0);
                ChannelLeakyIntegration.Backward(hPrev, x, dh, dhPrev, dx, alpha, dAlpha);
                ChannelLeakyIntegration.AlphaBackward(tau, dAlpha, dTau, 1.0);
                return [Data.Read(dhPrev), Data.Read(dx), Data.Read(dTau)];
            });
    }

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.Ilgpu))]
    public void FloatAgreesWithCpuPath(DeviceKind kind)
    {
        double[] RunOn(IBackend<float> b)
        {
            using var hPrev = Data.Tensor(b, State, Data.Random(State.Size, 1));
            using var x = Data.Tensor(b, State, Data.Random(State.Size, 2));
            using var dh = Data.Tensor(b, State, Data.Random(State.Size, 3));
            using var alpha = Data.Tensor(b, new Shape(3), [0.2, 0.7, 1]);
            using var h = b.Allocate(State);
            using var dhPrev = b.Allocate(State);
            using var dx = b.Allocate(State);
            using var dAlpha = b.Allocate(new Shape(3));
            ChannelLeakyIntegration.Forward(hPrev, x, h, alpha);
            ChannelLeakyIntegration.Backward(hPrev, x, dh, dhPrev, dx, alpha, dAlpha);
            return [.. Data.Read(h), .. Data.Read(dhPrev), .. Data.Read(dx), .. Data.Read(dAlpha)];
        }
        Data.AssertClose(RunOn(TestBackends.Get<float>(kind)), RunOn(TestBackends.Get<float>(DeviceKind.Cpu)), TestBackends.AgreementTolerance<float>(), "channel leaky integration");
    }

    [Test]
    public void AlphaOfTheWrongSizeIsNamed()
    {
        var b = TestBackends.Get<float>(DeviceKind.Cpu);
        using var h = b.Allocate(State);
        using var alpha = b.Allocate(new Shape(2));
        Assert.That(() => ChannelLeakyIntegration.Forward(h, h, h, alpha),
            Throws.ArgumentException.With.Message.Contains("channel leaky integration forward").And.Message.Contains("[3]").And.Message.Contains("[2]"));
    }
}
