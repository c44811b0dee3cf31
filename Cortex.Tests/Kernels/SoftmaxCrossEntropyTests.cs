using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Checking;
using Cortex.Core.Kernels;
using Cortex.Core.Tensors;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Kernels;

public sealed class SoftmaxCrossEntropyTests
{
    private static IEnumerable<TestCaseData> Backends()
        => TestBackends.All.Select(k => new TestCaseData(k).SetArgDisplayNames(k.ToString()));

    private static IEnumerable<TestCaseData> IlgpuBackends()
        => TestBackends.Ilgpu.Select(k => new TestCaseData(k).SetArgDisplayNames(k.ToString()));

    /// <summary>Forward, mean loss and (with a scale) backward on one backend; returns host copies.</summary>
    private static (double[] P, double[] Losses, double Mean, double[] Dlogits) Run<T>(IBackend<T> b, int rows, int classes, double[] logits,
        double[] labels, double? scale = null, double[]? prior = null, bool accumulate = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var shape = new Shape(rows, classes);
        using var z = Data.Tensor(b, shape, logits);
        using var y = Data.Tensor(b, new Shape(rows), labels);
        using var p = b.Allocate(shape);
        using var losses = b.Allocate(new Shape(rows));
        using var mean = b.Allocate(new Shape(1));
        SoftmaxCrossEntropy.Forward(z, y, p, losses);
        SoftmaxCrossEntropy.MeanLoss(losses, mean);
        if (scale is null) return (Data.Read(p), Data.Read(losses), Data.Read(mean)[0], []);
        using var dz = Data.Tensor(b, shape, prior ?? Data.Random(shape.Size, 99));
        SoftmaxCrossEntropy.Backward(p, y, T.CreateTruncating(scale.Value), dz, accumulate);
        return (Data.Read(p), Data.Read(losses), Data.Read(mean)[0], Data.Read(dz));
    }

    [TestCaseSource(nameof(Backends))]
    public void HandComputedProbabilitiesAndLosses(DeviceKind kind)
    {
        // e^0, e^ln2, e^ln3 = 1, 2, 3: p = 1/6, 2/6, 3/6. The second row adds 1000 (no overflow), the third is uniform.
        var b = TestBackends.Get<double>(kind);
        double l2 = Math.Log(2), l3 = Math.Log(3);
        double[] logits = [0, l2, l3, 1000, 1000 + l2, 1000 + l3, -5, -5, -5];
        var r = Run(b, 3, 3, logits, [2, 0, 1], scale: 1.0 / 3);
        Assert.That(r.P, Is.EqualTo(new[] { 1 / 6.0, 2 / 6.0, 3 / 6.0, 1 / 6.0, 2 / 6.0, 3 / 6.0, 1 / 3.0, 1 / 3.0, 1 / 3.0 }).Within(1e-12));
        Assert.That(r.Losses, Is.EqualTo(new[] { Math.Log(2), Math.Log(6), Math.Log(3) }).Within(1e-12));
        Assert.That(r.Mean, Is.EqualTo((Math.Log(2) + Math.Log(6) + Math.Log(3)) / 3).Within(1e-12));
        double[] expected = [1 / 18.0, 2 / 18.0, 3 / 18.0 - 1 / 3.0, 1 / 18.0 - 1 / 3.0, 2 / 18.0, 3 / 18.0, 1 / 9.0, 1 / 9.0 - 1 / 3.0, 1 / 9.0];
        Assert.That(r.Dlogits, Is.EqualTo(expected).Within(1e-12));
    }

    [TestCaseSource(nameof(Backends))]
    public void GradientsMatchFiniteDifferences(DeviceKind kind)
    {
        // L = w·mean loss, so dL/dlogits = (w/B)·(p − onehot): the scale a caller passes for a weighted batch mean.
        var b = TestBackends.Get<double>(kind);
        const int rows = 3, classes = 7;
        double[] labels = [6, 0, 3];
        GradientCheck.Assert("softmax cross-entropy", [Data.Random(rows * classes, 3, -3, 3)],
            v => [Run(b, rows, classes, v[0], labels).Mean],
            (v, g) => [Run(b, rows, classes, v[0], labels, scale: g[0] / rows).Dlogits]);
    }

    [TestCaseSource(nameof(Backends))]
    public void BackwardAccumulatesWhenAsked(DeviceKind kind)
    {
        var b = TestBackends.Get<double>(kind);
        var logits = Data.Random(21, 1, -2, 2);
        var prior = Data.Random(21, 2);
        double[] labels = [1, 4, 6];
        var set = Run(b, 3, 7, logits, labels, scale: 0.5, prior: prior);
        var added = Run(b, 3, 7, logits, labels, scale: 0.5, prior: prior, accumulate: true);
        Data.AssertClose(added.Dlogits, set.Dlogits.Zip(prior, (g, p) => g + p).ToArray(), 1e-12, "dlogits += scale·(p − onehot)");
        Data.AssertClose(set.Dlogits, set.P.Select((p, i) => 0.5 * (p - (labels[i / 7] == i % 7 ? 1 : 0))).ToArray(), 1e-12, "dlogits");
    }

    [TestCaseSource(nameof(IlgpuBackends))]
    public void FloatAgreesWithCpuPath(DeviceKind kind)
    {
        var logits = Data.Random(5 * 11, 5, -4, 4);
        var prior = Data.Random(5 * 11, 6);
        double[] labels = [0, 10, 3, 3, 7];
        var got = Run(TestBackends.Get<float>(kind), 5, 11, logits, labels, scale: 0.2, prior: prior, accumulate: true);
        var want = Run(TestBackends.Get<float>(DeviceKind.Cpu), 5, 11, logits, labels, scale: 0.2, prior: prior, accumulate: true);
        double tol = TestBackends.AgreementTolerance<float>();
        Data.AssertClose(got.P, want.P, tol, "probabilities");
        Data.AssertClose(got.Losses, want.Losses, tol, "losses");
        Data.AssertClose([got.Mean], [want.Mean], tol, "mean loss");
        Data.AssertClose(got.Dlogits, want.Dlogits, tol, "dlogits");
    }

    [TestCase(7.0)]
    [TestCase(-1.0)]
    [TestCase(2.5)]
    public void CpuPathRejectsLabelsThatAreNotClassIndices(double label)
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Run(cpu, 3, 7, Data.Random(21, 1), [0, label, 2]));
        Assert.That(e!.Message, Does.Contain("softmax cross-entropy forward").And.Contain("sample 1").And.Contain("K = 7"));
        e = Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.ValidateLabels<float>([0, 1, (float)label], 7));
        Assert.That(e!.Message, Does.Contain("sample 2").And.Contain("K = 7"));
    }

    [Test]
    public void ValidateLabelsAcceptsEveryClassIndex()
        => Assert.DoesNotThrow(() => SoftmaxCrossEntropy.ValidateLabels<double>([0, 1, 2, 6], 7));

    [TestCaseSource(nameof(IlgpuBackends))]
    public void GpuKernelsMarkBadLabelsWithNaN(DeviceKind kind)
    {
        var b = TestBackends.Get<float>(kind);
        var r = Run(b, 4, 7, Data.Random(28, 1), [0, 7, 2.5, -1], scale: 1);
        Assert.That(double.IsFinite(r.Losses[0]), Is.True, "a valid label gives a finite loss");
        Assert.That(r.Losses.Skip(1), Has.All.NaN, "out-of-range, fractional and negative labels give NaN losses");
        Assert.That(r.Dlogits.Take(7), Has.All.Not.NaN);
        Assert.That(r.Dlogits.Skip(7), Has.All.NaN);
        Assert.That(r.Mean, Is.NaN, "the mean loss shows a bad label");
    }

    [Test]
    public void BadShapesNameTheOperationAndShapes()
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        using var z = cpu.Allocate(new Shape(3, 7));
        using var labels = cpu.Allocate(new Shape(2));
        using var losses = cpu.Allocate(new Shape(3));
        var e = Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Forward(z, labels, z, losses));
        Assert.That(e!.Message, Does.Contain("softmax cross-entropy forward").And.Contain("[3]").And.Contain("[2]").And.Contain("[3, 7]"));

        using var p = cpu.Allocate(new Shape(3, 6));
        using var good = cpu.Allocate(new Shape(3));
        e = Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.Backward(z, good, 1f, p, false));
        Assert.That(e!.Message, Does.Contain("softmax cross-entropy backward").And.Contain("[3, 7]").And.Contain("[3, 6]"));

        using var mean = cpu.Allocate(new Shape(2));
        e = Assert.Throws<ArgumentException>(() => SoftmaxCrossEntropy.MeanLoss(losses, mean));
        Assert.That(e!.Message, Does.Contain("mean loss").And.Contain("[1]").And.Contain("[2]"));
    }
}
