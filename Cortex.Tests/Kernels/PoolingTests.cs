using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Checking;
using Cortex.Core.Kernels;
using Cortex.Core.Tensors;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Kernels;

public sealed class PoolingTests
{
    private static readonly Shape Awkward = new(2, 3, 7, 5);

    /// <summary>One pooling configuration: "max", "avg" or "global", with its window.</summary>
    public sealed record Case(string Kind, int Kernel = 0, int Stride = 0, int Padding = 0)
    {
        public override string ToString() => Kind == "global" ? "global avg" : $"{Kind} k{Kernel} s{Stride} p{Padding}";

        public Shape Output(Shape x) => Kind == "global"
            ? new Shape(x[0], x[1])
            : new Shape(x[0], x[1], Pool2d.OutputSize(x[2], Kernel, Stride, Padding), Pool2d.OutputSize(x[3], Kernel, Stride, Padding));

        public void Forward<T>(Tensor<T> x, Tensor<T> y) where T : unmanaged, IFloatingPointIeee754<T>
        {
            switch (Kind)
            {
                case "max": Pool2d.MaxForward(x, y, Kernel, Stride, Padding); break;
                case "avg": Pool2d.AvgForward(x, y, Kernel, Stride, Padding); break;
                default: Pool2d.GlobalAvgForward(x, y); break;
            }
        }

        public void Backward<T>(Tensor<T> x, Tensor<T> y, Tensor<T> dy, Tensor<T> dx, bool accumulate) where T : unmanaged, IFloatingPointIeee754<T>
        {
            switch (Kind)
            {
                case "max": Pool2d.MaxBackward(x, y, dy, dx, Kernel, Stride, Padding, accumulate); break;
                case "avg": Pool2d.AvgBackward(dy, dx, Kernel, Stride, Padding, accumulate); break;
                default: Pool2d.GlobalAvgBackward(dy, dx, accumulate); break;
            }
        }
    }

    private static readonly Case[] Configurations =
    [
        new("max", 3, 2, 1), new("max", 2, 2, 0), new("max", 3, 1, 2),
        new("avg", 3, 2, 1), new("avg", 2, 1, 1), new("avg", 2, 2, 0),
        new("global"),
    ];

    private static IEnumerable<TestCaseData> Cases(DeviceKind[] kinds)
    {
        foreach (var kind in kinds)
            foreach (var c in Configurations)
                yield return new TestCaseData(kind, c).SetArgDisplayNames(kind.ToString(), c.ToString());
    }

    private static IEnumerable<TestCaseData> AllCases() => Cases(TestBackends.All);

    private static IEnumerable<TestCaseData> IlgpuCases() => Cases(TestBackends.Ilgpu);

    /// <summary>Distinct values at least 0.05 apart, shuffled: no near-ties for max pooling's finite differences.</summary>
    private static double[] Distinct(int n, int seed)
    {
        var values = Enumerable.Range(0, n).Select(i => (i - n / 2) * 0.05).ToArray();
        new Random(seed).Shuffle(values);
        return values;
    }

    [TestCaseSource(nameof(AllCases))]
    public void GradientsMatchFiniteDifferences(DeviceKind kind, Case c)
    {
        var backend = TestBackends.Get<double>(kind);
        var yShape = c.Output(Awkward);
        GradientCheck.Assert(c.ToString(), [Distinct(Awkward.Size, 3)],
            inputs =>
            {
                using var x = Data.Tensor(backend, Awkward, inputs[0]);
                using var y = backend.Allocate(yShape);
                c.Forward(x, y);
                return Data.Read(y);
            },
            (inputs, g) =>
            {
                using var x = Data.Tensor(backend, Awkward, inputs[0]);
                using var y = backend.Allocate(yShape);
                using var dy = Data.Tensor(backend, yShape, g);
                using var dx = Data.Tensor(backend, Awkward, Data.Random(Awkward.Size, 9));
                c.Forward(x, y);
                c.Backward(x, y, dy, dx, accumulate: false);
                return [Data.Read(dx)];
            });
    }

    [TestCaseSource(nameof(IlgpuCases))]
    public void FloatAgreesWithCpuPath(DeviceKind kind, Case c)
    {
        var backend = TestBackends.Get<float>(kind);
        var yShape = c.Output(Awkward);
        var xs = Data.Random(Awkward.Size, seed: 5, lo: -3, hi: 3);
        var dys = Data.Random(yShape.Size, seed: 6);
        var prior = Data.Random(Awkward.Size, seed: 7);
        Data.AssertAgreesWithCpu(backend, c.ToString(), b =>
        {
            using var x = Data.Tensor(b, Awkward, xs);
            using var y = b.Allocate(yShape);
            using var dy = Data.Tensor(b, yShape, dys);
            using var dx = Data.Tensor(b, Awkward, prior);
            c.Forward(x, y);
            c.Backward(x, y, dy, dx, accumulate: true);
            return [("forward", Data.Read(y)), ("backward (accumulated)", Data.Read(dx))];
        });
    }

    [TestCaseSource(nameof(AllCases))]
    public void BackwardOverwritesOrAccumulates(DeviceKind kind, Case c)
    {
        var backend = TestBackends.Get<double>(kind);
        var shape = new Shape(1, 2, 5, 4);
        var yShape = c.Output(shape);
        var prior = Data.Random(shape.Size, seed: 11);
        double[] Run(bool accumulate)
        {
            using var x = Data.Tensor(backend, shape, Distinct(shape.Size, 12));
            using var y = backend.Allocate(yShape);
            using var dy = Data.Tensor(backend, yShape, Data.Random(yShape.Size, seed: 13));
            using var dx = Data.Tensor(backend, shape, prior);
            c.Forward(x, y);
            c.Backward(x, y, dy, dx, accumulate);
            return Data.Read(dx);
        }
        var fresh = Run(false);
        var summed = Run(true);
        Data.AssertClose(summed, fresh.Zip(prior, (a, b) => a + b).ToArray(), 1e-12, c + " accumulate");
        // Overwriting ignores the prior contents: the gradients of a sum over every window cover each input.
        Assert.That(fresh, Is.Not.EqualTo(prior));
    }

    private static IEnumerable<TestCaseData> ConfigurationCases() => Configurations.Select(c => new TestCaseData(c).SetArgDisplayNames(c.ToString()));

    [TestCaseSource(nameof(ConfigurationCases))]
    public void ParallelPlanesMatchOneThread(Case c)
    {
        // Large enough for the CPU path to split planes over threads (3: uneven chunks); must equal one thread.
        var shape = new Shape(5, 5, 47, 53);
        var yShape = c.Output(shape);
        var xs = Data.Random(shape.Size, seed: 21);
        var dys = Data.Random(yShape.Size, seed: 22);
        (double[] y, double[] dx) On(CpuBackend<double> b)
        {
            using var x = Data.Tensor(b, shape, xs);
            using var y = b.Allocate(yShape);
            using var dy = Data.Tensor(b, yShape, dys);
            using var dx = b.Allocate(shape);
            c.Forward(x, y);
            c.Backward(x, y, dy, dx, accumulate: false);
            return (Data.Read(y), Data.Read(dx));
        }
        var (y3, dx3) = On(new CpuBackend<double>(threads: 3));
        var (y1, dx1) = On(new CpuBackend<double>(threads: 1));
        Assert.That(y3, Is.EqualTo(y1), c + " forward");
        Assert.That(dx3, Is.EqualTo(dx1), c + " backward");
    }

    private static IEnumerable<TestCaseData> Backends() => TestBackends.All.Select(k => new TestCaseData(k).SetArgDisplayNames(k.ToString()));

    [TestCaseSource(nameof(Backends))]
    public void MaxPoolHandComputed(DeviceKind kind)
    {
        var b = TestBackends.Get<double>(kind);
        // 4×4 input, 2×2 windows, stride 2: the maximum of each quadrant.
        double[] x =
        [
            1, 3, 2, 0,
            5, 4, 7, 8,
            9, -1, 6, 2,
            0, 2, 3, 11,
        ];
        using var xt = Data.Tensor(b, new Shape(1, 1, 4, 4), x);
        using var y = b.Allocate(new Shape(1, 1, 2, 2));
        Pool2d.MaxForward(xt, y, 2, 2, 0);
        Assert.That(Data.Read(y), Is.EqualTo(new double[] { 5, 8, 9, 11 }));
        using var dy = Data.Tensor(b, y.Shape, [10, 20, 30, 40]);
        using var dx = b.Allocate(xt.Shape);
        Pool2d.MaxBackward(xt, y, dy, dx, 2, 2, 0, accumulate: false);
        Assert.That(Data.Read(dx), Is.EqualTo(new double[] { 0, 0, 0, 0, 10, 0, 0, 20, 30, 0, 0, 0, 0, 0, 0, 40 }));
    }

    [TestCaseSource(nameof(Backends))]
    public void MaxPoolTiesGoToTheFirstAndPaddingNeverWins(DeviceKind kind)
    {
        var b = TestBackends.Get<double>(kind);
        // All equal, 2×2 windows, stride 1: every window's gradient goes to its top-left element.
        using var flat = Data.Tensor(b, new Shape(1, 1, 3, 3), Enumerable.Repeat(1.0, 9).ToArray());
        using var y = b.Allocate(new Shape(1, 1, 2, 2));
        Pool2d.MaxForward(flat, y, 2, 1, 0);
        using var dy = Data.Tensor(b, y.Shape, [1, 2, 3, 4]);
        using var dx = b.Allocate(flat.Shape);
        Pool2d.MaxBackward(flat, y, dy, dx, 2, 1, 0, accumulate: false);
        Assert.That(Data.Read(dx), Is.EqualTo(new double[] { 1, 2, 0, 3, 4, 0, 0, 0, 0 }));

        // All negative, padding 1: the windows see one real element each, never the zero padding.
        using var negative = Data.Tensor(b, new Shape(1, 1, 2, 2), [-5, -3, -4, -2]);
        using var yn = b.Allocate(new Shape(1, 1, 2, 2));
        Pool2d.MaxForward(negative, yn, 2, 2, 1);
        Assert.That(Data.Read(yn), Is.EqualTo(new double[] { -5, -3, -4, -2 }));
    }

    [TestCaseSource(nameof(Backends))]
    public void AvgPoolDividesByRealElements(DeviceKind kind)
    {
        var b = TestBackends.Get<double>(kind);
        // 3×3 input, 2×2 windows, stride 1, padding 1: 4×4 output. Corner windows hold 1 real element,
        // edge windows 2, inner windows 4; each is the mean of its real elements (count_include_pad = false).
        using var x = Data.Tensor(b, new Shape(1, 1, 3, 3), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        using var y = b.Allocate(new Shape(1, 1, 4, 4));
        Pool2d.AvgForward(x, y, 2, 1, 1);
        Assert.That(Data.Read(y), Is.EqualTo(new[]
        {
            1, 1.5, 2.5, 3,       // (1), (1+2)/2, (2+3)/2, (3)
            2.5, 3, 4, 4.5,       // (1+4)/2, (1+2+4+5)/4, (2+3+5+6)/4, (3+6)/2
            5.5, 6, 7, 7.5,       // (4+7)/2, (4+5+7+8)/4, (5+6+8+9)/4, (6+9)/2
            7, 7.5, 8.5, 9,       // (7), (7+8)/2, (8+9)/2, (9)
        }).Within(1e-14));
        // Backward with dy = 1: x[0,0] sits in windows of 1, 2, 2 and 4 elements: 1 + 1/2 + 1/2 + 1/4.
        using var dy = Data.Tensor(b, y.Shape, Enumerable.Repeat(1.0, 16).ToArray());
        using var dx = b.Allocate(x.Shape);
        Pool2d.AvgBackward(dy, dx, 2, 1, 1, accumulate: false);
        Assert.That(Data.Read(dx)[0], Is.EqualTo(2.25).Within(1e-14));
        Assert.That(Data.Read(dx)[4], Is.EqualTo(1.0).Within(1e-14)); // centre: four windows of 4
    }

    [TestCaseSource(nameof(Backends))]
    public void GlobalAvgHandComputed(DeviceKind kind)
    {
        var b = TestBackends.Get<double>(kind);
        using var x = Data.Tensor(b, new Shape(1, 2, 1, 3), [1, 2, 6, -3, 0, 0]);
        using var y = b.Allocate(new Shape(1, 2));
        Pool2d.GlobalAvgForward(x, y);
        Assert.That(Data.Read(y), Is.EqualTo(new double[] { 3, -1 }).Within(1e-14));
        using var dy = Data.Tensor(b, y.Shape, [3, 6]);
        using var dx = b.Allocate(x.Shape);
        Pool2d.GlobalAvgBackward(dy, dx, accumulate: false);
        Assert.That(Data.Read(dx), Is.EqualTo(new double[] { 1, 1, 1, 2, 2, 2 }).Within(1e-14));
    }

    [TestCaseSource(nameof(Backends))]
    public void MaxPoolPropagatesNaN(DeviceKind kind)
    {
        // CUDA's max instruction would drop the NaN; every backend must keep it, in both the 2×2 stride-2
        // path and the general one, and send the window's gradient to the first NaN.
        var b = TestBackends.Get<float>(kind);
        using var x = Data.Tensor(b, new Shape(1, 1, 2, 4), [1, double.NaN, 2, 3, 4, double.NaN, 6, 7]);
        foreach (var (kernel, stride) in new[] { (2, 2), (2, 1) })
        {
            int wo = (4 - kernel) / stride + 1;
            using var y = b.Allocate(new Shape(1, 1, 1, wo));
            Pool2d.MaxForward(x, y, kernel, stride, 0);
            var values = Data.Read(y);
            Assert.That(double.IsNaN(values[0]) && values[^1] == 7, $"k{kernel} s{stride}: got [{string.Join(", ", values)}]");
            using var dy = Data.Tensor(b, y.Shape, Enumerable.Repeat(1.0, wo).ToArray());
            using var dx = b.Allocate(x.Shape);
            Pool2d.MaxBackward(x, y, dy, dx, kernel, stride, 0, accumulate: false);
            Assert.That(Data.Read(dx)[1], Is.EqualTo(kernel == 2 && stride == 2 ? 1 : 2), $"k{kernel} s{stride}: gradient of the first NaN");
            Assert.That(Data.Read(dx)[5], Is.EqualTo(0), $"k{kernel} s{stride}: gradient of the second NaN");
        }
    }

    private static IEnumerable<TestCaseData> HalvingCases() =>
        from shape in new[] { new Shape(1, 3, 28, 28), new Shape(1, 1, 15, 13), new Shape(2, 1, 6, 10), new Shape(1, 1, 2, 2), new Shape(1, 2, 5, 67) }
        from accumulate in new[] { false, true }
        select new TestCaseData(shape, accumulate).SetArgDisplayNames(shape.ToString(), accumulate ? "accumulate" : "overwrite");

    [TestCaseSource(nameof(HalvingCases))]
    public void FloatHalvingMaxPoolMatchesWindowByWindowReference(Shape shape, bool accumulate)
    {
        // The float 2×2, stride 2 path (SIMD where the CPU allows) against a plain loop, bit for bit. Values from
        // {−1, −0, +0, 1, 2} tie in most windows (the first maximum wins; −0 == +0), a few NaNs must win their
        // windows, and the prior dx holds −0s, which gradients of other elements must leave as they are.
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        var rng = new Random(shape.Size);
        float[] pick = [-1f, -0f, 0f, 1f, 2f];
        float[] Values(int n, Func<float> draw) => Enumerable.Range(0, n).Select(_ => draw()).ToArray();
        var xs = Values(shape.Size, () => rng.Next(100) == 0 ? float.NaN : pick[rng.Next(pick.Length)]);
        int ho = shape[2] / 2, wo = shape[3] / 2, w = shape[3];
        var yShape = new Shape(shape[0], shape[1], ho, wo);
        var dys = Values(yShape.Size, () => rng.Next(8) == 0 ? -0f : (float)rng.NextDouble() - 0.5f);
        var prior = Values(shape.Size, () => rng.Next(4) == 0 ? -0f : (float)rng.NextDouble());

        var yExpected = new float[yShape.Size];
        var dxExpected = accumulate ? (float[])prior.Clone() : new float[shape.Size];
        for (int p = 0; p < shape[0] * shape[1]; p++)
            for (int oh = 0; oh < ho; oh++)
                for (int ow = 0; ow < wo; ow++)
                {
                    int[] at = [.. new[] { 0, 1, w, w + 1 }.Select(d => p * shape[2] * w + 2 * oh * w + 2 * ow + d)];
                    int o = (p * ho + oh) * wo + ow;
                    float m = Math.Max(Math.Max(xs[at[0]], xs[at[1]]), Math.Max(xs[at[2]], xs[at[3]]));
                    yExpected[o] = m;
                    int k = Array.FindIndex(at, i => float.IsNaN(m) ? float.IsNaN(xs[i]) : xs[i] == m);
                    dxExpected[at[k]] += dys[o];
                }

        using var x = cpu.Allocate(shape);
        using var y = cpu.Allocate(yShape);
        using var dy = cpu.Allocate(yShape);
        using var dx = cpu.Allocate(shape);
        cpu.Upload(xs, x);
        cpu.Upload(dys, dy);
        cpu.Upload(prior, dx);
        Pool2d.MaxForward(x, y, 2, 2, 0);
        Pool2d.MaxBackward(x, y, dy, dx, 2, 2, 0, accumulate);
        static int[] Bits(float[] v) => [.. v.Select(f => float.IsNaN(f) ? int.MinValue + 1 : BitConverter.SingleToInt32Bits(f))];
        Assert.That(Bits(y.ToArray()), Is.EqualTo(Bits(yExpected)), "forward");
        Assert.That(Bits(dx.ToArray()), Is.EqualTo(Bits(dxExpected)), "backward");
    }

    [Test]
    public void WrongOutputShapeNamesTheOperationAndShapes()
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        using var x = cpu.Allocate(new Shape(2, 3, 8, 8));
        using var y = cpu.Allocate(new Shape(2, 3, 5, 5));
        var e = Assert.Throws<ArgumentException>(() => Pool2d.MaxForward(x, y, 2, 2, 0));
        Assert.That(e!.Message, Is.EqualTo("max pool forward: y must have shape [2, 3, 4, 4], got [2, 3, 5, 5]"));
        e = Assert.Throws<ArgumentException>(() => Pool2d.AvgBackward(y, x, 3, 2, 1, accumulate: false));
        Assert.That(e!.Message, Does.Contain("average pool backward").And.Contain("dy").And.Contain("[2, 3, 4, 4]").And.Contain("[2, 3, 5, 5]"));
        using var wrong = cpu.Allocate(new Shape(3, 2));
        e = Assert.Throws<ArgumentException>(() => Pool2d.GlobalAvgForward(x, wrong));
        Assert.That(e!.Message, Does.Contain("global average pool forward").And.Contain("[2, 3]").And.Contain("[3, 2]"));
        using var flat = cpu.Allocate(new Shape(2, 64));
        e = Assert.Throws<ArgumentException>(() => Pool2d.AvgForward(flat, y, 2, 2, 0));
        Assert.That(e!.Message, Does.Contain("average pool forward").And.Contain("[B, C, H, W]").And.Contain("[2, 64]"));
    }

    [TestCase(0, 1, 0, "kernel must be positive, got 0")]
    [TestCase(2, 0, 0, "stride must be positive, got 0")]
    [TestCase(2, 2, -1, "padding must be ≥ 0, got -1")]
    [TestCase(3, 1, 3, "padding must be less than kernel (3), got 3")]
    [TestCase(9, 1, 0, "does not fit x [1, 1, 4, 6]")]
    public void BadWindowIsRejected(int kernel, int stride, int padding, string message)
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        using var x = cpu.Allocate(new Shape(1, 1, 4, 6));
        using var y = cpu.Allocate(new Shape(1, 1, 1, 1));
        var e = Assert.Catch<ArgumentException>(() => Pool2d.MaxForward(x, y, kernel, stride, padding));
        Assert.That(e!.Message, Does.StartWith("max pool forward: ").And.Contain(message));
    }
}
