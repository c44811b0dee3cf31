using Cortex.Core.Backends;
using Cortex.Core.Checking;
using Cortex.Core.Kernels;
using Cortex.Core.Tensors;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Kernels;

public sealed class ElementwiseTests
{
    private static readonly Shape Awkward = new(3, 7, 1, 5);

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void HandComputedValues(DeviceKind kind)
    {
        var b = TestBackends.Get<double>(kind);
        var s = new Shape(3);
        using var x = Data.Tensor(b, s, [1, -2, 0.5]);
        using var y = Data.Tensor(b, s, [10, 20, 30]);
        using var z = b.Allocate(s);

        // Add: [1 + 10, −2 + 20, 0.5 + 30] = [11, 18, 30.5].
        Elementwise.Add(x, y, z);
        Assert.That(Data.Read(z), Is.EqualTo(new[] { 11.0, 18, 30.5 }).Within(1e-15));

        // Multiply: [1·10, −2·20, 0.5·30] = [10, −40, 15].
        Elementwise.Multiply(x, y, z);
        Assert.That(Data.Read(z), Is.EqualTo(new[] { 10.0, -40, 15 }).Within(1e-15));

        // Add in place (y = a): [10 + 10, −40 + 20, 15 + 30] = [20, −20, 45].
        Elementwise.Add(z, y, z);
        Assert.That(Data.Read(z), Is.EqualTo(new[] { 20.0, -20, 45 }).Within(1e-15));
    }

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void ChannelBiasByHand(DeviceKind kind)
    {
        var b = TestBackends.Get<double>(kind);
        // x [B=2, C=2, H=1, W=2], bias [10, 20]: channel 0 gets +10, channel 1 gets +20 in each sample.
        using var x = Data.Tensor(b, new Shape(2, 2, 1, 2), [1, 2, 3, 4, 5, 6, 7, 8]);
        using var bias = Data.Tensor(b, new Shape(2), [10, 20]);
        Elementwise.AddChannelBias(x, bias);
        Assert.That(Data.Read(x), Is.EqualTo(new[] { 11.0, 12, 23, 24, 15, 16, 27, 28 }).Within(1e-15));

        // [B=2, C=3]: every row gets the bias vector.
        using var v = Data.Tensor(b, new Shape(2, 3), [1, 2, 3, 4, 5, 6]);
        using var bias3 = Data.Tensor(b, new Shape(3), [0.5, -1, 2]);
        Elementwise.AddChannelBias(v, bias3);
        Assert.That(Data.Read(v), Is.EqualTo(new[] { 1.5, 1, 5, 4.5, 4, 8 }).Within(1e-15));

        // dbias accumulates Σ over batch and space: channel 0: 1+2+5+6 = 14, channel 1: 3+4+7+8 = 22; on top of [1, 1].
        using var dy = Data.Tensor(b, new Shape(2, 2, 1, 2), [1, 2, 3, 4, 5, 6, 7, 8]);
        using var dbias = Data.Tensor(b, new Shape(2), [1, 1]);
        Elementwise.ChannelBiasBackward(dy, dbias);
        Assert.That(Data.Read(dbias), Is.EqualTo(new[] { 15.0, 23 }).Within(1e-15));
    }

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void MultiplyGradientsMatchFiniteDifferences(DeviceKind kind)
    {
        var b = TestBackends.Get<double>(kind);
        GradientCheck.Assert("multiply", [Data.Random(Awkward.Size, 1), Data.Random(Awkward.Size, 2, 0.5, 2)],
            inputs =>
            {
                using var a = Data.Tensor(b, Awkward, inputs[0]);
                using var c = Data.Tensor(b, Awkward, inputs[1]);
                using var y = b.Allocate(Awkward);
                Elementwise.Multiply(a, c, y);
                return Data.Read(y);
            },
            (inputs, g) =>
            {
                using var a = Data.Tensor(b, Awkward, inputs[0]);
                using var c = Data.Tensor(b, Awkward, inputs[1]);
                using var dy = Data.Tensor(b, Awkward, g);
                using var da = Data.Tensor(b, Awkward, Data.Random(Awkward.Size, 8)); // overwritten
                using var dc = b.Allocate(Awkward);
                Elementwise.MultiplyBackward(a, c, dy, da, dc, accumulate: false);
                return [Data.Read(da), Data.Read(dc)];
            });
    }

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void ChannelBiasGradientsMatchFiniteDifferences(DeviceKind kind)
    {
        var b = TestBackends.Get<double>(kind);
        var biasShape = new Shape(Awkward[1]);
        GradientCheck.Assert("add channel bias", [Data.Random(Awkward.Size, 3), Data.Random(biasShape.Size, 4)],
            inputs =>
            {
                using var x = Data.Tensor(b, Awkward, inputs[0]);
                using var bias = Data.Tensor(b, biasShape, inputs[1]);
                Elementwise.AddChannelBias(x, bias);
                return Data.Read(x);
            },
            (inputs, g) =>
            {
                using var dy = Data.Tensor(b, Awkward, g);
                using var dbias = b.Allocate(biasShape);
                Elementwise.ChannelBiasBackward(dy, dbias);
                return [g, Data.Read(dbias)];
            });
    }

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.Ilgpu))]
    public void FloatAgreesWithCpuPath(DeviceKind kind)
    {
        var backend = TestBackends.Get<float>(kind);
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        var a0 = Data.Random(Awkward.Size, 11);
        var b0 = Data.Random(Awkward.Size, 12);
        var dy0 = Data.Random(Awkward.Size, 13);
        var prior = Data.Random(Awkward.Size, 14);
        var bias0 = Data.Random(Awkward[1], 15);

        double[][] On(IBackend<float> be)
        {
            using var a = Data.Tensor(be, Awkward, a0);
            using var c = Data.Tensor(be, Awkward, b0);
            using var dy = Data.Tensor(be, Awkward, dy0);
            using var sum = be.Allocate(Awkward);
            using var product = be.Allocate(Awkward);
            using var da = Data.Tensor(be, Awkward, prior);
            using var dc = Data.Tensor(be, Awkward, prior);
            using var bias = Data.Tensor(be, new Shape(Awkward[1]), bias0);
            using var dbias = Data.Tensor(be, new Shape(Awkward[1]), bias0);
            Elementwise.Add(a, c, sum);
            Elementwise.Multiply(a, c, product);
            Elementwise.MultiplyBackward(a, c, dy, da, dc, accumulate: true);
            Elementwise.AddChannelBias(product, bias);
            Elementwise.ChannelBiasBackward(dy, dbias);
            return [Data.Read(sum), Data.Read(product), Data.Read(da), Data.Read(dc), Data.Read(dbias)];
        }

        var got = On(backend);
        var want = On(cpu);
        string[] names = ["add", "multiply + channel bias", "da (accumulated)", "db (accumulated)", "dbias"];
        for (int i = 0; i < names.Length; i++)
            Data.AssertClose(got[i], want[i], TestBackends.AgreementTolerance<float>(), names[i]);
    }

    [Test]
    public void LargeTensorsSplitAcrossThreadsGiveTheSameResult()
    {
        // Above CpuParallel.SerialBelow the CPU path splits the work; every element must still be right.
        var cpu = TestBackends.Get<double>(DeviceKind.Cpu);
        var s = new Shape(2, 3, 101, 101);
        var a0 = Data.Random(s.Size, 21);
        using var a = Data.Tensor(cpu, s, a0);
        using var y = Data.Tensor(cpu, s, a0);
        using var bias = Data.Tensor(cpu, new Shape(3), [1, 2, 3]);
        Elementwise.Add(a, y, y);
        Elementwise.Add(a, y, y);
        Elementwise.AddChannelBias(y, bias);
        var result = Data.Read(y);
        for (int i = 0; i < result.Length; i += 997)
            Assert.That(result[i], Is.EqualTo(3 * a0[i] + 1 + i / (101 * 101) % 3).Within(1e-12), $"element {i}");
    }

    [Test]
    public void BadArgumentsNameTheOperationAndShapes()
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        using var a = cpu.Allocate(new Shape(2, 3));
        using var b = cpu.Allocate(new Shape(3, 2));
        using var bias = cpu.Allocate(new Shape(2));
        using var v = cpu.Allocate(new Shape(6));
        Assert.Multiple(() =>
        {
            Assert.That(Assert.Throws<ArgumentException>(() => Elementwise.Add(a, b, a))!.Message,
                Does.Contain("add").And.Contain("[2, 3]").And.Contain("[3, 2]"));
            Assert.That(Assert.Throws<ArgumentException>(() => Elementwise.Multiply(a, a, b))!.Message,
                Does.Contain("multiply").And.Contain("[2, 3]").And.Contain("[3, 2]"));
            Assert.That(Assert.Throws<ArgumentException>(() => Elementwise.MultiplyBackward(a, a, a, b, null, false))!.Message,
                Does.Contain("multiply backward").And.Contain("da").And.Contain("[3, 2]"));
            Assert.That(Assert.Throws<ArgumentException>(() => Elementwise.AddChannelBias(a, bias))!.Message,
                Does.Contain("add channel bias").And.Contain("[3]").And.Contain("[2]"));
            Assert.That(Assert.Throws<ArgumentException>(() => Elementwise.AddChannelBias(v, bias))!.Message,
                Does.Contain("add channel bias").And.Contain("[B, C, H, W] or [B, C]").And.Contain("[6]"));
        });
    }
}
