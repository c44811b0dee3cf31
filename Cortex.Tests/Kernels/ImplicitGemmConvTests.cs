using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Checking;
using Cortex.Core.Kernels;
using Cortex.Core.Tensors;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Kernels;

/// <summary>
/// The implicit-GEMM convolution kernels (forward, backward-data, backward-weights, and the transposed convolution built
/// on them) on every ILGPU backend: on ILGPU's CPU accelerator the TF32 path runs the exact emulation of the tensor-core
/// product through the very same tiling, on CUDA the tensor cores themselves. Tolerances: strict FP32 as every kernel's
/// agreement with the CPU path (2e-4 relative, element by element); TF32 1e-3 relative against the CPU path in the max
/// norm (‖a − e‖∞ ≤ 1e-3·‖e‖∞: operands keep 11 significant bits, so each product is off by up to 2⁻¹⁰ of itself and a
/// sum of K of them by about √K times that), and 1e-5 relative element by element against the CPU path run on operands
/// rounded to TF32 beforehand (what the tensor cores multiply: only the order of the single-precision sums differs).
/// </summary>
public sealed class ImplicitGemmConvTests
{
    /// <summary>TF32 tolerance against the strict CPU path, relative in the max norm.</summary>
    private const double Tf32Tolerance = 1e-3;

    /// <summary>(batch, Ci, H, W, Co, Kh, Kw, stride, padding): batch 1, channel counts that are no multiple of 8 or 16, one
    /// to a few blocks each way (37 and 70 output channels take the 64-row tiles, the rest the 32-row ones; 2·9·9 = 162
    /// output pixels take two column blocks), strides 1, 2 and 4, kernels 1×1, 2×3, 3×3 and 7×7.</summary>
    private static readonly (int B, int Ci, int H, int W, int Co, int Kh, int Kw, int S, int P)[] Shapes =
    [
        (1, 1, 5, 7, 5, 3, 3, 1, 1),
        (3, 3, 6, 7, 7, 3, 3, 2, 0),
        (2, 13, 5, 6, 37, 3, 3, 1, 1),
        (2, 17, 4, 5, 9, 1, 1, 1, 0),
        (1, 3, 9, 9, 6, 7, 7, 4, 3),
        (2, 5, 9, 9, 70, 2, 3, 2, 1),
        (2, 3, 9, 9, 4, 3, 3, 1, 1),
    ];

    private static IEnumerable<TestCaseData> ShapeCases(ConvPrecision precision)
    {
        foreach (var kind in TestBackends.Ilgpu)
            foreach (var s in Shapes)
                yield return new TestCaseData(kind, new Conv2dGeometry(s.B, s.Ci, s.H, s.W, s.Co, s.Kh, s.Kw, s.S, s.P))
                    .SetArgDisplayNames(kind.ToString(), precision.Name(), $"b{s.B}", $"{s.Ci}to{s.Co}", $"{s.H}x{s.W}", $"{s.Kh}x{s.Kw}", $"s{s.S}", $"p{s.P}");
    }

    private static IEnumerable<TestCaseData> Fp32Cases() => ShapeCases(ConvPrecision.Fp32);

    private static IEnumerable<TestCaseData> Tf32Cases() => ShapeCases(ConvPrecision.Tf32);

    private static IEnumerable<DeviceKind> IlgpuKinds() => TestBackends.Ilgpu;

    [TestCaseSource(nameof(IlgpuKinds))]
    public void HandComputedPassesAtBothPrecisions(DeviceKind kind)
    {
        // The 3×3 image 1..9 with w = [[1, 2], [3, 4]] (as Conv2dTests works out on paper): y = [37, 47, 67, 77];
        // dy = 1 gives dx = [1 3 2; 4 10 6; 3 7 4], dw = [[12, 16], [24, 28]], dbias = 4. Every operand is a small integer,
        // exact in TF32, so both precisions give these exactly.
        foreach (var precision in new[] { ConvPrecision.Fp32, ConvPrecision.Tf32 })
        {
            var b = TestBackends.Get<float>(kind);
            using var scope = Implicit(b, precision);
            using var x = Data.Tensor(b, new Shape(1, 1, 3, 3), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
            using var w = Data.Tensor(b, new Shape(1, 1, 2, 2), [1, 2, 3, 4]);
            using var y = b.Allocate(new Shape(1, 1, 2, 2));
            using var dy = Data.Tensor(b, y.Shape, [1, 1, 1, 1]);
            using var dx = b.Allocate(x.Shape);
            using var dw = b.Allocate(w.Shape);
            using var db = b.Allocate(new Shape(1));
            Conv2d.Forward(x, w, null, y, stride: 1, padding: 0);
            Conv2d.BackwardData(dy, w, dx, stride: 1, padding: 0, accumulate: false);
            Conv2d.BackwardWeights(x, dy, dw, db, stride: 1, padding: 0);
            Assert.That(Data.Read(y), Is.EqualTo(new double[] { 37, 47, 67, 77 }), precision.Name());
            Assert.That(Data.Read(dx), Is.EqualTo(new double[] { 1, 3, 2, 4, 10, 6, 3, 7, 4 }), precision.Name());
            Assert.That(Data.Read(dw), Is.EqualTo(new double[] { 12, 16, 24, 28 }), precision.Name());
            Assert.That(Data.Read(db), Is.EqualTo(new double[] { 4 }), precision.Name());
        }
    }

    [TestCaseSource(nameof(IlgpuKinds))]
    public void Tf32RoundsTheOperands(DeviceKind kind)
    {
        // 1 + 2⁻¹² is no TF32 number (10 mantissa bits) and rounds to 1; 1 + 3·2⁻¹² rounds up to 1 + 2⁻¹⁰. A 1×1
        // convolution of x = [1 + 2⁻¹², 1 + 3·2⁻¹²] with w = 1 is x itself in FP32 and [1, 1 + 2⁻¹⁰] in TF32.
        float a = 1 + MathF.Pow(2, -12), c = 1 + 3 * MathF.Pow(2, -12);
        var b = TestBackends.Get<float>(kind);
        foreach (var (precision, expected) in new[] { (ConvPrecision.Fp32, new double[] { a, c }), (ConvPrecision.Tf32, [1, 1 + Math.Pow(2, -10)]) })
        {
            using var scope = Implicit(b, precision);
            using var x = Data.Tensor(b, new Shape(1, 1, 1, 2), [a, c]);
            using var w = Data.Tensor(b, new Shape(1, 1, 1, 1), [1]);
            using var y = b.Allocate(x.Shape);
            Conv2d.Forward(x, w, null, y, stride: 1, padding: 0);
            Assert.That(Data.Read(y), Is.EqualTo(expected), precision.Name());
        }
    }

    [TestCaseSource(nameof(Fp32Cases))]
    public void Fp32AgreesWithCpuPath(DeviceKind kind, Conv2dGeometry g)
    {
        var expected = Run(TestBackends.Get<float>(DeviceKind.Cpu), g, seed: 31);
        var b = TestBackends.Get<float>(kind);
        double[][] actual;
        using (Implicit(b, ConvPrecision.Fp32)) actual = Run(b, g, seed: 31);
        AssertAll(actual, expected, TestBackends.AgreementTolerance<float>(), $"{kind} fp32");
    }

    [TestCaseSource(nameof(Tf32Cases))]
    public void Tf32AgreesWithCpuPathAndIsExactOnRoundedOperands(DeviceKind kind, Conv2dGeometry g)
    {
        var b = TestBackends.Get<float>(kind);
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        double[][] actual;
        using (Implicit(b, ConvPrecision.Tf32)) actual = Run(b, g, seed: 41);
        AssertAllInNorm(actual, Run(cpu, g, seed: 41), Tf32Tolerance, $"{kind} tf32 against fp32");
        // Each pass multiplies its own two operands, so each is compared with the CPU path fed exactly those rounded.
        AssertAll(actual, Run(cpu, g, seed: 41, roundOperands: true), 1e-5, $"{kind} tf32 against the CPU path on tf32 operands");
    }

    [TestCaseSource(nameof(IlgpuKinds))]
    public void GradientsMatchFiniteDifferencesThroughTheTiles(DeviceKind kind)
    {
        // Double precision (strict sums): one image, 2 → 3 channels, 3×3 at strides 1 and 2, through the implicit kernels.
        var b = TestBackends.Get<double>(kind);
        foreach (var (stride, padding) in new[] { (1, 1), (2, 0) })
        {
            var g = new Conv2dGeometry(1, 2, 4, 5, 3, 3, 3, stride, padding);
            using var scope = Implicit(b, ConvPrecision.Fp32);
            GradientCheck.Assert($"implicit conv2d s{stride}", [Data.Random(g.InputShape.Size, 1), Data.Random(g.WeightShape.Size, 2), Data.Random(3, 3)],
                inputs =>
                {
                    using var x = Data.Tensor(b, g.InputShape, inputs[0]);
                    using var w = Data.Tensor(b, g.WeightShape, inputs[1]);
                    using var bias = Data.Tensor(b, new Shape(3), inputs[2]);
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
                    using var db = b.Allocate(new Shape(3));
                    Conv2d.BackwardData(dy, w, dx, stride, padding, accumulate: false);
                    Conv2d.BackwardWeights(x, dy, dw, db, stride, padding);
                    return [Data.Read(dx), Data.Read(dw), Data.Read(db)];
                });
        }
    }

    [TestCaseSource(nameof(IlgpuKinds))]
    public void TransposedConvolutionAgreesWithCpuPath(DeviceKind kind)
    {
        // The learned upsampling of a feedback projection: 5 → 3 channels, 3×3, stride 2, padding 1, output padding 1, batch 1.
        var b = TestBackends.Get<float>(kind);
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        foreach (var precision in new[] { ConvPrecision.Fp32, ConvPrecision.Tf32 })
        {
            double[][] actual;
            using (Implicit(b, precision)) actual = RunTransposed(b, seed: 51);
            if (precision == ConvPrecision.Tf32)
                AssertAllInNorm(actual, RunTransposed(cpu, seed: 51), Tf32Tolerance, $"{kind} tf32 transposed");
            else
                AssertAll(actual, RunTransposed(cpu, seed: 51), TestBackends.AgreementTolerance<float>(), $"{kind} fp32 transposed");
        }
    }

    [Test]
    public void RuleWithoutAutotuningTakesTheImplicitGemmForTf32Only()
    {
        // Off CUDA nothing is measured (deterministic): TF32 takes the implicit GEMM (bit for bit the forced result), FP32
        // the column matrix (bit for bit the forced im2col result).
        var b = (IlgpuBackend<float>)TestBackends.Get<float>(DeviceKind.IlgpuCpu);
        Assert.That(b.Autotune, Is.False);
        var g = new Conv2dGeometry(2, 5, 6, 6, 7, 3, 3, 1, 1);
        foreach (var (precision, forced) in new[] { (ConvPrecision.Tf32, ConvAlgorithm.ImplicitGemm), (ConvPrecision.Fp32, ConvAlgorithm.Im2colGemm) })
        {
            double[][] auto, expected;
            using (Scope(b, ConvAlgorithm.Auto, precision)) auto = Run(b, g, seed: 61);
            using (Scope(b, forced, precision)) expected = Run(b, g, seed: 61);
            AssertAll(auto, expected, 0, $"{precision.Name()} auto against {forced}");
        }
        Assert.That(b.ConvChoices, Is.Empty);
    }

    [Test]
    public void AutotuningMeasuresOncePerPassAndShapeAndSaysWhatItChose()
    {
        var b = (IlgpuBackend<float>)TestBackends.Get<float>(DeviceKind.IlgpuCpu);
        var g = new Conv2dGeometry(1, 4, 5, 5, 3, 3, 3, 1, 1);   // 36 taps: past the direct kernels
        var lines = new List<string>();
        var sink = Cortex.Core.Log.Redirect(lines.Add);
        try
        {
            b.Autotune = true;
            using (Scope(b, ConvAlgorithm.Auto, ConvPrecision.Tf32))
            {
                var first = Run(b, g, seed: 71);
                var second = Run(b, g, seed: 71);
                AssertAll(second, first, 0, "the same choice twice");
            }
        }
        finally
        {
            b.Autotune = false;
            Cortex.Core.Log.Redirect(sink);
            b.ConvChoices.Clear();
        }
        Assert.That(lines.Count(l => l.StartsWith("conv autotune:")), Is.EqualTo(3), string.Join("\n", lines));
        Assert.That(lines, Has.Some.Contains("forward x [1, 4, 5, 5] w [3, 4, 3, 3]").And.Some.Contains("backward data").And.Some.Contains("backward weights"));
    }

    [Test]
    public void TensorCoresOnlyWhereEveryLaneHasItsThreadOnCuda()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Conv2d.ProductFor(DeviceKind.Cuda, ConvPrecision.Tf32, typeof(float), wholeWarps: true), Is.EqualTo(FragmentProduct.Tf32TensorCores));
            Assert.That(Conv2d.ProductFor(DeviceKind.Cuda, ConvPrecision.Tf32, typeof(float), wholeWarps: false), Is.EqualTo(FragmentProduct.Tf32Emulated));
            Assert.That(Conv2d.ProductFor(DeviceKind.IlgpuCpu, ConvPrecision.Tf32, typeof(float), wholeWarps: true), Is.EqualTo(FragmentProduct.Tf32Emulated));
            Assert.That(Conv2d.ProductFor(DeviceKind.Cuda, ConvPrecision.Fp32, typeof(float), wholeWarps: true), Is.EqualTo(FragmentProduct.Strict));
            Assert.That(Conv2d.ProductFor(DeviceKind.Cuda, ConvPrecision.Tf32, typeof(double), wholeWarps: true), Is.EqualTo(FragmentProduct.Strict));
            Assert.That(Conv2d.GroupSize(DeviceKind.Cuda, 1024, 128), Is.EqualTo(128));
            Assert.That(Conv2d.GroupSize(DeviceKind.IlgpuCpu, 2, 128), Is.EqualTo(2));
            Assert.That(Conv2d.GroupSize(DeviceKind.IlgpuCpu, 48, 128), Is.EqualTo(32));
        });
    }

    [TestCase(5, 9, 27, 1)]
    [TestCase(37, 200, 1000, 7)]
    [TestCase(64, 129, 16, 3)]
    [TestCase(1, 1, 1, 1)]
    public void TilingCoversTheProductAndTheReduction(int m, int n, int k, int slices)
    {
        var t = Conv2d.TilingOf(m, n, k, slices);
        Assert.That(t.TilesM * t.WarpsM * 32, Is.GreaterThanOrEqualTo(m));
        Assert.That((t.TilesM - 1) * t.WarpsM * 32, Is.LessThan(m));
        Assert.That(t.TilesN * t.WarpsN * 32, Is.GreaterThanOrEqualTo(n));
        Assert.That((t.TilesN - 1) * t.WarpsN * 32, Is.LessThan(n));
        Assert.That(t.SliceLength % Conv2d.TileK, Is.Zero);
        Assert.That(t.Slices * t.SliceLength, Is.GreaterThanOrEqualTo(k));
        Assert.That((t.Slices - 1) * t.SliceLength, Is.LessThan(k));
        Assert.That(t.Lanes, Is.EqualTo(128));
        Assert.That(t.WarpsM * 32, Is.LessThanOrEqualTo(Conv2d.MaxTileRows));
        Assert.That(t.WarpsN * 32, Is.LessThanOrEqualTo(Conv2d.MaxTileColumns));
    }

    [Test]
    public void Tf32RoundingIsToNearestWithTiesAwayFromZero()
    {
        float one = 1f, ulp = MathF.Pow(2, -10);
        Assert.Multiple(() =>
        {
            Assert.That(Tf32.Round(one + ulp / 2), Is.EqualTo(one + ulp), "a tie rounds away from zero");
            Assert.That(Tf32.Round(-(one + ulp / 2)), Is.EqualTo(-(one + ulp)), "a negative tie rounds away from zero");
            Assert.That(Tf32.Round(one + ulp / 2 - MathF.Pow(2, -23)), Is.EqualTo(one), "just below a tie rounds down");
            Assert.That(Tf32.Round(one + ulp), Is.EqualTo(one + ulp), "a TF32 number is kept");
            Assert.That(Tf32.Round(2 - MathF.Pow(2, -23)), Is.EqualTo(2f), "a carry into the exponent");
            Assert.That(Tf32.Round(float.PositiveInfinity), Is.EqualTo(float.PositiveInfinity));
            Assert.That(float.IsNaN(Tf32.Round(float.NaN)), Is.True);
            Assert.That(Tf32.Round(3e-40f), Is.EqualTo(BitConverter.Int32BitsToSingle((BitConverter.SingleToInt32Bits(3e-40f) + 0x1000) & ~0x1FFF)),
                "subnormals round on the same bits");
        });
    }

    // --- shared pieces

    /// <summary>Forces the implicit GEMM at a precision on an ILGPU backend until disposed.</summary>
    private static IDisposable Implicit<T>(IBackend<T> b, ConvPrecision precision) where T : unmanaged, IFloatingPointIeee754<T>
        => Scope((IlgpuBackend<T>)b, ConvAlgorithm.ImplicitGemm, precision);

    private static IDisposable Scope<T>(IlgpuBackend<T> gpu, ConvAlgorithm algorithm, ConvPrecision precision) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var saved = (gpu.ConvAlgorithm, gpu.ConvPrecision);
        gpu.ConvAlgorithm = algorithm;
        gpu.ConvPrecision = precision;
        return new Restore(() => (gpu.ConvAlgorithm, gpu.ConvPrecision) = saved);
    }

    private sealed class Restore(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }

    private static void AssertAll(double[][] actual, double[][] expected, double tolerance, string what)
    {
        string[] names = ["y", "dx", "dw", "dbias"];
        for (int i = 0; i < actual.Length; i++)
            Data.AssertClose(actual[i], expected[i], tolerance, $"{what} {names[i]}");
    }

    /// <summary>‖a − e‖∞ ≤ tolerance·‖e‖∞ for each output.</summary>
    private static void AssertAllInNorm(double[][] actual, double[][] expected, double tolerance, string what)
    {
        string[] names = ["y", "dx", "dw", "dbias"];
        for (int i = 0; i < actual.Length; i++)
        {
            double scale = expected[i].Max(Math.Abs), worst = actual[i].Zip(expected[i], (a, e) => Math.Abs(a - e)).Max();
            Assert.That(worst, Is.LessThanOrEqualTo(tolerance * scale), $"{what} {names[i]}: largest difference {worst:G3} against ‖e‖∞ = {scale:G4}");
        }
    }

    /// <summary>
    /// [y, dx, dw, dbias]: forward with bias added to a prior y, backward-data added to a prior dx, backward-weights added
    /// to prior dw and dbias. With <paramref name="roundOperands"/> each pass's two multiplied operands (x and w, dy and w,
    /// x and dy) are rounded to TF32 first.
    /// </summary>
    private static double[][] Run(IBackend<float> b, Conv2dGeometry g, int seed, bool roundOperands = false)
    {
        double[] R(double[] v) => roundOperands ? Array.ConvertAll(v, e => (double)Tf32.Round((float)e)) : v;
        var xs = Data.Random(g.InputShape.Size, seed);
        var ws = Data.Random(g.WeightShape.Size, seed + 1);
        var dys = Data.Random(g.OutputShape.Size, seed + 3);
        using var x = Data.Tensor(b, g.InputShape, R(xs));
        using var w = Data.Tensor(b, g.WeightShape, R(ws));
        using var bias = Data.Tensor(b, new Shape(g.OutChannels), Data.Random(g.OutChannels, seed + 2));
        using var dy = Data.Tensor(b, g.OutputShape, R(dys));
        using var y = Data.Tensor(b, g.OutputShape, Data.Random(g.OutputShape.Size, seed + 10));
        using var dx = Data.Tensor(b, g.InputShape, Data.Random(g.InputShape.Size, seed + 11));
        using var dw = Data.Tensor(b, g.WeightShape, Data.Random(g.WeightShape.Size, seed + 12));
        using var db = Data.Tensor(b, new Shape(g.OutChannels), Data.Random(g.OutChannels, seed + 13));
        Conv2d.Forward(x, w, bias, y, g.Stride, g.Padding, accumulate: true);
        Conv2d.BackwardData(dy, w, dx, g.Stride, g.Padding, accumulate: true);
        Conv2d.BackwardWeights(x, dy, dw, db, g.Stride, g.Padding);
        return [Data.Read(y), Data.Read(dx), Data.Read(dw), Data.Read(db)];
    }

    /// <summary>[y, dx, dw, dbias] of the transposed convolution x [1, 5, 3, 4] → y [1, 3, 6, 8] (3×3, stride 2, padding 1, output padding 1).</summary>
    private static double[][] RunTransposed(IBackend<float> b, int seed)
    {
        using var x = Data.Tensor(b, new Shape(1, 5, 3, 4), Data.Random(60, seed));
        using var w = Data.Tensor(b, new Shape(5, 3, 3, 3), Data.Random(135, seed + 1));
        using var bias = Data.Tensor(b, new Shape(3), Data.Random(3, seed + 2));
        using var y = b.Allocate(new Shape(1, 3, 6, 8));
        using var dy = Data.Tensor(b, y.Shape, Data.Random(144, seed + 3));
        using var dx = b.Allocate(x.Shape);
        using var dw = b.Allocate(w.Shape);
        using var db = b.Allocate(new Shape(3));
        ConvTranspose2d.Forward(x, w, bias, y, stride: 2, padding: 1, outputPadding: 1);
        ConvTranspose2d.BackwardData(dy, w, dx, stride: 2, padding: 1, outputPadding: 1, accumulate: false);
        ConvTranspose2d.BackwardWeights(x, dy, dw, db, stride: 2, padding: 1, outputPadding: 1);
        return [Data.Read(y), Data.Read(dx), Data.Read(dw), Data.Read(db)];
    }
}
