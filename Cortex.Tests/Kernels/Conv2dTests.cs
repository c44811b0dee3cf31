using Cortex.Core.Backends;
using Cortex.Core.Checking;
using Cortex.Core.Kernels;
using Cortex.Core.Tensors;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Kernels;

public sealed class Conv2dTests
{
    // The 3×3 image used by the hand-computed cases:
    //   1 2 3
    //   4 5 6
    //   7 8 9
    private static readonly double[] Image = [1, 2, 3, 4, 5, 6, 7, 8, 9];

    private static IEnumerable<DeviceKind> AllKinds() => TestBackends.All;

    [TestCaseSource(nameof(AllKinds))]
    public void TwoByTwoKernelWithoutPadding(DeviceKind kind)
    {
        // w = [[1, 2], [3, 4]], stride 1, padding 0: y[i, j] = x[i, j] + 2x[i, j+1] + 3x[i+1, j] + 4x[i+1, j+1]
        //   y[0, 0] = 1 + 4 + 12 + 20 = 37    y[0, 1] = 2 + 6 + 15 + 24 = 47
        //   y[1, 0] = 4 + 10 + 21 + 32 = 67   y[1, 1] = 5 + 12 + 24 + 36 = 77
        var b = TestBackends.Get<double>(kind);
        using var x = Data.Tensor(b, new Shape(1, 1, 3, 3), Image);
        using var w = Data.Tensor(b, new Shape(1, 1, 2, 2), [1, 2, 3, 4]);
        using var y = b.Allocate(new Shape(1, 1, 2, 2));
        Conv2d.Forward(x, w, null, y, stride: 1, padding: 0);
        Assert.That(Data.Read(y), Is.EqualTo(new double[] { 37, 47, 67, 77 }).Within(1e-12));

        // With dy = 1 everywhere, dx[i, j] sums the weights that touch pixel (i, j):
        //   1        1+2          2            = 1  3  2
        //   1+3      1+2+3+4      2+4            4 10  6
        //   3        3+4          4              3  7  4
        // and dw[u, v] sums the pixels each weight saw: dw = [[1+2+4+5, 2+3+5+6], [4+5+7+8, 5+6+8+9]] = [[12, 16], [24, 28]].
        using var dy = Data.Tensor(b, y.Shape, [1, 1, 1, 1]);
        using var dx = b.Allocate(x.Shape);
        using var dw = b.Allocate(w.Shape);
        using var db = b.Allocate(new Shape(1));
        Conv2d.BackwardData(dy, w, dx, stride: 1, padding: 0, accumulate: false);
        Conv2d.BackwardWeights(x, dy, dw, db, stride: 1, padding: 0);
        Assert.That(Data.Read(dx), Is.EqualTo(new double[] { 1, 3, 2, 4, 10, 6, 3, 7, 4 }).Within(1e-12));
        Assert.That(Data.Read(dw), Is.EqualTo(new double[] { 12, 16, 24, 28 }).Within(1e-12));
        Assert.That(Data.Read(db), Is.EqualTo(new double[] { 4 }).Within(1e-12));
    }

    [TestCaseSource(nameof(AllKinds))]
    public void ThreeByThreeOnesWithPaddingAndStride(DeviceKind kind)
    {
        // w = all ones, padding 1: y[i, j] = bias + the sum of the 3×3 neighbourhood of (i, j) inside the image.
        //   1+2+4+5 = 12        1+…+6 = 21        2+3+5+6 = 16
        //   1+2+4+5+7+8 = 27    1+…+9 = 45        2+3+5+6+8+9 = 33
        //   4+5+7+8 = 24        4+…+9 = 39        5+6+8+9 = 28
        // Stride 2 keeps the corners only: (3 + 2 − 3) / 2 + 1 = 2 outputs a side.
        var b = TestBackends.Get<double>(kind);
        using var x = Data.Tensor(b, new Shape(1, 1, 3, 3), Image);
        using var w = Data.Tensor(b, new Shape(1, 1, 3, 3), [1, 1, 1, 1, 1, 1, 1, 1, 1]);
        using var bias = Data.Tensor(b, new Shape(1), [0.5]);
        using var y1 = b.Allocate(new Shape(1, 1, 3, 3));
        using var y2 = b.Allocate(new Shape(1, 1, 2, 2));
        Conv2d.Forward(x, w, bias, y1, stride: 1, padding: 1);
        Conv2d.Forward(x, w, bias, y2, stride: 2, padding: 1);
        Assert.That(Data.Read(y1), Is.EqualTo(new[] { 12.5, 21.5, 16.5, 27.5, 45.5, 33.5, 24.5, 39.5, 28.5 }).Within(1e-12));
        Assert.That(Data.Read(y2), Is.EqualTo(new[] { 12.5, 16.5, 24.5, 28.5 }).Within(1e-12));

        // Stride 2, dy = [[1, 2], [3, 4]]: each output spreads its dy over the 3×3 window around its corner:
        //   dx = 1   1+2   2       = 1  3  2
        //        1+3 1+2+3+4 2+4     4 10  6
        //        3   3+4   4         3  7  4
        using var dy = Data.Tensor(b, y2.Shape, [1, 2, 3, 4]);
        using var dx = b.Allocate(x.Shape);
        Conv2d.BackwardData(dy, w, dx, stride: 2, padding: 1, accumulate: false);
        Assert.That(Data.Read(dx), Is.EqualTo(new double[] { 1, 3, 2, 4, 10, 6, 3, 7, 4 }).Within(1e-12));
    }

    /// <summary>(kernel height, kernel width, stride, padding) for the random cases.</summary>
    private static readonly (int Kh, int Kw, int Stride, int Padding)[] Geometries =
        [(3, 3, 1, 0), (3, 3, 1, 1), (3, 3, 2, 0), (3, 3, 2, 1), (1, 1, 1, 0), (2, 3, 2, 1)];

    private static IEnumerable<TestCaseData> Cases(DeviceKind[] kinds)
    {
        foreach (var kind in kinds)
            foreach (var (kh, kw, s, p) in Geometries)
                yield return new TestCaseData(kind, kh, kw, s, p).SetArgDisplayNames(kind.ToString(), $"{kh}x{kw}", $"s{s}", $"p{p}");
    }

    private static IEnumerable<TestCaseData> EveryBackend() => Cases(TestBackends.All);

    private static IEnumerable<TestCaseData> IlgpuBackends() => Cases(TestBackends.Ilgpu);

    [TestCaseSource(nameof(EveryBackend))]
    public void GradientsMatchFiniteDifferences(DeviceKind kind, int kh, int kw, int stride, int padding)
    {
        var b = TestBackends.Get<double>(kind);
        var g = new Conv2dGeometry(2, 3, 5, 7, 2, kh, kw, stride, padding);
        GradientCheck.Assert("conv2d", [Data.Random(g.InputShape.Size, 1), Data.Random(g.WeightShape.Size, 2), Data.Random(2, 3)],
            inputs =>
            {
                using var x = Data.Tensor(b, g.InputShape, inputs[0]);
                using var w = Data.Tensor(b, g.WeightShape, inputs[1]);
                using var bias = Data.Tensor(b, new Shape(2), inputs[2]);
                using var y = b.Allocate(g.OutputShape);
                Conv2d.Forward(x, w, bias, y, stride, padding);
                return Data.Read(y);
            },
            (inputs, grad) =>
            {
                using var x = Data.Tensor(b, g.InputShape, inputs[0]);
                using var w = Data.Tensor(b, g.WeightShape, inputs[1]);
                using var dy = Data.Tensor(b, g.OutputShape, grad);
                using var dx = Data.Tensor(b, g.InputShape, Data.Random(g.InputShape.Size, 9));
                using var dw = b.Allocate(g.WeightShape);
                using var db = b.Allocate(new Shape(2));
                Conv2d.BackwardData(dy, w, dx, stride, padding, accumulate: false);
                Conv2d.BackwardWeights(x, dy, dw, db, stride, padding);
                return [Data.Read(dx), Data.Read(dw), Data.Read(db)];
            });
    }

    [TestCaseSource(nameof(IlgpuBackends))]
    public void FloatAgreesWithCpuPath(DeviceKind kind, int kh, int kw, int stride, int padding)
    {
        var backend = TestBackends.Get<float>(kind);
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        var g = new Conv2dGeometry(3, 4, 7, 6, 5, kh, kw, stride, padding);
        var on = Run(backend, g, seed: 11);
        var expected = Run(cpu, g, seed: 11);
        double tol = TestBackends.AgreementTolerance<float>();
        for (int i = 0; i < on.Length; i++)
            Data.AssertClose(on[i], expected[i], tol, $"{kind} output {i}");
    }

    private static IEnumerable<TestCaseData> LoweredCases()
    {
        foreach (var kind in TestBackends.Ilgpu)
            foreach (int batch in new[] { 3, 7 })
                foreach (var (ci, co) in new[] { (3, 4), (4, 2) })
                    foreach (var (kh, kw, s, p) in new[] { (3, 3, 1, 1), (3, 3, 2, 0), (1, 1, 1, 0), (2, 3, 2, 1), (2, 3, 1, 2) })
                        yield return new TestCaseData(kind, batch, ci, co, kh, kw, s, p)
                            .SetArgDisplayNames(kind.ToString(), $"b{batch}", $"{ci}to{co}", $"{kh}x{kw}", $"s{s}", $"p{p}");
    }

    [TestCaseSource(nameof(LoweredCases))]
    public void GemmLoweringAgreesWithCpuPathAcrossChunksAndSlices(DeviceKind kind, int batch, int ci, int co, int kh, int kw, int stride, int padding)
    {
        // No direct kernels, two images per chunk (3 and 7 leave a short last chunk), and the weight gradient's
        // inner dimension cut into 32-column slices plus a shorter tail: every path the default tuning keeps for
        // larger layers, on tiny shapes. Fewer output than input channels at stride 1 take the adjoint
        // convolution for backward-data (padding 2 > Kh − 1 crops), more take col2im.
        var backend = TestBackends.Get<float>(kind);
        var g = new Conv2dGeometry(batch, ci, 6, 7, co, kh, kw, stride, padding);
        var expected = Run(TestBackends.Get<float>(DeviceKind.Cpu), g, seed: 21);
        var saved = Conv2d.Tuning;
        Conv2d.Tuning = new Conv2d.GpuTuning(MaxChunkImages: 2, DirectMaxK: 0, MinSliceColumns: 4, TargetBlocks: 1000);
        double[][] on;
        try
        {
            on = Run(backend, g, seed: 21);
        }
        finally
        {
            Conv2d.Tuning = saved;
        }
        for (int i = 0; i < on.Length; i++)
            Data.AssertClose(on[i], expected[i], TestBackends.AgreementTolerance<float>(), $"{kind} output {i}");
    }

    [TestCase(1000, 4, 300)]
    [TestCase(1000, 4, 20)]
    [TestCase(1, 4, 300)]
    [TestCase(256, 512, 100352)]
    public void WeightGradientSlicesCoverTheInnerDimension(int targetBlocks, int minSlice, int columns)
    {
        var saved = Conv2d.Tuning;
        Conv2d.Tuning = Conv2d.GpuTuning.Default with { TargetBlocks = targetBlocks, MinSliceColumns = minSlice };
        try
        {
            var split = Conv2d.SplitOf<float>(32, 9, columns);
            Assert.That(split.Full * split.Length + split.Tail, Is.EqualTo(columns));
            Assert.That(split.Tail, Is.LessThan(split.Length));
            Assert.That(split.Count, Is.LessThanOrEqualTo(Math.Max(1, targetBlocks)));
            if (split.Count > 1) Assert.That(split.Length % 32, Is.Zero);
        }
        finally
        {
            Conv2d.Tuning = saved;
        }
    }

    [Test]
    public void DivisorsDivideExactly()
    {
        var random = new Random(5);
        int[] divisors = [1, 2, 3, 7, 9, 28, 196, 784, 1000, 65_537, 1 << 20, (1 << 30) + 1, int.MaxValue];
        foreach (int d in divisors)
        {
            var divisor = Conv2d.Divisor.Of(d);
            int[] edges = [0, 1, d - 1, d, d + 1, 2 * d - 1, int.MaxValue - 1, int.MaxValue, int.MaxValue / d * d, int.MaxValue / d * d - 1];
            foreach (int x in edges.Where(e => e >= 0).Concat(Enumerable.Range(0, 2000).Select(_ => random.Next())))
                Assert.That(divisor.Divide(x), Is.EqualTo(x / d), $"{x} / {d}");
        }
    }

    [TestCase(1, 0)]
    [TestCase(2, 1)]
    [TestCase(1, 2)]
    public void CpuMatchesDirectSumAcrossColumnBlocks(int stride, int padding)
    {
        // 32 input channels at 28×27 unfold into several L2-sized column blocks per image.
        var cpu = TestBackends.Get<double>(DeviceKind.Cpu);
        var g = new Conv2dGeometry(2, 32, 28, 27, 3, 3, 3, stride, padding);
        var actual = Run(cpu, g, seed: 4);
        var expected = Reference(g, seed: 4);
        for (int i = 0; i < actual.Length; i++)
            Data.AssertClose(actual[i], expected[i], 1e-10, $"output {i}");
    }

    [TestCase(1, 1, 3, 3)]
    [TestCase(1, 0, 3, 3)]
    [TestCase(1, 3, 3, 2)]
    [TestCase(2, 1, 3, 3)]
    public void FloatCpuMatchesDirectSumAcrossBlocks(int stride, int padding, int kh, int kw)
    {
        // 128 channels at 28×27 split each image into several blocks; 5 output channels leave a partial tile.
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        var g = new Conv2dGeometry(2, 128, 28, 27, 5, kh, kw, stride, padding);
        var actual = Run(cpu, g, seed: 6);
        var expected = Reference(g, seed: 6);
        for (int i = 0; i < actual.Length; i++)
            Data.AssertClose(actual[i], expected[i], 1e-4, $"output {i}");
    }

    [TestCase(2, 8, 14, 14, 40, 1)]
    [TestCase(2, 33, 14, 14, 36, 1)]
    [TestCase(2, 8, 28, 28, 33, 2)]
    [TestCase(1, 34, 28, 27, 32, 2)]
    [TestCase(1, 64, 28, 28, 16, 2)]
    [TestCase(3, 8, 9, 11, 64, 1)]
    [TestCase(2, 8, 28, 28, 32, 1)]
    [TestCase(1, 32, 28, 28, 8, 1)]
    [TestCase(1, 128, 28, 27, 32, 1)]
    [TestCase(2, 32, 28, 28, 64, 2)]
    [TestCase(1, 64, 27, 28, 64, 2)]
    public void FloatCpuMatchesDirectSumOnChannelVectorTiles(int batch, int ci, int h, int w, int co, int stride)
    {
        // Outputs (or, backward, inputs) 14 or 28 wide with 32 or more channels take the row tiles, with the channels past
        // the last whole group of 32 on the wide tiles; stride 2 goes through the phases both ways. A multiple of 32
        // output channels takes the channel-vector weight gradient (128 channels at 28×27: several row blocks per image).
        // Every case has at least 64 taps (below that the wide tiles are used). Backward-data at stride 2 into rows 28 wide,
        // with every phase on row tiles (64 output channels, so even the one-tap phase has 64 taps) and a multiple of 32
        // input channels, stores both column phases interleaved straight into dx (27 rows: the last row phase is short).
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        var g = new Conv2dGeometry(batch, ci, h, w, co, 3, 3, stride, 1);
        var actual = Run(cpu, g, seed: 9);
        var expected = Reference(g, seed: 9);
        for (int i = 0; i < actual.Length; i++)
            Data.AssertClose(actual[i], expected[i], 1e-4, $"output {i}");
    }

    [TestCase(2, 1, 28, 28, 32, 1)]
    [TestCase(3, 2, 20, 17, 8, 1)]
    [TestCase(1, 3, 32, 32, 16, 1)]
    [TestCase(2, 1, 56, 55, 8, 2)]
    [TestCase(1, 7, 19, 30, 24, 1)]
    [TestCase(2, 1, 28, 28, 5, 1)]
    public void FloatCpuMatchesDirectSumOnPlaneTiles(int batch, int ci, int h, int w, int co, int stride)
    {
        // Fewer than 64 taps and outputs 17 to 32 wide (the 1→32 convolution of an image) take the plane tiles forward: 8 output
        // channels × one row (5 channels: the wide tiles; 24: three tiles), 9 to 63 taps, stride 2 through the phases, 17 and 32
        // wide the narrowest and widest rows; with and without accumulating into y.
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        var g = new Conv2dGeometry(batch, ci, h, w, co, 3, 3, stride, 1);
        foreach (bool prior in new[] { true, false })
        {
            var actual = Run(cpu, g, seed: 12, prior);
            var expected = Reference(g, seed: 12);
            var priors = Priors(g, seed: 12);
            for (int i = 0; i < actual.Length; i++)
                Data.AssertClose(actual[i], prior ? expected[i] : expected[i].Zip(priors[i], (e, p) => e - p).ToArray(), 1e-4,
                    $"output {i}{(prior ? ", accumulated" : "")}");
        }
    }

    [TestCase(2, 8, 28, 28, 32, 1)]
    [TestCase(2, 33, 14, 14, 64, 1)]
    [TestCase(1, 64, 28, 28, 32, 2)]
    [TestCase(2, 32, 28, 28, 64, 2)]
    public void FloatCpuRowTilesOverwriteWhenNotAccumulating(int batch, int ci, int h, int w, int co, int stride)
    {
        // Where every output channel is in a row tile, the tiles are stored straight into y (and, backward, dx) under a mask;
        // without accumulate nothing that was there survives: fresh outputs are the reference less its priors.
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        var g = new Conv2dGeometry(batch, ci, h, w, co, 3, 3, stride, 1);
        var actual = Run(cpu, g, seed: 9, prior: false);
        var expected = Reference(g, seed: 9);
        var priors = Priors(g, seed: 9);
        for (int i = 0; i < actual.Length; i++)
            Data.AssertClose(actual[i], expected[i].Zip(priors[i], (e, p) => e - p).ToArray(), 1e-4, $"output {i}");
    }

    [TestCase(3, 5, 14, 14, 64)]
    [TestCase(17, 3, 9, 11, 5)]
    public void WeightGradientDoesNotDependOnTheThreadCount(int batch, int ci, int h, int w, int co)
    {
        // Partial sums per range of images, added in order: the same bits from 1, 2 or 3 threads and from run to run,
        // on the float direct paths (64 output channels: channel-vector tiles; 5: wide tiles) and the double GEMM path.
        var g = new Conv2dGeometry(batch, ci, h, w, co, 3, 3, 1, 1);
        foreach (var threads in new[] { 1, 2, 3 })
        {
            Assert.That(WeightGradient(new CpuBackend<float>(threads), g), Is.EqualTo(WeightGradient(new CpuBackend<float>(1), g)), $"float, {threads} threads");
            Assert.That(WeightGradient(new CpuBackend<double>(threads), g), Is.EqualTo(WeightGradient(new CpuBackend<double>(1), g)), $"double, {threads} threads");
        }
    }

    private static double[] WeightGradient<T>(CpuBackend<T> b, Conv2dGeometry g) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        using var x = Data.Tensor(b, g.InputShape, Data.Random(g.InputShape.Size, 21));
        using var dy = Data.Tensor(b, g.OutputShape, Data.Random(g.OutputShape.Size, 22));
        using var dw = b.Allocate(g.WeightShape);
        using var db = b.Allocate(new Shape(g.OutChannels));
        Conv2d.BackwardWeights(x, dy, dw, db, g.Stride, g.Padding);
        return [.. Data.Read(dw), .. Data.Read(db)];
    }

    [TestCaseSource(nameof(AllKinds))]
    public void AccumulateAddsToWhatIsThere(DeviceKind kind)
    {
        var b = TestBackends.Get<double>(kind);
        var g = new Conv2dGeometry(2, 2, 4, 5, 3, 3, 3, 1, 1);
        var fresh = Run(b, g, seed: 8, prior: false);
        var onPrior = Run(b, g, seed: 8, prior: true);
        var prior = Priors(g, seed: 8);
        for (int i = 0; i < fresh.Length; i++)
        {
            var sum = fresh[i].Zip(prior[i], (f, p) => f + p).ToArray();
            Data.AssertClose(onPrior[i], sum, 1e-12, $"output {i} accumulated");
        }
    }

    [Test]
    public void BadArgumentsNameTheOperationAndShapes()
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        using var x = cpu.Allocate(new Shape(2, 3, 5, 7));
        using var w = cpu.Allocate(new Shape(4, 2, 3, 3));
        using var w3 = cpu.Allocate(new Shape(4, 3, 3, 3));
        using var y = cpu.Allocate(new Shape(2, 4, 5, 5));
        var e = Assert.Throws<ArgumentException>(() => Conv2d.Forward(x, w, null, y, 1, 1));
        Assert.That(e!.Message, Does.Contain("conv2d forward").And.Contain("[4, 2, 3, 3]").And.Contain("[2, 3, 5, 7]"));
        e = Assert.Throws<ArgumentException>(() => Conv2d.Forward(x, w3, null, y, 1, 1));
        Assert.That(e!.Message, Does.Contain("conv2d forward").And.Contain("[2, 4, 5, 7]").And.Contain("[2, 4, 5, 5]"));
        var r = Assert.Throws<ArgumentOutOfRangeException>(() => Conv2d.BackwardWeights(x, y, w3, null, 0, 1));
        Assert.That(r!.Message, Does.Contain("conv2d backward weights").And.Contain("stride").And.Contain("[2, 3, 5, 7]"));
        e = Assert.Throws<ArgumentException>(() => Conv2d.BackwardData(y, w3, x, 1, 0, false));
        Assert.That(e!.Message, Does.Contain("conv2d backward data").And.Contain("dy").And.Contain("[2, 4, 3, 5]"));
        using var big = cpu.Allocate(new Shape(4, 3, 9, 9));
        e = Assert.Throws<ArgumentException>(() => Conv2dGeometry.From(x, big, 1, 1));
        Assert.That(e!.Message, Does.Contain("empty"));
    }

    // --- shared pieces: one call of every pass, with priors for the accumulating outputs, and a direct-sum reference.

    private static double[][] Priors(Conv2dGeometry g, int seed) =>
        [Data.Random(g.OutputShape.Size, seed + 10), Data.Random(g.InputShape.Size, seed + 11), Data.Random(g.WeightShape.Size, seed + 12),
            Data.Random(g.OutChannels, seed + 13)];

    /// <summary>[y, dx, dw, dbias] from forward (with bias), backward-data and backward-weights, each added to a prior when asked.</summary>
    private static double[][] Run<T>(IBackend<T> b, Conv2dGeometry g, int seed, bool prior = true)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        var p = Priors(g, seed);
        using var x = Data.Tensor(b, g.InputShape, Data.Random(g.InputShape.Size, seed));
        using var w = Data.Tensor(b, g.WeightShape, Data.Random(g.WeightShape.Size, seed + 1));
        using var bias = Data.Tensor(b, new Shape(g.OutChannels), Data.Random(g.OutChannels, seed + 2));
        using var dy = Data.Tensor(b, g.OutputShape, Data.Random(g.OutputShape.Size, seed + 3));
        using var y = prior ? Data.Tensor(b, g.OutputShape, p[0]) : b.Allocate(g.OutputShape);
        using var dx = prior ? Data.Tensor(b, g.InputShape, p[1]) : Data.Tensor(b, g.InputShape, Data.Random(g.InputShape.Size, 99));
        using var dw = prior ? Data.Tensor(b, g.WeightShape, p[2]) : b.Allocate(g.WeightShape);
        using var db = prior ? Data.Tensor(b, new Shape(g.OutChannels), p[3]) : b.Allocate(new Shape(g.OutChannels));
        Conv2d.Forward(x, w, bias, y, g.Stride, g.Padding, accumulate: prior);
        Conv2d.BackwardData(dy, w, dx, g.Stride, g.Padding, accumulate: prior);
        Conv2d.BackwardWeights(x, dy, dw, db, g.Stride, g.Padding);
        return [Data.Read(y), Data.Read(dx), Data.Read(dw), Data.Read(db)];
    }

    /// <summary>What <see cref="Run{T}"/> computes (with priors), as plain loops over the definition.</summary>
    private static double[][] Reference(Conv2dGeometry g, int seed)
    {
        var p = Priors(g, seed);
        var x = Data.Random(g.InputShape.Size, seed);
        var w = Data.Random(g.WeightShape.Size, seed + 1);
        var bias = Data.Random(g.OutChannels, seed + 2);
        var dy = Data.Random(g.OutputShape.Size, seed + 3);
        var (y, dx, dw, db) = (p[0], p[1], p[2], p[3]);
        int ho = g.OutHeight, wo = g.OutWidth;
        for (int b = 0; b < g.Batch; b++)
            for (int o = 0; o < g.OutChannels; o++)
                for (int i = 0; i < ho; i++)
                    for (int j = 0; j < wo; j++)
                    {
                        int yi = ((b * g.OutChannels + o) * ho + i) * wo + j;
                        y[yi] += bias[o];
                        db[o] += dy[yi];
                        for (int c = 0; c < g.InChannels; c++)
                            for (int u = 0; u < g.KernelHeight; u++)
                                for (int v = 0; v < g.KernelWidth; v++)
                                {
                                    int ih = i * g.Stride - g.Padding + u, iw = j * g.Stride - g.Padding + v;
                                    if (ih < 0 || ih >= g.InHeight || iw < 0 || iw >= g.InWidth) continue;
                                    int xi = ((b * g.InChannels + c) * g.InHeight + ih) * g.InWidth + iw;
                                    int wi = ((o * g.InChannels + c) * g.KernelHeight + u) * g.KernelWidth + v;
                                    y[yi] += w[wi] * x[xi];
                                    dx[xi] += w[wi] * dy[yi];
                                    dw[wi] += x[xi] * dy[yi];
                                }
                    }
        return [y, dx, dw, db];
    }
}
