using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Checking;
using Cortex.Core.Kernels;
using Cortex.Core.Tensors;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Kernels;

/// <summary>The scheduled softmax cross-entropy (the network's loss on the device): hand-computed cases, gradients, CPU agreement, bad labels.</summary>
public sealed class SoftmaxCrossEntropyTests
{
    private static IEnumerable<TestCaseData> Backends()
        => TestBackends.All.Select(k => new TestCaseData(k).SetArgDisplayNames(k.ToString()));

    private static IEnumerable<TestCaseData> IlgpuBackends()
        => TestBackends.Ilgpu.Select(k => new TestCaseData(k).SetArgDisplayNames(k.ToString()));

    /// <summary>Fashion-MNIST's coarse groups: tops (0, 2, 4, 6), trouser, dress, footwear (5, 7, 9), bag.</summary>
    private static readonly double[] Groups = [0, 1, 0, 2, 0, 3, 0, 3, 4, 3];

    /// <summary>The kernel on one backend over [reads, rows, classes] logits; returns host copies.</summary>
    private static (double[] P, double[] Losses, double[] Dlogits) Run<T>(IBackend<T> b, int reads, int rows, int classes, double[] logits, double[] labels,
        double[] fine, double[] coarse, double scale, double[]? groups = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var shape = new Shape(reads, rows, classes);
        using var z = Data.Tensor(b, shape, logits);
        using var y = Data.Tensor(b, new Shape(labels.Length), labels);
        using var g = Data.Tensor(b, new Shape(classes), groups ?? new double[classes]);
        using var wf = Data.Tensor(b, new Shape(fine.Length), fine);
        using var wc = Data.Tensor(b, new Shape(coarse.Length), coarse);
        using var p = b.Allocate(shape);
        using var losses = b.Allocate(new Shape(reads, rows));
        using var dz = Data.Tensor(b, shape, Data.Random(shape.Size, 99));
        SoftmaxCrossEntropy.Scheduled(z, y, g, wf, wc, p, losses, dz, T.CreateTruncating(scale));
        return (Data.Read(p), Data.Read(losses), Data.Read(dz));
    }

    [TestCaseSource(nameof(Backends))]
    public void HandComputedProbabilitiesLossesAndGradients(DeviceKind kind)
    {
        // e^0, e^ln2, e^ln3 = 1, 2, 3: p = 1/6, 2/6, 3/6. The second row adds 1000 (no overflow), the third is uniform.
        var b = TestBackends.Get<double>(kind);
        double l2 = Math.Log(2), l3 = Math.Log(3);
        double[] logits = [0, l2, l3, 1000, 1000 + l2, 1000 + l3, -5, -5, -5];
        var r = Run(b, 1, 3, 3, logits, [2, 0, 1], [1.0], [0.0], scale: 1.0 / 3);
        Assert.That(r.P, Is.EqualTo(new[] { 1 / 6.0, 2 / 6.0, 3 / 6.0, 1 / 6.0, 2 / 6.0, 3 / 6.0, 1 / 3.0, 1 / 3.0, 1 / 3.0 }).Within(1e-12));
        Assert.That(r.Losses, Is.EqualTo(new[] { Math.Log(2), Math.Log(6), Math.Log(3) }).Within(1e-12));
        double[] expected = [1 / 18.0, 2 / 18.0, 3 / 18.0 - 1 / 3.0, 1 / 18.0 - 1 / 3.0, 2 / 18.0, 3 / 18.0, 1 / 9.0, 1 / 9.0 - 1 / 3.0, 1 / 9.0];
        Assert.That(r.Dlogits, Is.EqualTo(expected).Within(1e-12));
    }

    [TestCaseSource(nameof(Backends))]
    public void CoarseLossByHand(DeviceKind kind)
    {
        // One read, one image, all-equal logits: p = 1/10 each; label 0 (T-shirt) is in "tops" with 3 others, so the
        // group has probability 4/10 and CE_coarse = −log 0.4. ∂/∂z_c = p_c − [c ∈ G]·p_c/P_G: members 0.1 − 0.25 = −0.15, others 0.1.
        var r = Run(TestBackends.Get<double>(kind), 1, 1, 10, new double[10], [0], [0.0], [1.0], scale: 1, groups: Groups);
        Assert.That(r.Losses[0], Is.EqualTo(-Math.Log(0.4)).Within(1e-12));
        Assert.That(r.Dlogits[2], Is.EqualTo(-0.15).Within(1e-12));
        Assert.That(r.Dlogits[1], Is.EqualTo(0.1).Within(1e-12));
    }

    [TestCaseSource(nameof(Backends))]
    public void ReadsAreWeightedAndAZeroWeightReadCostsNothing(DeviceKind kind)
    {
        // Two reads of the same logits, weights 0 and 2: the first read's losses and gradients are 0, the second's twice the plain ones.
        var b = TestBackends.Get<double>(kind);
        var row = Data.Random(2 * 5, 4, -2, 2);
        var plain = Run(b, 1, 2, 5, row, [1, 4], [1.0], [0.0], scale: 0.5);
        var weighted = Run(b, 2, 2, 5, [.. row, .. row], [1, 4], [0.0, 2.0], [0.0, 0.0], scale: 0.5);
        Assert.That(weighted.Losses.Take(2), Is.All.EqualTo(0));
        Assert.That(weighted.Dlogits.Take(10), Is.All.EqualTo(0));
        Data.AssertClose(weighted.Losses.Skip(2).ToArray(), plain.Losses.Select(v => 2 * v).ToArray(), 1e-12, "losses");
        Data.AssertClose(weighted.Dlogits.Skip(10).ToArray(), plain.Dlogits.Select(v => 2 * v).ToArray(), 1e-12, "gradients");
    }

    [TestCaseSource(nameof(Backends))]
    public void GradientsMatchFiniteDifferences(DeviceKind kind)
    {
        // L = Σ_{s,b} scale·ℓ_{s,b} under coarse-to-fine weights over three reads; dL/dlogits is the kernel's gradient with that scale.
        var b = TestBackends.Get<double>(kind);
        const int reads = 3, rows = 2, classes = 10;
        double[] labels = [3, 8], fine = [0, 1 / 6.0, 1 / 3.0], coarse = [1 / 3.0, 1 / 6.0, 0];
        GradientCheck.Assert("scheduled cross-entropy", [Data.Random(reads * rows * classes, 3, -3, 3)],
            v => [Run(b, reads, rows, classes, v[0], labels, fine, coarse, 0.5, Groups).Losses.Sum() * 0.5],
            (v, g) => [Run(b, reads, rows, classes, v[0], labels, fine, coarse, 0.5 * g[0], Groups).Dlogits]);
    }

    [TestCaseSource(nameof(IlgpuBackends))]
    public void FloatAgreesWithCpuPath(DeviceKind kind)
    {
        var logits = Data.Random(2 * 5 * 10, 5, -4, 4);
        double[] labels = [0, 9, 3, 3, 7], fine = [0.25, 0.5], coarse = [0.75, 0.5];
        var got = Run(TestBackends.Get<float>(kind), 2, 5, 10, logits, labels, fine, coarse, 0.2, Groups);
        var want = Run(TestBackends.Get<float>(DeviceKind.Cpu), 2, 5, 10, logits, labels, fine, coarse, 0.2, Groups);
        double tol = TestBackends.AgreementTolerance<float>();
        Data.AssertClose(got.P, want.P, tol, "probabilities");
        Data.AssertClose(got.Losses, want.Losses, tol, "losses");
        Data.AssertClose(got.Dlogits, want.Dlogits, tol, "dlogits");
    }

    [TestCase(7.0)]
    [TestCase(-1.0)]
    [TestCase(2.5)]
    public void CpuPathRejectsLabelsThatAreNotClassIndices(double label)
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Run(cpu, 1, 3, 7, Data.Random(21, 1), [0, label, 2], [1.0], [0.0], 1));
        Assert.That(e!.Message, Does.Contain("scheduled cross-entropy").And.Contain("sample 1").And.Contain("K = 7"));
        e = Assert.Throws<ArgumentOutOfRangeException>(() => SoftmaxCrossEntropy.ValidateLabels<float>([0, 1, (float)label], 7));
        Assert.That(e!.Message, Does.Contain("sample 2").And.Contain("K = 7"));
    }

    [Test]
    public void ValidateLabelsAcceptsEveryClassIndex()
        => Assert.DoesNotThrow(() => SoftmaxCrossEntropy.ValidateLabels<double>([0, 1, 2, 6], 7));

    [TestCaseSource(nameof(IlgpuBackends))]
    public void GpuKernelsMarkBadLabelsWithNaN(DeviceKind kind)
    {
        var r = Run(TestBackends.Get<float>(kind), 1, 4, 7, Data.Random(28, 1), [0, 7, 2.5, -1], [1.0], [0.0], 1);
        Assert.That(double.IsFinite(r.Losses[0]), Is.True, "a valid label gives a finite loss");
        Assert.That(r.Losses.Skip(1), Has.All.NaN, "out-of-range, fractional and negative labels give NaN losses");
        Assert.That(r.Dlogits.Take(7), Has.All.Not.NaN);
        Assert.That(r.Dlogits.Skip(7), Has.All.NaN);
    }

    [Test]
    public void BadShapesNameTheOperationAndShapes()
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        var e = Assert.Throws<ArgumentException>(() => Run(cpu, 2, 3, 7, new double[42], [0, 1], [1.0, 1.0], [0.0, 0.0], 1));
        Assert.That(e!.Message, Does.Contain("scheduled cross-entropy").And.Contain("labels must hold one class index per image (3)").And.Contain("[2]"));
        e = Assert.Throws<ArgumentException>(() => Run(cpu, 2, 3, 7, new double[42], [0, 1, 2], [1.0], [0.0], 1));
        Assert.That(e!.Message, Does.Contain("one weight per read (2)"));
    }
}
