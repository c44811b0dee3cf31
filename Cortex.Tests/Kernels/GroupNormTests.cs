using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Checking;
using Cortex.Core.Kernels;
using Cortex.Core.Tensors;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Kernels;

public sealed class GroupNormTests
{
    private static IEnumerable<TestCaseData> Backends()
        => TestBackends.All.Select(k => new TestCaseData(k).SetArgDisplayNames(k.ToString()));

    private static IEnumerable<TestCaseData> GradientCases()
    {
        (int[] Dims, int Groups)[] cases = [([2, 6, 1, 7], 1), ([2, 6, 1, 7], 2), ([2, 6, 1, 7], 3), ([3, 6, 2, 3], 2), ([3, 6], 2), ([3, 6], 1)];
        foreach (var kind in TestBackends.All)
            foreach (var (dims, groups) in cases)
                yield return new TestCaseData(kind, dims, groups).SetArgDisplayNames(kind.ToString(), new Shape(dims).ToString(), $"G={groups}");
    }

    /// <summary>Runs the forward pass (and, given dy, the backward pass) on one backend; returns host copies.</summary>
    private static (double[] Y, double[] Mean, double[] InvStd, double[] Dx, double[] Dgamma, double[] Dbeta) Run<T>(IBackend<T> b, Shape shape,
        int groups, double[] xs, double[] gammas, double[] betas, double[]? dys = null, double[]? priorDx = null, bool accumulate = false,
        double[]? priorDgamma = null)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int c = shape[1];
        var cs = new Shape(c);
        var stats = new Shape(shape[0] * groups);
        using var x = Data.Tensor(b, shape, xs);
        using var gamma = Data.Tensor(b, cs, gammas);
        using var beta = Data.Tensor(b, cs, betas);
        using var y = b.Allocate(shape);
        using var mean = b.Allocate(stats);
        using var invStd = b.Allocate(stats);
        GroupNorm.Forward(x, groups, gamma, beta, y, mean, invStd, T.CreateTruncating(1e-5));
        if (dys is null) return (Data.Read(y), Data.Read(mean), Data.Read(invStd), [], [], []);
        using var dy = Data.Tensor(b, shape, dys);
        using var dx = Data.Tensor(b, shape, priorDx ?? Data.Random(shape.Size, 99));
        using var dgamma = Data.Tensor(b, cs, priorDgamma ?? new double[c]);
        using var dbeta = Data.Tensor(b, cs, priorDgamma ?? new double[c]);
        GroupNorm.Backward(x, groups, gamma, mean, invStd, dy, dx, dgamma, dbeta, accumulate);
        return (Data.Read(y), Data.Read(mean), Data.Read(invStd), Data.Read(dx), Data.Read(dgamma), Data.Read(dbeta));
    }

    [TestCaseSource(nameof(Backends))]
    public void HandComputedOneGroupOfARow(DeviceKind kind)
    {
        // One sample, x = 1, 2, 3, 4 over four channels: μ = 2.5, σ² = 1.25.
        var b = TestBackends.Get<double>(kind);
        using var x = Data.Tensor(b, new Shape(1, 4), [1, 2, 3, 4]);
        using var gamma = Data.Tensor(b, new Shape(4), [1, 2, 1, 1]);
        using var beta = Data.Tensor(b, new Shape(4), [0, 0, 1, 0]);
        using var y = b.Allocate(new Shape(1, 4));
        using var mean = b.Allocate(new Shape(1));
        using var invStd = b.Allocate(new Shape(1));
        GroupNorm.Forward(x, 1, gamma, beta, y, mean, invStd, 0.0);
        double r = 1 / Math.Sqrt(1.25);
        Assert.That(Data.Read(y), Is.EqualTo(new[] { -1.5 * r, 2 * -0.5 * r, 0.5 * r + 1, 1.5 * r }).Within(1e-12));
        Assert.That(Data.Read(mean), Is.EqualTo(new[] { 2.5 }).Within(1e-12));
        Assert.That(Data.Read(invStd), Is.EqualTo(new[] { r }).Within(1e-12));
    }

    [TestCaseSource(nameof(Backends))]
    public void HandComputedTwoGroups(DeviceKind kind)
    {
        // Channels (1, 3 | 10, 14), each over S = 2 positions: group 0 holds 1, 1, 3, 3 (μ 2, σ² 1), group 1 holds 10, 10, 14, 14 (μ 12, σ² 4).
        var b = TestBackends.Get<double>(kind);
        double[] xs = [1, 1, 3, 3, 10, 10, 14, 14];
        var r = Run(b, new Shape(1, 4, 1, 2), 2, xs, [1, 1, 1, 1], [0, 0, 0, 0]);
        Assert.That(r.Mean, Is.EqualTo(new[] { 2.0, 12 }).Within(1e-12));
        Assert.That(r.InvStd, Is.EqualTo(new[] { 1 / Math.Sqrt(1 + 1e-5), 1 / Math.Sqrt(4 + 1e-5) }).Within(1e-12));
        Assert.That(r.Y, Is.EqualTo(new[] { -1, -1, 1, 1, -1, -1, 1, 1 }).Within(1e-5));
    }

    [TestCaseSource(nameof(Backends))]
    public void ForwardMayWriteOverItsInput(DeviceKind kind)
    {
        var b = TestBackends.Get<double>(kind);
        foreach (var (shape, groups) in new[] { (new Shape(2, 6, 1, 3), 3), (new Shape(3, 4), 2) })
        {
            var xs = Data.Random(shape.Size, 1, -2, 2);
            double[] gamma = Data.Random(shape[1], 2), beta = Data.Random(shape[1], 3);
            var expected = Run(b, shape, groups, xs, gamma, beta).Y;
            using var x = Data.Tensor(b, shape, xs);
            using var g = Data.Tensor(b, new Shape(shape[1]), gamma);
            using var bt = Data.Tensor(b, new Shape(shape[1]), beta);
            using var mean = b.Allocate(new Shape(shape[0] * groups));
            using var invStd = b.Allocate(new Shape(shape[0] * groups));
            GroupNorm.Forward(x, groups, g, bt, x, mean, invStd, 1e-5);
            Data.AssertClose(Data.Read(x), expected, 1e-12, $"in-place forward {shape}");
        }
    }

    [TestCaseSource(nameof(GradientCases))]
    public void GradientsMatchFiniteDifferences(DeviceKind kind, int[] dims, int groups)
    {
        var b = TestBackends.Get<double>(kind);
        var shape = new Shape(dims);
        int c = dims[1];
        double[][] inputs = [Data.Random(shape.Size, 3, -2, 2), Data.Random(c, 4, 0.5, 1.5), Data.Random(c, 5)];
        GradientCheck.Assert($"group norm (G = {groups})", inputs,
            v => Run(b, shape, groups, v[0], v[1], v[2]).Y,
            (v, g) =>
            {
                var r = Run(b, shape, groups, v[0], v[1], v[2], g);
                return [r.Dx, r.Dgamma, r.Dbeta];
            });
    }

    [TestCaseSource(nameof(Backends))]
    public void GradientsAccumulateAsDocumented(DeviceKind kind)
    {
        var b = TestBackends.Get<double>(kind);
        var shape = new Shape(2, 6, 1, 3);
        var xs = Data.Random(36, 1);
        var dys = Data.Random(36, 2);
        var prior = Data.Random(36, 3);
        double[] gamma = [1, 2, 3, -1, 0.5, 1], beta = new double[6], priorParams = [1, 1, 1, 2, 2, 2];
        var set = Run(b, shape, 3, xs, gamma, beta, dys, prior, accumulate: false);
        var added = Run(b, shape, 3, xs, gamma, beta, dys, prior, accumulate: true, priorDgamma: priorParams);
        Data.AssertClose(added.Dx, set.Dx.Zip(prior, (g, p) => g + p).ToArray(), 1e-12, "dx accumulates when asked");
        Data.AssertClose(added.Dgamma, set.Dgamma.Zip(priorParams, (g, p) => g + p).ToArray(), 1e-12, "dgamma always accumulates");
        Data.AssertClose(added.Dbeta, set.Dbeta.Zip(priorParams, (g, p) => g + p).ToArray(), 1e-12, "dbeta always accumulates");
    }

    private static IEnumerable<TestCaseData> AgreementCases()
    {
        foreach (var kind in TestBackends.Ilgpu)
        {
            yield return new TestCaseData(kind, new[] { 3, 6, 2, 7 }, 3).SetArgDisplayNames(kind.ToString(), "[3, 6, 2, 7]", "G=3");
            yield return new TestCaseData(kind, new[] { 5, 6 }, 2).SetArgDisplayNames(kind.ToString(), "[5, 6]", "G=2");
            yield return new TestCaseData(kind, new[] { 2, 300 }, 1).SetArgDisplayNames(kind.ToString(), "[2, 300]", "G=1");
        }
    }

    [TestCaseSource(nameof(AgreementCases))]
    public void FloatAgreesWithCpuPath(DeviceKind kind, int[] dims, int groups)
    {
        var shape = new Shape(dims);
        int c = dims[1];
        var xs = Data.Random(shape.Size, 5, -1, 3);
        var dys = Data.Random(shape.Size, 6);
        var prior = Data.Random(shape.Size, 7);
        var gamma = Data.Random(c, 8, 0.5, 2);
        var beta = Data.Random(c, 9);
        var got = Run(TestBackends.Get<float>(kind), shape, groups, xs, gamma, beta, dys, prior, accumulate: true, priorDgamma: gamma);
        var want = Run(TestBackends.Get<float>(DeviceKind.Cpu), shape, groups, xs, gamma, beta, dys, prior, accumulate: true, priorDgamma: gamma);
        double tol = TestBackends.AgreementTolerance<float>();
        Data.AssertClose(got.Y, want.Y, tol, "y");
        Data.AssertClose(got.Mean, want.Mean, tol, "mean");
        Data.AssertClose(got.InvStd, want.InvStd, tol, "invStd");
        Data.AssertClose(got.Dx, want.Dx, tol, "dx");
        Data.AssertClose(got.Dgamma, want.Dgamma, tol, "dgamma");
        Data.AssertClose(got.Dbeta, want.Dbeta, tol, "dbeta");
    }

    [Test]
    public void BadArgumentsNameTheOperationAndShapes()
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        using var x = cpu.Allocate(new Shape(2, 6, 1, 3));
        using var c6 = cpu.Allocate(new Shape(6));
        using var c5 = cpu.Allocate(new Shape(5));
        using var stats = cpu.Allocate(new Shape(8));
        var e = Assert.Throws<ArgumentException>(() => GroupNorm.Forward(x, 4, c6, c6, x, stats, stats, 1e-5f));
        Assert.That(e!.Message, Does.Contain("group norm forward").And.Contain("groups = 4").And.Contain("C = 6").And.Contain("[2, 6, 1, 3]"));

        using var stats4 = cpu.Allocate(new Shape(4));
        e = Assert.Throws<ArgumentException>(() => GroupNorm.Backward(x, 2, c5, stats4, stats4, x, x, c6, c6, false));
        Assert.That(e!.Message, Does.Contain("group norm backward").And.Contain("gamma").And.Contain("[6]").And.Contain("[5]"));

        e = Assert.Throws<ArgumentException>(() => GroupNorm.Forward(x, 1, c6, c6, x, stats4, stats4, 1e-5f));
        Assert.That(e!.Message, Does.Contain("group norm forward").And.Contain("savedMean").And.Contain("[2]").And.Contain("[4]"));

        Assert.Throws<ArgumentOutOfRangeException>(() => GroupNorm.Forward(x, 0, c6, c6, x, stats, stats, 1e-5f));
    }
}
