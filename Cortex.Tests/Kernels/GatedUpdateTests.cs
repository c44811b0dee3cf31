using Cortex.Core.Backends;
using Cortex.Core.Checking;
using Cortex.Core.Kernels;
using Cortex.Core.Tensors;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Kernels;

public sealed class GatedUpdateTests
{
    private static readonly Shape State = new(2, 3, 5);

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void TwoStepsByHand(DeviceKind kind)
    {
        var b = TestBackends.Get<double>(kind);
        var s = new Shape(3);
        const double alpha = 0.5; // h = h_prev + 0.5·z·(c − h_prev)
        using var h0 = Data.Tensor(b, s, [0, 2, -1]);
        using var z1 = Data.Tensor(b, s, [1, 0.5, 0]);
        using var c1 = Data.Tensor(b, s, [4, -2, 8]);
        using var z2 = Data.Tensor(b, s, [0.25, 1, 0.5]);
        using var c2 = Data.Tensor(b, s, [0, 0, 3]);
        using var h1 = b.Allocate(s);
        using var h2 = b.Allocate(s);
        GatedUpdate.Forward(h0, z1, c1, h1, alpha);
        GatedUpdate.Forward(h1, z2, c2, h2, alpha);
        // h1 = [0 + 0.5·1·4, 2 + 0.5·0.5·(−4), −1 + 0] = [2, 1, −1]
        // h2 = [2 + 0.5·0.25·(−2), 1 + 0.5·1·(−1), −1 + 0.5·0.5·4] = [1.75, 0.5, 0]
        Assert.That(Data.Read(h1), Is.EqualTo(new[] { 2.0, 1.0, -1.0 }).Within(1e-15));
        Assert.That(Data.Read(h2), Is.EqualTo(new[] { 1.75, 0.5, 0.0 }).Within(1e-15));

        // Backward of step 2 with dh2 = [1, −2, 4]:
        // dh1 += dh2·(1 − 0.5·z2) = [0.875, −1, 3] added to [1, 1, 1] → [1.875, 0, 4]
        // dz2 = dh2·0.5·(c2 − h1) = [1·0.5·(−2), −2·0.5·(−1), 4·0.5·4] = [−1, 1, 8]
        // dc2 = dh2·0.5·z2 = [0.125, −1, 1]
        using var dh2 = Data.Tensor(b, s, [1, -2, 4]);
        using var dh1 = Data.Tensor(b, s, [1, 1, 1]);
        using var dz2 = Data.Tensor(b, s, [9, 9, 9]);
        using var dc2 = Data.Tensor(b, s, [9, 9, 9]);
        GatedUpdate.Backward(h1, z2, c2, dh2, dh1, dz2, dc2, alpha, accumulatePrevious: true);
        Assert.That(Data.Read(dh1), Is.EqualTo(new[] { 1.875, 0.0, 4.0 }).Within(1e-15));
        Assert.That(Data.Read(dz2), Is.EqualTo(new[] { -1.0, 1.0, 8.0 }).Within(1e-15));
        Assert.That(Data.Read(dc2), Is.EqualTo(new[] { 0.125, -1.0, 1.0 }).Within(1e-15));

        // Without accumulation the previous state's gradient is written over.
        GatedUpdate.Backward(h1, z2, c2, dh2, dh1, dz2, dc2, alpha, accumulatePrevious: false);
        Assert.That(Data.Read(dh1), Is.EqualTo(new[] { 0.875, -1.0, 3.0 }).Within(1e-15));
    }

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void GradientsThroughThreeStepsMatchFiniteDifferences(DeviceKind kind)
    {
        var b = TestBackends.Get<double>(kind);
        int n = State.Size;
        // Inputs: h0, then (z, c) for each of three steps; gates kept inside (0, 1). The output is [h1, h2, h3].
        double[] Gate(int seed) => [.. Data.Random(n, seed).Select(v => 0.5 + 0.4 * v)];
        double[][] inputs = [Data.Random(n, 1), Gate(2), Data.Random(n, 3), Gate(4), Data.Random(n, 5), Gate(6), Data.Random(n, 7)];
        const double alpha = 0.7;
        GradientCheck.Assert("gated update", inputs,
            x =>
            {
                var hs = Unroll(b, x, alpha);
                var output = hs.Skip(1).SelectMany(Data.Read).ToArray();
                foreach (var h in hs) h.Dispose();
                return output;
            },
            (x, g) =>
            {
                var hs = Unroll(b, x, alpha);
                // dh[t] starts as the loss gradient at step t; step t + 1 adds its share to it.
                var dh = Enumerable.Range(0, 3).Select(t => Data.Tensor(b, State, g[(t * n)..((t + 1) * n)])).ToArray();
                using var dh0 = Data.Tensor(b, State, Data.Random(n, 30)); // overwritten: step 1 does not accumulate
                var grads = new double[]?[7];
                for (int t = 2; t >= 0; t--)
                {
                    using var z = Data.Tensor(b, State, x[1 + 2 * t]);
                    using var c = Data.Tensor(b, State, x[2 + 2 * t]);
                    using var dz = b.Allocate(State);
                    using var dc = b.Allocate(State);
                    GatedUpdate.Backward(hs[t], z, c, dh[t], t > 0 ? dh[t - 1] : dh0, dz, dc, alpha, accumulatePrevious: t > 0);
                    grads[1 + 2 * t] = Data.Read(dz);
                    grads[2 + 2 * t] = Data.Read(dc);
                }
                grads[0] = Data.Read(dh0);
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
        var z0 = Data.Random(State.Size, 6).Select(v => 0.5 + 0.4 * v).ToArray();
        var c0 = Data.Random(State.Size, 7);
        var dh0 = Data.Random(State.Size, 8);
        var prior = Data.Random(State.Size, 9);

        double[][] On(IBackend<float> be)
        {
            using var hPrev = Data.Tensor(be, State, hPrev0);
            using var z = Data.Tensor(be, State, z0);
            using var c = Data.Tensor(be, State, c0);
            using var h = be.Allocate(State);
            using var dh = Data.Tensor(be, State, dh0);
            using var dhPrev = Data.Tensor(be, State, prior);
            using var dz = be.Allocate(State);
            using var dc = be.Allocate(State);
            GatedUpdate.Forward(hPrev, z, c, h, 0.6f);
            GatedUpdate.Backward(hPrev, z, c, dh, dhPrev, dz, dc, 0.6f, accumulatePrevious: true);
            return [Data.Read(h), Data.Read(dhPrev), Data.Read(dz), Data.Read(dc)];
        }

        var got = On(backend);
        var want = On(cpu);
        string[] names = ["h", "dhPrev (accumulated)", "dz", "dc"];
        for (int i = 0; i < names.Length; i++)
            Data.AssertClose(got[i], want[i], TestBackends.AgreementTolerance<float>(), names[i]);
    }

    [Test]
    public void MismatchedShapesNameTheOperationAndShapes()
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        using var a = cpu.Allocate(new Shape(2, 3));
        using var b = cpu.Allocate(new Shape(3, 2));
        Assert.Multiple(() =>
        {
            Assert.That(Assert.Throws<ArgumentException>(() => GatedUpdate.Forward(a, b, a, a, 0.5f))!.Message,
                Does.Contain("gated update forward").And.Contain("[2, 3]").And.Contain("[3, 2]"));
            Assert.That(Assert.Throws<ArgumentException>(() => GatedUpdate.Backward(a, a, a, a, a, b, a, 0.5f, false))!.Message,
                Does.Contain("gated update backward").And.Contain("dz"));
        });
    }

    /// <summary>h0..h3 from inputs[0] = h0 and (z, c) of step t at inputs[1 + 2t], inputs[2 + 2t].</summary>
    private static Tensor<double>[] Unroll(IBackend<double> b, double[][] inputs, double alpha)
    {
        var hs = new Tensor<double>[4];
        hs[0] = Data.Tensor(b, State, inputs[0]);
        for (int t = 0; t < 3; t++)
        {
            using var z = Data.Tensor(b, State, inputs[1 + 2 * t]);
            using var c = Data.Tensor(b, State, inputs[2 + 2 * t]);
            hs[t + 1] = b.Allocate(State);
            GatedUpdate.Forward(hs[t], z, c, hs[t + 1], alpha);
        }
        return hs;
    }
}
