using Cortex.Core.Backends;
using Cortex.Core.Optimisers;
using Cortex.Core.Tensors;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Optimisers;

public sealed class InitialiserTests
{
    // A 3×3 convolution, 16 → 64 channels: fan_in = 16·9 = 144, fan_out = 64·9 = 576, n = 9216 samples.
    private static readonly Shape Conv = new(64, 16, 3, 3);

    [Test]
    public void FansComeFromTheWeightShape()
    {
        Assert.That(Initialiser.Fans(new Shape(5, 7)), Is.EqualTo((7, 5)));
        Assert.That(Initialiser.Fans(Conv), Is.EqualTo((144, 576)));
        var e = Assert.Throws<ArgumentException>(() => Initialiser.Fans(new Shape(5)));
        Assert.That(e!.Message, Does.Contain("[5]"));
    }

    [Test]
    public void GainsFollowTheNonlinearity()
    {
        Assert.That(Initialiser.KaimingNormal().Gain, Is.EqualTo(Math.Sqrt(2)));
        Assert.That(Initialiser.KaimingNormal(Nonlinearity.Linear).Gain, Is.EqualTo(1));
        Assert.That(Initialiser.XavierUniform(Nonlinearity.Tanh).Gain, Is.EqualTo(5.0 / 3));
    }

    [Test]
    public void KaimingNormalHasMeanZeroAndVarianceTwoOverFanIn()
    {
        var values = Initialiser.KaimingNormal().Sample(Conv, seed: 1);
        var (mean, variance) = Moments(values);
        double expected = 2.0 / 144;
        // With n = 9216 normal samples, the mean's standard error is √(σ²/n) ≈ 0.0012 and the variance's
        // relative standard error is √(2/(n − 1)) ≈ 1.5%. Allow five standard errors.
        Assert.That(mean, Is.EqualTo(0).Within(5 * Math.Sqrt(expected / values.Length)));
        Assert.That(variance, Is.EqualTo(expected).Within(5 * expected * Math.Sqrt(2.0 / (values.Length - 1))));
        // A normal reaches beyond 3σ about 0.27% of the time: some, but few, samples do.
        double sigma = Math.Sqrt(expected);
        int tails = values.Count(v => Math.Abs(v) > 3 * sigma);
        Assert.That(tails, Is.InRange(5, 60));
    }

    [Test]
    public void XavierNormalVarianceUsesBothFans()
    {
        var shape = new Shape(50, 200);
        var values = Initialiser.XavierNormal().Sample(shape, seed: 2);
        var (mean, variance) = Moments(values);
        double expected = 2.0 / (200 + 50);
        Assert.That(mean, Is.EqualTo(0).Within(5 * Math.Sqrt(expected / values.Length)));
        Assert.That(variance, Is.EqualTo(expected).Within(5 * expected * Math.Sqrt(2.0 / (values.Length - 1))));
    }

    [Test]
    public void UniformSchemesStayWithinTheirBounds()
    {
        // Kaiming uniform (relu): bound = √2·√(3/144); Xavier uniform (tanh): bound = 5/3·√(6/(144 + 576)).
        (Initialiser init, double bound)[] cases =
        [
            (Initialiser.KaimingUniform(), Math.Sqrt(2) * Math.Sqrt(3.0 / 144)),
            (Initialiser.XavierUniform(Nonlinearity.Tanh), 5.0 / 3 * Math.Sqrt(6.0 / 720)),
        ];
        foreach (var (init, bound) in cases)
        {
            var values = init.Sample(Conv, seed: 3);
            Assert.That(values.Max(Math.Abs), Is.LessThanOrEqualTo(bound).And.GreaterThan(0.99 * bound), init.ToString());
            // A uniform on ±a has variance a²/3; relative standard error of the sample variance ≈ √(0.8/n) ≈ 0.9%.
            var (mean, variance) = Moments(values);
            Assert.That(mean, Is.EqualTo(0).Within(5 * bound / Math.Sqrt(3 * values.Length)), init.ToString());
            Assert.That(variance, Is.EqualTo(bound * bound / 3).Within(0.05 * bound * bound / 3), init.ToString());
        }
    }

    [Test]
    public void SameSeedGivesSameValues()
    {
        var init = Initialiser.KaimingNormal();
        Assert.That(init.Sample(new Shape(5, 7), 42), Is.EqualTo(init.Sample(new Shape(5, 7), 42)));
        Assert.That(init.Sample(new Shape(5, 7), 42), Is.Not.EqualTo(init.Sample(new Shape(5, 7), 43)));
    }

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void ApplyUploadsTheSampleToAnyBackend(DeviceKind kind)
    {
        var b = TestBackends.Get<float>(kind);
        var init = Initialiser.XavierUniform();
        var shape = new Shape(5, 3, 1, 1);
        using var w = b.Allocate(shape);
        init.Apply(w, seed: 7);
        var expected = Data.ToDouble(Data.Cast<float>(init.Sample(shape, 7)));
        Assert.That(Data.Read(w), Is.EqualTo(expected));
    }

    private static (double Mean, double Variance) Moments(double[] values)
    {
        double mean = values.Average();
        double variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1);
        return (mean, variance);
    }
}
