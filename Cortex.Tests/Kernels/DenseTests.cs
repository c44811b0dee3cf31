using Cortex.Core.Backends;
using Cortex.Core.Checking;
using Cortex.Core.Kernels;
using Cortex.Core.Tensors;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Kernels;

public sealed class DenseTests
{
    // Awkward sizes: B = 3, In = 7, Out = 5.
    private static readonly Shape X = new(3, 7), W = new(5, 7), Bias = new(5), Y = new(3, 5);

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void TwoByThreeByHand(DeviceKind kind)
    {
        var b = TestBackends.Get<double>(kind);
        using var x = Data.Tensor(b, new Shape(2, 3), [1, 2, 3, 4, 5, 6]);
        using var w = Data.Tensor(b, new Shape(2, 3), [1, 0, -1, 0.5, 1, 0]);
        using var bias = Data.Tensor(b, new Shape(2), [0.5, -1]);
        using var y = Data.Tensor(b, new Shape(2, 2), [9, 9, 9, 9]); // overwritten

        // x·wᵀ: row 0: [1 − 3, 0.5 + 2] = [−2, 2.5]; row 1: [4 − 6, 2 + 5] = [−2, 7]; + bias [0.5, −1].
        Dense.Forward(x, w, bias, y);
        Assert.That(Data.Read(y), Is.EqualTo(new[] { -1.5, 1.5, -1.5, 6 }).Within(1e-14));
        // Accumulating adds the same again.
        Dense.Forward(x, w, bias, y, accumulate: true);
        Assert.That(Data.Read(y), Is.EqualTo(new[] { -3.0, 3, -3, 12 }).Within(1e-14));

        // dy = [[1, 2], [0, −1]]: dx = dy·w: row 0 = w0 + 2·w1 = [2, 2, −1]; row 1 = −w1 = [−0.5, −1, 0].
        using var dy = Data.Tensor(b, new Shape(2, 2), [1, 2, 0, -1]);
        using var dx = b.Allocate(new Shape(2, 3));
        Dense.BackwardData(dy, w, dx, accumulate: false);
        Assert.That(Data.Read(dx), Is.EqualTo(new[] { 2.0, 2, -1, -0.5, -1, 0 }).Within(1e-14));

        // dw += dyᵀ·x: dw0 = 1·x0 + 0·x1 = [1, 2, 3]; dw1 = 2·x0 − x1 = [−2, −1, 0]; dbias += [1, 1]. Added to ones.
        using var dw = Data.Tensor(b, new Shape(2, 3), [1, 1, 1, 1, 1, 1]);
        using var dbias = Data.Tensor(b, new Shape(2), [1, 1]);
        Dense.BackwardWeights(x, dy, dw, dbias);
        Assert.That(Data.Read(dw), Is.EqualTo(new[] { 2.0, 3, 4, -1, 0, 1 }).Within(1e-14));
        Assert.That(Data.Read(dbias), Is.EqualTo(new[] { 2.0, 2 }).Within(1e-14));
    }

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void GradientsMatchFiniteDifferences(DeviceKind kind)
    {
        var b = TestBackends.Get<double>(kind);
        GradientCheck.Assert("dense", [Data.Random(X.Size, 1), Data.Random(W.Size, 2), Data.Random(Bias.Size, 3)],
            inputs =>
            {
                using var x = Data.Tensor(b, X, inputs[0]);
                using var w = Data.Tensor(b, W, inputs[1]);
                using var bias = Data.Tensor(b, Bias, inputs[2]);
                using var y = b.Allocate(Y);
                Dense.Forward(x, w, bias, y);
                return Data.Read(y);
            },
            (inputs, g) =>
            {
                using var x = Data.Tensor(b, X, inputs[0]);
                using var w = Data.Tensor(b, W, inputs[1]);
                using var dy = Data.Tensor(b, Y, g);
                using var dx = Data.Tensor(b, X, Data.Random(X.Size, 4)); // overwritten
                using var dw = b.Allocate(W);
                using var dbias = b.Allocate(Bias);
                Dense.BackwardData(dy, w, dx, accumulate: false);
                Dense.BackwardWeights(x, dy, dw, dbias);
                return [Data.Read(dx), Data.Read(dw), Data.Read(dbias)];
            });
    }

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void SpatialInputIsFlattened(DeviceKind kind)
    {
        // x [B=3, C=1, H=1, W=7] reads as [3, 7]: the same product as the flat input.
        var b = TestBackends.Get<double>(kind);
        var x0 = Data.Random(X.Size, 5);
        var w0 = Data.Random(W.Size, 6);
        using var flat = Data.Tensor(b, X, x0);
        using var spatial = Data.Tensor(b, new Shape(3, 1, 1, 7), x0);
        using var w = Data.Tensor(b, W, w0);
        using var y1 = b.Allocate(Y);
        using var y2 = b.Allocate(Y);
        Dense.Forward(flat, w, null, y1);
        Dense.Forward(spatial, w, null, y2);
        Assert.That(Data.Read(y2), Is.EqualTo(Data.Read(y1)));
    }

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.Ilgpu))]
    public void FloatAgreesWithCpuPath(DeviceKind kind)
    {
        var backend = TestBackends.Get<float>(kind);
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        var x0 = Data.Random(X.Size, 7);
        var w0 = Data.Random(W.Size, 8);
        var bias0 = Data.Random(Bias.Size, 9);
        var dy0 = Data.Random(Y.Size, 10);
        var prior = Data.Random(W.Size, 11);

        double[][] On(IBackend<float> be)
        {
            using var x = Data.Tensor(be, X, x0);
            using var w = Data.Tensor(be, W, w0);
            using var bias = Data.Tensor(be, Bias, bias0);
            using var y = Data.Tensor(be, Y, dy0);
            using var dy = Data.Tensor(be, Y, dy0);
            using var dx = Data.Tensor(be, X, x0);
            using var dw = Data.Tensor(be, W, prior);
            using var dbias = Data.Tensor(be, Bias, bias0);
            Dense.Forward(x, w, bias, y, accumulate: true);
            Dense.BackwardData(dy, w, dx, accumulate: true);
            Dense.BackwardWeights(x, dy, dw, dbias);
            return [Data.Read(y), Data.Read(dx), Data.Read(dw), Data.Read(dbias)];
        }

        var got = On(backend);
        var want = On(cpu);
        string[] names = ["y (accumulated)", "dx (accumulated)", "dw", "dbias"];
        for (int i = 0; i < names.Length; i++)
            Data.AssertClose(got[i], want[i], TestBackends.AgreementTolerance<float>(), names[i]);
    }

    [Test]
    public void BadShapesNameTheOperationAndShapes()
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        using var x = cpu.Allocate(X);
        using var w = cpu.Allocate(W);
        using var wrongW = cpu.Allocate(new Shape(5, 6));
        using var y = cpu.Allocate(Y);
        using var wrongY = cpu.Allocate(new Shape(3, 4));
        using var wrongBias = cpu.Allocate(new Shape(4));
        using var vector = cpu.Allocate(new Shape(7));
        Assert.Multiple(() =>
        {
            Assert.That(Assert.Throws<ArgumentException>(() => Dense.Forward(x, wrongW, null, y))!.Message,
                Does.Contain("dense forward").And.Contain("[3, 7]").And.Contain("[5, 6]"));
            Assert.That(Assert.Throws<ArgumentException>(() => Dense.Forward(x, w, null, wrongY))!.Message,
                Does.Contain("dense forward").And.Contain("[3, 5]").And.Contain("[3, 4]"));
            Assert.That(Assert.Throws<ArgumentException>(() => Dense.Forward(x, w, wrongBias, y))!.Message,
                Does.Contain("bias").And.Contain("[5]").And.Contain("[4]"));
            Assert.That(Assert.Throws<ArgumentException>(() => Dense.Forward(vector, w, null, y))!.Message,
                Does.Contain("dense forward").And.Contain("[7]"));
            Assert.That(Assert.Throws<ArgumentException>(() => Dense.BackwardData(wrongY, w, x, false))!.Message,
                Does.Contain("dense backward data").And.Contain("dy").And.Contain("[3, 4]"));
            Assert.That(Assert.Throws<ArgumentException>(() => Dense.BackwardWeights(x, y, wrongW, null))!.Message,
                Does.Contain("dense backward weights").And.Contain("[5, 6]"));
        });
    }
}
