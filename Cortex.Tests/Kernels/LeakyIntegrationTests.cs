using Cortex.Core.Backends;
using Cortex.Core.Checking;
using Cortex.Core.Kernels;
using Cortex.Core.Tensors;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Kernels;

public sealed class LeakyIntegrationTests
{
    private static readonly Shape State = new(3, 7);

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void ThreeStepsByHand(DeviceKind kind)
    {
        var b = TestBackends.Get<double>(kind);
        var s = new Shape(2);
        const double alpha = 0.25; // h(t) = 0.75·h(t−1) + 0.25·x(t)
        using var h0 = Data.Tensor(b, s, [0, 2]);
        using var x1 = Data.Tensor(b, s, [2, 0]);
        using var x2 = Data.Tensor(b, s, [4, 4]);
        using var x3 = Data.Tensor(b, s, [0, 2]);
        using var h1 = b.Allocate(s);
        using var h2 = b.Allocate(s);
        using var h3 = b.Allocate(s);
        LeakyIntegration.Forward(h0, x1, h1, alpha);
        LeakyIntegration.Forward(h1, x2, h2, alpha);
        LeakyIntegration.Forward(h2, x3, h3, alpha);
        // h1 = 0.75·[0, 2] + 0.25·[2, 0] = [0.5, 1.5]
        // h2 = 0.75·[0.5, 1.5] + 0.25·[4, 4] = [1.375, 2.125]
        // h3 = 0.75·[1.375, 2.125] + 0.25·[0, 2] = [1.03125, 2.09375]
        Assert.That(Data.Read(h1), Is.EqualTo(new[] { 0.5, 1.5 }).Within(1e-15));
        Assert.That(Data.Read(h2), Is.EqualTo(new[] { 1.375, 2.125 }).Within(1e-15));
        Assert.That(Data.Read(h3), Is.EqualTo(new[] { 1.03125, 2.09375 }).Within(1e-15));

        // Backward of the last step with dh3 = [1, −2]: dh2 = 0.75·dh3 = [0.75, −1.5] added to [1, 1];
        // dx3 = 0.25·dh3 = [0.25, −0.5]; dα += Σ dh3·(x3 − h2) = 1·(0 − 1.375) − 2·(2 − 2.125) = −1.125, on top of 0.5.
        using var dh3 = Data.Tensor(b, s, [1, -2]);
        using var dh2 = Data.Tensor(b, s, [1, 1]);
        using var dx3 = b.Allocate(s);
        using var dAlpha = Data.Tensor(b, new Shape(1), [0.5]);
        LeakyIntegration.Backward(h2, x3, dh3, dh2, dx3, alpha, dAlpha, accumulate: true);
        Assert.That(Data.Read(dh2), Is.EqualTo(new[] { 1.75, -0.5 }).Within(1e-15));
        Assert.That(Data.Read(dx3), Is.EqualTo(new[] { 0.25, -0.5 }).Within(1e-15));
        Assert.That(Data.Read(dAlpha), Is.EqualTo(new[] { -0.625 }).Within(1e-15));
    }

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void AlphaOneIsAPlainRecurrentUpdate(DeviceKind kind)
    {
        var b = TestBackends.Get<float>(kind);
        using var hPrev = Data.Tensor(b, new Shape(3), [1e30, -7, 0.1]);
        using var x = Data.Tensor(b, new Shape(3), [0.3, 2, -5]);
        LeakyIntegration.Forward(hPrev, x, hPrev, 1f); // in place: h is hPrev
        Assert.That(Data.Read(hPrev), Is.EqualTo(Data.Read(x)));
    }

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void GradientsThroughThreeStepsMatchFiniteDifferences(DeviceKind kind)
    {
        var b = TestBackends.Get<double>(kind);
        // Inputs: h0, x1, x2, x3 and α; the output is [h1, h2, h3] (a loss at every step).
        double[][] inputs = [Data.Random(State.Size, 1), Data.Random(State.Size, 2), Data.Random(State.Size, 3), Data.Random(State.Size, 4), [0.4]];
        GradientCheck.Assert("leaky integration", inputs,
            x =>
            {
                using var h0 = Data.Tensor(b, State, x[0]);
                var hs = Unroll(b, h0, x);
                var output = hs.SelectMany(Data.Read).ToArray();
                foreach (var h in hs) h.Dispose();
                return output;
            },
            (x, g) =>
            {
                int n = State.Size;
                using var h0 = Data.Tensor(b, State, x[0]);
                var hs = Unroll(b, h0, x);
                Tensor<double>[] hPrev = [h0, hs[0], hs[1]];
                // dh[t] starts as the loss gradient at step t; step t + 1 adds its (1 − α)·dh[t + 1] to it.
                var dh = Enumerable.Range(0, 3).Select(t => Data.Tensor(b, State, g[(t * n)..((t + 1) * n)])).ToArray();
                using var dh0 = Data.Tensor(b, State, Data.Random(n, 30)); // overwritten: step 1 does not accumulate
                using var dAlpha = b.Allocate(new Shape(1));
                var dx = new double[3][];
                for (int t = 2; t >= 0; t--)
                {
                    using var xt = Data.Tensor(b, State, x[t + 1]);
                    using var dxt = b.Allocate(State);
                    LeakyIntegration.Backward(hPrev[t], xt, dh[t], t > 0 ? dh[t - 1] : dh0, dxt, x[4][0], dAlpha, accumulate: t > 0);
                    dx[t] = Data.Read(dxt);
                }
                double[]?[] grads = [Data.Read(dh0), dx[0], dx[1], dx[2], Data.Read(dAlpha)];
                foreach (var t in hs.Concat(dh)) t.Dispose();
                return grads;
            });
    }

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.Ilgpu))]
    public void FloatAgreesWithCpuPath(DeviceKind kind)
    {
        var backend = TestBackends.Get<float>(kind);
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        var hPrev0 = Data.Random(State.Size, 5);
        var x0 = Data.Random(State.Size, 6);
        var dh0 = Data.Random(State.Size, 7);
        var prior = Data.Random(State.Size, 8);

        double[][] On(IBackend<float> be)
        {
            using var hPrev = Data.Tensor(be, State, hPrev0);
            using var x = Data.Tensor(be, State, x0);
            using var h = be.Allocate(State);
            using var dh = Data.Tensor(be, State, dh0);
            using var dhPrev = Data.Tensor(be, State, prior);
            using var dx = Data.Tensor(be, State, prior);
            using var dAlpha = Data.Tensor(be, new Shape(1), [0.25]);
            LeakyIntegration.Forward(hPrev, x, h, 0.3f);
            LeakyIntegration.Backward(hPrev, x, dh, dhPrev, null, 0.3f, dAlpha, accumulate: true);
            LeakyIntegration.Backward(hPrev, x, dh, null, dx, 0.3f, null, accumulate: false);
            return [Data.Read(h), Data.Read(dhPrev), Data.Read(dx), Data.Read(dAlpha)];
        }

        var got = On(backend);
        var want = On(cpu);
        string[] names = ["h", "dhPrev (accumulated)", "dx", "dAlpha"];
        for (int i = 0; i < names.Length; i++)
            Data.AssertClose(got[i], want[i], TestBackends.AgreementTolerance<float>(), names[i]);
    }

    [Test]
    public void LargeStatesSumAlphaGradientOverBlocks()
    {
        // More than one CPU block of the backward pass: dα must still be the full sum.
        var cpu = TestBackends.Get<double>(DeviceKind.Cpu);
        var s = new Shape(5, 10007);
        var hPrev0 = Data.Random(s.Size, 9);
        var x0 = Data.Random(s.Size, 10);
        var dh0 = Data.Random(s.Size, 11);
        using var hPrev = Data.Tensor(cpu, s, hPrev0);
        using var x = Data.Tensor(cpu, s, x0);
        using var dh = Data.Tensor(cpu, s, dh0);
        using var dAlpha = cpu.Allocate(new Shape(1));
        LeakyIntegration.Backward(hPrev, x, dh, null, null, 0.5, dAlpha, accumulate: false);
        double expected = 0;
        for (int i = 0; i < s.Size; i++) expected += dh0[i] * (x0[i] - hPrev0[i]);
        Assert.That(Data.Read(dAlpha)[0], Is.EqualTo(expected).Within(1e-9));
    }

    [Test]
    public void BadArgumentsNameTheOperationAndValues()
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        using var a = cpu.Allocate(new Shape(2, 3));
        using var b = cpu.Allocate(new Shape(3, 2));
        using var two = cpu.Allocate(new Shape(2));
        Assert.Multiple(() =>
        {
            Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => LeakyIntegration.Forward(a, a, a, 0f))!.Message,
                Does.Contain("leaky integration forward").And.Contain("(0, 1]").And.Contain("got 0"));
            Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => LeakyIntegration.Forward(a, a, a, 1.5f))!.Message,
                Does.Contain("got 1.5"));
            Assert.Throws<ArgumentOutOfRangeException>(() => LeakyIntegration.Forward(a, a, a, float.NaN));
            Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => LeakyIntegration.Backward(a, a, a, a, a, -0.1f, null, false))!.Message,
                Does.Contain("leaky integration backward"));
            Assert.That(Assert.Throws<ArgumentException>(() => LeakyIntegration.Forward(a, b, a, 0.5f))!.Message,
                Does.Contain("leaky integration forward").And.Contain("[2, 3]").And.Contain("[3, 2]"));
            Assert.That(Assert.Throws<ArgumentException>(() => LeakyIntegration.Backward(a, a, a, null, null, 0.5f, two, false))!.Message,
                Does.Contain("dAlpha").And.Contain("[1]").And.Contain("[2]"));
        });
    }

    /// <summary>h1, h2, h3 from h0 and x1..x3 = inputs[1..3] with α = inputs[4][0].</summary>
    private static Tensor<double>[] Unroll(IBackend<double> b, Tensor<double> h0, double[][] inputs)
    {
        var hs = new Tensor<double>[3];
        var previous = h0;
        for (int t = 0; t < 3; t++)
        {
            using var x = Data.Tensor(b, State, inputs[t + 1]);
            hs[t] = b.Allocate(State);
            LeakyIntegration.Forward(previous, x, hs[t], inputs[4][0]);
            previous = hs[t];
        }
        return hs;
    }
}
