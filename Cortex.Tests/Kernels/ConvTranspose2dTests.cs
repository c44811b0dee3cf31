using Cortex.Core.Backends;
using Cortex.Core.Checking;
using Cortex.Core.Kernels;
using Cortex.Core.Tensors;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Kernels;

public sealed class ConvTranspose2dTests
{
    private static IEnumerable<DeviceKind> AllKinds() => TestBackends.All;

    [Test]
    public void OutputShapeFollowsPyTorch()
    {
        // Ho = (3 − 1)·2 − 2·1 + 3 + 1 = 6, Wo = (4 − 1)·2 − 2·1 + 3 + 1 = 8.
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        using var x = cpu.Allocate(new Shape(1, 2, 3, 4));
        using var w = cpu.Allocate(new Shape(2, 5, 3, 3));
        Assert.That(ConvTranspose2d.OutputShape(x, w, stride: 2, padding: 1, outputPadding: 1), Is.EqualTo(new Shape(1, 5, 6, 8)));
    }

    [TestCaseSource(nameof(AllKinds))]
    public void HandComputedUpsampling(DeviceKind kind)
    {
        // x = [[1, 2], [3, 4]], w = [[1, 2], [3, 4]]. Each input pixel a adds a·w to the output window it owns.
        // Stride 2 (windows do not overlap):      Stride 1 (windows overlap by one), bias 1:
        //   1  2  2  4                               1·1+1        1·2+2·1+1        2·2+1          2  5  5
        //   3  4  6  8                               1·3+3·1+1    4+6+6+4+1 = 21   2·4+4·2+1   =  7 21 17
        //   3  6  4  8                               3·3+1        3·4+4·3+1        4·4+1         10 25 17
        //   9 12 12 16
        var b = TestBackends.Get<double>(kind);
        using var x = Data.Tensor(b, new Shape(1, 1, 2, 2), [1, 2, 3, 4]);
        using var w = Data.Tensor(b, new Shape(1, 1, 2, 2), [1, 2, 3, 4]);
        using var bias = Data.Tensor(b, new Shape(1), [1]);
        using var y2 = b.Allocate(new Shape(1, 1, 4, 4));
        using var y1 = b.Allocate(new Shape(1, 1, 3, 3));
        ConvTranspose2d.Forward(x, w, null, y2, stride: 2, padding: 0);
        ConvTranspose2d.Forward(x, w, bias, y1, stride: 1, padding: 0);
        Assert.That(Data.Read(y2), Is.EqualTo(new double[] { 1, 2, 2, 4, 3, 4, 6, 8, 3, 6, 4, 8, 9, 12, 12, 16 }).Within(1e-12));
        Assert.That(Data.Read(y1), Is.EqualTo(new double[] { 2, 5, 5, 7, 21, 17, 10, 25, 17 }).Within(1e-12));
    }

    /// <summary>(kernel, stride, padding, output padding, H, W): H and W chosen so that conv maps the transposed output back onto them.</summary>
    private static readonly (int K, int Stride, int Padding, int OutputPadding, int H, int W)[] Geometries =
        [(3, 1, 1, 0, 4, 3), (3, 2, 1, 0, 3, 4), (2, 2, 0, 0, 3, 2), (3, 2, 0, 1, 2, 3)];

    private static IEnumerable<TestCaseData> Cases(DeviceKind[] kinds)
    {
        foreach (var kind in kinds)
            foreach (var (k, s, p, op, h, w) in Geometries)
                yield return new TestCaseData(kind, k, s, p, op, h, w).SetArgDisplayNames(kind.ToString(), $"k{k}", $"s{s}", $"p{p}", $"op{op}", $"{h}x{w}");
    }

    private static IEnumerable<TestCaseData> EveryBackend() => Cases(TestBackends.All);

    private static IEnumerable<TestCaseData> IlgpuBackends() => Cases(TestBackends.Ilgpu);

    [TestCaseSource(nameof(EveryBackend))]
    public void IsTheAdjointOfConv2d(DeviceKind kind, int k, int stride, int padding, int outputPadding, int h, int w)
    {
        // ⟨conv(u, w), v⟩ = ⟨u, convT(v, w)⟩ with the same weight tensor: [Co, Ci, k, k] for conv is [Ci, Co, k, k] for convT.
        var b = TestBackends.Get<double>(kind);
        using var v = Data.Tensor(b, new Shape(2, 2, h, w), Data.Random(2 * 2 * h * w, 1));
        using var wt = Data.Tensor(b, new Shape(2, 3, k, k), Data.Random(2 * 3 * k * k, 2));
        var uShape = ConvTranspose2d.OutputShape(v, wt, stride, padding, outputPadding);
        using var u = Data.Tensor(b, uShape, Data.Random(uShape.Size, 3));
        using var convU = b.Allocate(v.Shape);
        using var convTv = b.Allocate(uShape);
        Conv2d.Forward(u, wt, null, convU, stride, padding);
        ConvTranspose2d.Forward(v, wt, null, convTv, stride, padding, outputPadding);
        double left = Dot(Data.Read(convU), Data.Read(v)), right = Dot(Data.Read(u), Data.Read(convTv));
        Assert.That(left, Is.EqualTo(right).Within(1e-10 * (1 + Math.Abs(left))));
    }

    [TestCaseSource(nameof(EveryBackend))]
    public void GradientsMatchFiniteDifferences(DeviceKind kind, int k, int stride, int padding, int outputPadding, int h, int w)
    {
        var b = TestBackends.Get<double>(kind);
        var xShape = new Shape(2, 3, h, w);
        var wShape = new Shape(3, 2, k, k);
        Shape yShape;
        using (var probe = b.Allocate(xShape))
        using (var probeW = b.Allocate(wShape))
            yShape = ConvTranspose2d.OutputShape(probe, probeW, stride, padding, outputPadding);
        GradientCheck.Assert("conv transpose2d", [Data.Random(xShape.Size, 1), Data.Random(wShape.Size, 2), Data.Random(2, 3)],
            inputs =>
            {
                using var x = Data.Tensor(b, xShape, inputs[0]);
                using var wt = Data.Tensor(b, wShape, inputs[1]);
                using var bias = Data.Tensor(b, new Shape(2), inputs[2]);
                using var y = b.Allocate(yShape);
                ConvTranspose2d.Forward(x, wt, bias, y, stride, padding, outputPadding);
                return Data.Read(y);
            },
            (inputs, grad) =>
            {
                using var x = Data.Tensor(b, xShape, inputs[0]);
                using var wt = Data.Tensor(b, wShape, inputs[1]);
                using var dy = Data.Tensor(b, yShape, grad);
                using var dx = Data.Tensor(b, xShape, Data.Random(xShape.Size, 9));
                using var dw = b.Allocate(wShape);
                using var db = b.Allocate(new Shape(2));
                ConvTranspose2d.BackwardData(dy, wt, dx, stride, padding, outputPadding, accumulate: false);
                ConvTranspose2d.BackwardWeights(x, dy, dw, db, stride, padding, outputPadding);
                return [Data.Read(dx), Data.Read(dw), Data.Read(db)];
            });
    }

    [TestCaseSource(nameof(IlgpuBackends))]
    public void FloatAgreesWithCpuPath(DeviceKind kind, int k, int stride, int padding, int outputPadding, int h, int w)
    {
        var on = Run(TestBackends.Get<float>(kind), k, stride, padding, outputPadding, h, w);
        var expected = Run(TestBackends.Get<float>(DeviceKind.Cpu), k, stride, padding, outputPadding, h, w);
        for (int i = 0; i < on.Length; i++)
            Data.AssertClose(on[i], expected[i], TestBackends.AgreementTolerance<float>(), $"{kind} output {i}");
    }

    [TestCaseSource(nameof(IlgpuBackends))]
    public void GemmLoweringAgreesWithCpuPath(DeviceKind kind, int k, int stride, int padding, int outputPadding, int h, int w)
    {
        // No direct kernels, one image per chunk, the weight gradient cut into slices: the paths larger layers take.
        var backend = TestBackends.Get<float>(kind);
        var expected = Run(TestBackends.Get<float>(DeviceKind.Cpu), k, stride, padding, outputPadding, h, w);
        var saved = Conv2d.Tuning;
        Conv2d.Tuning = new Conv2d.GpuTuning(MaxChunkImages: 1, DirectMaxK: 0, MinSliceColumns: 4, TargetBlocks: 1000);
        double[][] on;
        try
        {
            on = Run(backend, k, stride, padding, outputPadding, h, w);
        }
        finally
        {
            Conv2d.Tuning = saved;
        }
        for (int i = 0; i < on.Length; i++)
            Data.AssertClose(on[i], expected[i], TestBackends.AgreementTolerance<float>(), $"{kind} output {i}");
    }

    [Test]
    public void BadArgumentsNameTheOperationAndShapes()
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        using var x = cpu.Allocate(new Shape(1, 2, 3, 4));
        using var w = cpu.Allocate(new Shape(3, 5, 3, 3));
        using var w2 = cpu.Allocate(new Shape(2, 5, 3, 3));
        using var y = cpu.Allocate(new Shape(1, 5, 5, 7));
        var e = Assert.Throws<ArgumentException>(() => ConvTranspose2d.Forward(x, w, null, y, 2, 1));
        Assert.That(e!.Message, Does.Contain("conv transpose2d forward").And.Contain("[3, 5, 3, 3]").And.Contain("[1, 2, 3, 4]"));
        var r = Assert.Throws<ArgumentOutOfRangeException>(() => ConvTranspose2d.Forward(x, w2, null, y, 2, 1, outputPadding: 2));
        Assert.That(r!.Message, Does.Contain("output padding").And.Contain("[1, 2, 3, 4]"));
        e = Assert.Throws<ArgumentException>(() => ConvTranspose2d.Forward(x, w2, null, y, 2, 0));
        Assert.That(e!.Message, Does.Contain("y must have shape [1, 5, 7, 9]").And.Contain("[1, 5, 5, 7]"));
    }

    /// <summary>[y, dx, dw, dbias] of one forward (with bias, accumulated) and both backward passes (accumulated).</summary>
    private static double[][] Run(IBackend<float> b, int k, int stride, int padding, int outputPadding, int h, int w)
    {
        var xShape = new Shape(2, 3, h, w);
        using var x = Data.Tensor(b, xShape, Data.Random(xShape.Size, 5));
        using var wt = Data.Tensor(b, new Shape(3, 2, k, k), Data.Random(3 * 2 * k * k, 6));
        using var bias = Data.Tensor(b, new Shape(2), [0.25, -0.5]);
        var yShape = ConvTranspose2d.OutputShape(x, wt, stride, padding, outputPadding);
        using var y = Data.Tensor(b, yShape, Data.Random(yShape.Size, 7));
        using var dy = Data.Tensor(b, yShape, Data.Random(yShape.Size, 8));
        using var dx = Data.Tensor(b, xShape, Data.Random(xShape.Size, 9));
        using var dw = Data.Tensor(b, wt.Shape, Data.Random(wt.Length, 10));
        using var db = Data.Tensor(b, new Shape(2), [1, 2]);
        ConvTranspose2d.Forward(x, wt, bias, y, stride, padding, outputPadding, accumulate: true);
        ConvTranspose2d.BackwardData(dy, wt, dx, stride, padding, outputPadding, accumulate: true);
        ConvTranspose2d.BackwardWeights(x, dy, dw, db, stride, padding, outputPadding);
        return [Data.Read(y), Data.Read(dx), Data.Read(dw), Data.Read(db)];
    }

    private static double Dot(double[] a, double[] b) => a.Zip(b, (p, q) => p * q).Sum();
}
