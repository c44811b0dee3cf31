using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Checking;
using Cortex.Core.Kernels;
using Cortex.Core.Tensors;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Kernels;

public sealed class UpsamplingTests
{
    /// <summary>One resampling: "nearest" or "bilinear", from x's shape to y's.</summary>
    public sealed record Case(string Mode, Shape X, Shape Y)
    {
        public override string ToString() => $"{Mode} {X} to {Y}";

        public void Forward<T>(Tensor<T> x, Tensor<T> y) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (Mode == "nearest") Upsample.NearestForward(x, y);
            else Upsample.BilinearForward(x, y);
        }

        public void Backward<T>(Tensor<T> dy, Tensor<T> dx, bool accumulate) where T : unmanaged, IFloatingPointIeee754<T>
        {
            if (Mode == "nearest") Upsample.NearestBackward(dy, dx, accumulate);
            else Upsample.BilinearBackward(dy, dx, accumulate);
        }
    }

    private static readonly Case[] Configurations =
    [
        new("nearest", new(2, 3, 3, 4), new(2, 3, 7, 9)),     // 3→7, 4→9: non-integer ratios
        new("nearest", new(1, 2, 7, 5), new(1, 2, 3, 2)),     // downsampling
        new("bilinear", new(2, 3, 3, 5), new(2, 3, 7, 3)),    // 3→7 up, 5→3 down
        new("bilinear", new(1, 2, 5, 5), new(1, 2, 3, 3)),    // 5→3 downsampling
        new("bilinear", new(1, 2, 2, 3), new(1, 2, 4, 6)),    // ×2, where src hits the clamp at both ends
        new("bilinear", new(1, 2, 4, 3), new(1, 2, 1, 2)),    // down to one row
    ];

    private static IEnumerable<TestCaseData> Cases(DeviceKind[] kinds)
    {
        foreach (var kind in kinds)
            foreach (var c in Configurations)
                yield return new TestCaseData(kind, c).SetArgDisplayNames(kind.ToString(), c.ToString());
    }

    private static IEnumerable<TestCaseData> AllCases() => Cases(TestBackends.All);

    private static IEnumerable<TestCaseData> IlgpuCases() => Cases(TestBackends.Ilgpu);

    private static IEnumerable<TestCaseData> Backends() => TestBackends.All.Select(k => new TestCaseData(k).SetArgDisplayNames(k.ToString()));

    [TestCaseSource(nameof(AllCases))]
    public void GradientsMatchFiniteDifferences(DeviceKind kind, Case c)
    {
        var backend = TestBackends.Get<double>(kind);
        GradientCheck.Assert(c.ToString(), [Data.Random(c.X.Size, seed: 3, lo: -2, hi: 2)],
            inputs =>
            {
                using var x = Data.Tensor(backend, c.X, inputs[0]);
                using var y = backend.Allocate(c.Y);
                c.Forward(x, y);
                return Data.Read(y);
            },
            (inputs, g) =>
            {
                using var dy = Data.Tensor(backend, c.Y, g);
                using var dx = Data.Tensor(backend, c.X, Data.Random(c.X.Size, 9));
                c.Backward(dy, dx, accumulate: false);
                return [Data.Read(dx)];
            });
    }

    [TestCaseSource(nameof(IlgpuCases))]
    public void FloatAgreesWithCpuPath(DeviceKind kind, Case c)
    {
        var backend = TestBackends.Get<float>(kind);
        var xs = Data.Random(c.X.Size, seed: 5, lo: -3, hi: 3);
        var dys = Data.Random(c.Y.Size, seed: 6);
        var prior = Data.Random(c.X.Size, seed: 7);
        Data.AssertAgreesWithCpu(backend, c.ToString(), b =>
        {
            using var x = Data.Tensor(b, c.X, xs);
            using var y = b.Allocate(c.Y);
            using var dy = Data.Tensor(b, c.Y, dys);
            using var dx = Data.Tensor(b, c.X, prior);
            c.Forward(x, y);
            c.Backward(dy, dx, accumulate: true);
            return [("forward", Data.Read(y)), ("backward (accumulated)", Data.Read(dx))];
        });
    }

    [TestCaseSource(nameof(AllCases))]
    public void BackwardOverwritesOrAccumulates(DeviceKind kind, Case c)
    {
        var backend = TestBackends.Get<double>(kind);
        var prior = Data.Random(c.X.Size, seed: 11);
        var dys = Data.Random(c.Y.Size, seed: 13);
        double[] Run(bool accumulate)
        {
            using var dy = Data.Tensor(backend, c.Y, dys);
            using var dx = Data.Tensor(backend, c.X, prior);
            c.Backward(dy, dx, accumulate);
            return Data.Read(dx);
        }
        var fresh = Run(false);
        Data.AssertClose(Run(true), fresh.Zip(prior, (a, b) => a + b).ToArray(), 1e-12, c + " accumulate");
        Assert.That(fresh, Is.Not.EqualTo(prior));
    }

    [TestCase("nearest")]
    [TestCase("bilinear")]
    public void ParallelPlanesMatchOneThread(string mode)
    {
        // Large enough for the CPU path to split planes over threads (3: uneven chunks); must equal one thread.
        var c = new Case(mode, new Shape(5, 5, 13, 17), new Shape(5, 5, 61, 43));
        var xs = Data.Random(c.X.Size, seed: 21);
        var dys = Data.Random(c.Y.Size, seed: 22);
        (double[] y, double[] dx) On(CpuBackend<double> b)
        {
            using var x = Data.Tensor(b, c.X, xs);
            using var y = b.Allocate(c.Y);
            using var dy = Data.Tensor(b, c.Y, dys);
            using var dx = b.Allocate(c.X);
            c.Forward(x, y);
            c.Backward(dy, dx, accumulate: false);
            return (Data.Read(y), Data.Read(dx));
        }
        var (y3, dx3) = On(new CpuBackend<double>(threads: 3));
        var (y1, dx1) = On(new CpuBackend<double>(threads: 1));
        Assert.That(y3, Is.EqualTo(y1), c + " forward");
        Assert.That(dx3, Is.EqualTo(dx1), c + " backward");
    }

    [TestCaseSource(nameof(Backends))]
    public void NearestHandComputed(DeviceKind kind)
    {
        var b = TestBackends.Get<double>(kind);
        // ×2 of a 2×2: each value fills a 2×2 block; backward sums each block.
        using var x = Data.Tensor(b, new Shape(1, 1, 2, 2), [1, 2, 3, 4]);
        using var y = b.Allocate(new Shape(1, 1, 4, 4));
        Upsample.NearestForward(x, y);
        Assert.That(Data.Read(y), Is.EqualTo(new double[] { 1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4 }));
        using var dy = Data.Tensor(b, y.Shape, Enumerable.Range(0, 16).Select(i => (double)i).ToArray());
        using var dx = b.Allocate(x.Shape);
        Upsample.NearestBackward(dy, dx, accumulate: false);
        Assert.That(Data.Read(dx), Is.EqualTo(new double[] { 0 + 1 + 4 + 5, 2 + 3 + 6 + 7, 8 + 9 + 12 + 13, 10 + 11 + 14 + 15 }));

        // 3 → 7: source floor(o·3/7) = 0, 0, 0, 1, 1, 2, 2 (PyTorch 'nearest' gives the same).
        using var row = Data.Tensor(b, new Shape(1, 1, 1, 3), [1, 2, 3]);
        using var wide = b.Allocate(new Shape(1, 1, 1, 7));
        Upsample.NearestForward(row, wide);
        Assert.That(Data.Read(wide), Is.EqualTo(new double[] { 1, 1, 1, 2, 2, 3, 3 }));
    }

    [TestCaseSource(nameof(Backends))]
    public void BilinearHandComputed(DeviceKind kind)
    {
        var b = TestBackends.Get<double>(kind);
        // 2 → 4 with align_corners = false: src = (o + 0.5)/2 − 0.5 = −0.25, 0.25, 0.75, 1.25; clamped to
        // 0, 0.25, 0.75, 1.25; each axis maps [a, c] to [a, 0.75a + 0.25c, 0.25a + 0.75c, c] (1.25 reads
        // index 1 twice). PyTorch, F.interpolate(torch.tensor([[[[1., 2.], [3., 4.]]]]), size=(4, 4),
        // mode='bilinear', align_corners=False), prints:
        //   [[1.0000, 1.2500, 1.7500, 2.0000],
        //    [1.5000, 1.7500, 2.2500, 2.5000],
        //    [2.5000, 2.7500, 3.2500, 3.5000],
        //    [3.0000, 3.2500, 3.7500, 4.0000]]
        using var x = Data.Tensor(b, new Shape(1, 1, 2, 2), [1, 2, 3, 4]);
        using var y = b.Allocate(new Shape(1, 1, 4, 4));
        Upsample.BilinearForward(x, y);
        Assert.That(Data.Read(y), Is.EqualTo(new[]
        {
            1, 1.25, 1.75, 2,
            1.5, 1.75, 2.25, 2.5,
            2.5, 2.75, 3.25, 3.5,
            3, 3.25, 3.75, 4,
        }).Within(1e-14));
        // Each input's weights along one axis sum to 1 + 0.75 + 0.25 = 2, so dy = 1 gives 2·2 = 4 everywhere.
        using var dy = Data.Tensor(b, y.Shape, Enumerable.Repeat(1.0, 16).ToArray());
        using var dx = b.Allocate(x.Shape);
        Upsample.BilinearBackward(dy, dx, accumulate: false);
        Assert.That(Data.Read(dx), Is.EqualTo(new double[] { 4, 4, 4, 4 }).Within(1e-14));

        // 5 → 3: scale 5/3, src = 1/3, 2, 11/3: [1, 2, 4, 8, 16] → [(2/3)·1 + (1/3)·2, 4, (1/3)·8 + (2/3)·16]
        // = [4/3, 4, 40/3], as PyTorch's 'bilinear' (and 'linear') give.
        using var row = Data.Tensor(b, new Shape(1, 1, 1, 5), [1, 2, 4, 8, 16]);
        using var narrow = b.Allocate(new Shape(1, 1, 1, 3));
        Upsample.BilinearForward(row, narrow);
        Assert.That(Data.Read(narrow), Is.EqualTo(new[] { 4.0 / 3, 4, 40.0 / 3 }).Within(1e-12));
    }

    [Test]
    public void BadShapesNameTheOperationAndShapes()
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        using var x = cpu.Allocate(new Shape(2, 3, 4, 4));
        using var otherChannels = cpu.Allocate(new Shape(2, 4, 8, 8));
        var e = Assert.Throws<ArgumentException>(() => Upsample.NearestForward(x, otherChannels));
        Assert.That(e!.Message, Is.EqualTo("nearest upsample forward: y must have shape [2, 3, Ho, Wo] (batch and channels of x [2, 3, 4, 4]), got [2, 4, 8, 8]"));
        e = Assert.Throws<ArgumentException>(() => Upsample.BilinearBackward(otherChannels, x, accumulate: false));
        Assert.That(e!.Message, Does.StartWith("bilinear upsample backward: dy must have shape [2, 3, Ho, Wo]").And.Contain("[2, 4, 8, 8]"));
        using var flat = cpu.Allocate(new Shape(2, 48));
        e = Assert.Throws<ArgumentException>(() => Upsample.BilinearForward(flat, x));
        Assert.That(e!.Message, Does.Contain("bilinear upsample forward").And.Contain("[B, C, H, W]").And.Contain("[2, 48]"));
    }
}
