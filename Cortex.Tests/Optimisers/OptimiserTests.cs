using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Optimisers;
using Cortex.Core.Tensors;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Optimisers;

public sealed class OptimiserTests
{
    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void SgdWithMomentumTwoStepsByHand(DeviceKind kind)
    {
        var b = TestBackends.Get<double>(kind);
        using var p = Make(b, "w", [1, -2], [0.5, 0.25]);
        using var sgd = new Sgd<double>([p.Parameter], new SgdOptions(Momentum: 0.9, WeightDecay: 0.1));

        // lr = 0.1. Step 1: g = ∇ + 0.1·p = [0.5 + 0.1, 0.25 − 0.2] = [0.6, 0.05]; v = g;
        // p = p − 0.1·v = [0.94, −2.005].
        sgd.Step(0.1);
        Assert.That(Data.Read(p.Parameter.Value), Is.EqualTo(new[] { 0.94, -2.005 }).Within(1e-12));

        // Step 2, same ∇: g = [0.5 + 0.094, 0.25 − 0.2005] = [0.594, 0.0495];
        // v = 0.9·[0.6, 0.05] + g = [1.134, 0.0945]; p = [0.94 − 0.1134, −2.005 − 0.00945] = [0.8266, −2.01445].
        sgd.Step(0.1);
        Assert.That(Data.Read(p.Parameter.Value), Is.EqualTo(new[] { 0.8266, -2.01445 }).Within(1e-12));
        Assert.That(sgd.StepCount, Is.EqualTo(2));
    }

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void SgdNesterovAndPlainStepsByHand(DeviceKind kind)
    {
        var b = TestBackends.Get<double>(kind);
        using var w = Make(b, "w", [1, -2], [0.5, 0.25]);
        using var bias = Make(b, "bias", [1, -2], [0.5, 0.25], decay: false);
        using (var nesterov = new Sgd<double>([w.Parameter, bias.Parameter], new SgdOptions(0.9, Nesterov: true, WeightDecay: 0.1)))
        {
            // w: g = [0.6, 0.05] (as above); v = g; direction = g + 0.9·v = [1.14, 0.095]; p = [1 − 0.114, −2 − 0.0095].
            // bias opts out of decay: g = v = [0.5, 0.25]; direction = 1.9·g = [0.95, 0.475]; p = [0.905, −2.0475].
            nesterov.Step(0.1);
            Assert.That(Data.Read(w.Parameter.Value), Is.EqualTo(new[] { 0.886, -2.0095 }).Within(1e-12));
            Assert.That(Data.Read(bias.Parameter.Value), Is.EqualTo(new[] { 0.905, -2.0475 }).Within(1e-12));
        }
        // No momentum, no decay: p = p − 0.5·∇ = [0.886 − 0.25, −2.0095 − 0.125].
        using var plain = new Sgd<double>([w.Parameter]);
        plain.Step(0.5);
        Assert.That(Data.Read(w.Parameter.Value), Is.EqualTo(new[] { 0.636, -2.1345 }).Within(1e-12));
    }

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void AdamWTwoStepsByHand(DeviceKind kind)
    {
        var b = TestBackends.Get<double>(kind);
        using var p = Make(b, "w", [1, -2], [0.5, -0.25]);
        using var adam = new AdamW<double>([p.Parameter], new AdamWOptions(Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8, WeightDecay: 0.01));

        // lr = 0.1, t = 1. Decay: p·(1 − 0.1·0.01) = [0.999, −1.998].
        // m = 0.1·g = [0.05, −0.025]; v = 0.001·g² = [2.5e−4, 6.25e−5].
        // m̂ = m / (1 − 0.9) = [0.5, −0.25]; v̂ = v / (1 − 0.999) = [0.25, 0.0625]; √v̂ = [0.5, 0.25].
        // p = [0.999, −1.998] − 0.1·m̂/(√v̂ + 1e−8) = [0.899 + 2e−9, −1.898 − 4e−9] (the ε terms: 0.1·1e−8/0.5 and 0.1·1e−8/0.25).
        adam.Step(0.1);
        Assert.That(Data.Read(p.Parameter.Value), Is.EqualTo(new[] { 0.899000002, -1.898000004 }).Within(1e-12));

        // t = 2 with g = [0.25, 0.5]. Decay: [0.899000002·0.999, −1.898000004·0.999] = [0.898101002, −1.896102004].
        // m = 0.9·[0.05, −0.025] + 0.1·[0.25, 0.5] = [0.07, 0.0275].
        // v = 0.999·[2.5e−4, 6.25e−5] + 0.001·[0.0625, 0.25] = [3.1225e−4, 3.124375e−4].
        // m̂ = m / 0.19 = [0.368421053, 0.144736842]; v̂ = v / 0.001999 = [0.156203102, 0.156296898];
        // √v̂ = [0.395225381, 0.395344025]; p = decayed − 0.1·m̂/√v̂ = [0.804883040, −1.932712356].
        p.Parameter.Gradient.CopyFrom([0.25, 0.5]);
        adam.Step(0.1);
        Assert.That(Data.Read(p.Parameter.Value), Is.EqualTo(new[] { 0.804883040, -1.932712356 }).Within(1e-9));
    }

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void ZeroGradientsClearsEveryGradient(DeviceKind kind)
    {
        var b = TestBackends.Get<float>(kind);
        using var p = Make(b, "w", [1, 2, 3], [4, 5, 6]);
        using var q = Make(b, "v", [1], [7]);
        using var sgd = new Sgd<float>([p.Parameter, q.Parameter]);
        sgd.ZeroGradients();
        Assert.That(Data.Read(p.Parameter.Gradient).Concat(Data.Read(q.Parameter.Gradient)), Is.All.EqualTo(0.0));
    }

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.Ilgpu))]
    public void FloatAgreesWithCpuPath(DeviceKind kind)
    {
        var backend = TestBackends.Get<float>(kind);
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        var sgdOptions = new SgdOptions(Momentum: 0.8, Nesterov: true, WeightDecay: 0.05);
        var adamOptions = new AdamWOptions(WeightDecay: 0.1);
        Data.AssertClose(Run(backend, ps => new Sgd<float>(ps, sgdOptions)), Run(cpu, ps => new Sgd<float>(ps, sgdOptions)),
            TestBackends.AgreementTolerance<float>(), "SGD");
        Data.AssertClose(Run(backend, ps => new AdamW<float>(ps, adamOptions)), Run(cpu, ps => new AdamW<float>(ps, adamOptions)),
            TestBackends.AgreementTolerance<float>(), "AdamW");

        // Three steps over two parameters of awkward sizes, with a new gradient each step.
        static double[] Run(IBackend<float> be, Func<IReadOnlyList<Parameter<float>>, IOptimiser<float>> make)
        {
            using var w = Make(be, "w", Data.Random(37, 1), Data.Random(37, 2));
            using var bias = Make(be, "bias", Data.Random(7, 3), Data.Random(7, 4), decay: false);
            using var optimiser = make([w.Parameter, bias.Parameter]);
            for (int step = 0; step < 3; step++)
            {
                optimiser.Step(0.05f);
                w.Parameter.Gradient.CopyFrom(Data.Cast<float>(Data.Random(37, 10 + step)));
                bias.Parameter.Gradient.CopyFrom(Data.Cast<float>(Data.Random(7, 20 + step)));
            }
            return [.. Data.Read(w.Parameter.Value), .. Data.Read(bias.Parameter.Value)];
        }
    }

    [Test]
    public void BadHyperparametersNameTheOptimiserAndValue()
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        using var p = Make(cpu, "w", [1, 2], [3, 4]);
        IReadOnlyList<Parameter<float>> ps = [p.Parameter];
        Assert.Multiple(() =>
        {
            using var sgd = new Sgd<float>(ps);
            Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => sgd.Step(-0.1f))!.Message,
                Does.Contain("SGD").And.Contain("learning rate").And.Contain("-0.1"));
            Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd<float>(ps, new SgdOptions(Momentum: 1)))!.Message,
                Does.Contain("SGD").And.Contain("momentum").And.Contain("got 1"));
            Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd<float>(ps, new SgdOptions(Momentum: -0.5)))!.Message,
                Does.Contain("got -0.5"));
            Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd<float>(ps, new SgdOptions(WeightDecay: -1)))!.Message,
                Does.Contain("SGD").And.Contain("weight decay"));
            Assert.That(Assert.Throws<ArgumentException>(() => new Sgd<float>(ps, new SgdOptions(Nesterov: true)))!.Message,
                Does.Contain("SGD").And.Contain("Nesterov"));
            Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW<float>(ps, new AdamWOptions(Beta1: 1)))!.Message,
                Does.Contain("AdamW").And.Contain("beta1").And.Contain("got 1"));
            Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW<float>(ps, new AdamWOptions(Beta2: 1.5)))!.Message,
                Does.Contain("AdamW").And.Contain("beta2").And.Contain("got 1.5"));
            Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW<float>(ps, new AdamWOptions(Epsilon: 0)))!.Message,
                Does.Contain("AdamW").And.Contain("epsilon"));
            using var adam = new AdamW<float>(ps);
            Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => adam.Step(float.NaN))!.Message,
                Does.Contain("AdamW").And.Contain("learning rate"));
            Assert.That(adam.StepCount, Is.Zero, "a refused step is not counted");
            Assert.That(Assert.Throws<ArgumentException>(() => new Sgd<float>([p.Parameter, p.Parameter]))!.Message,
                Does.Contain("SGD").And.Contain("'w'").And.Contain("twice"));
        });
    }

    [Test]
    public void ParameterNeedsAGradientOfItsShape()
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        using var value = cpu.Allocate(new Shape(2, 3));
        using var gradient = cpu.Allocate(new Shape(3, 2));
        var e = Assert.Throws<ArgumentException>(() => new Parameter<float>("V1.weight", value, gradient));
        Assert.That(e!.Message, Does.Contain("V1.weight").And.Contain("[2, 3]").And.Contain("[3, 2]"));
    }

    [Test]
    public void DisposedOptimiserRefusesToStep()
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        using var p = Make(cpu, "w", [1], [1]);
        var adam = new AdamW<float>([p.Parameter]);
        adam.Dispose();
        Assert.Throws<ObjectDisposedException>(() => adam.Step(0.1f));
    }

    /// <summary>A parameter and the tensors it borrows, disposed together.</summary>
    private sealed class Owned<T>(Parameter<T> parameter) : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
    {
        public Parameter<T> Parameter { get; } = parameter;

        public void Dispose()
        {
            Parameter.Value.Dispose();
            Parameter.Gradient.Dispose();
        }
    }

    private static Owned<T> Make<T>(IBackend<T> b, string name, double[] value, double[] gradient, bool decay = true)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var shape = new Shape(value.Length);
        return new Owned<T>(new Parameter<T>(name, Data.Tensor(b, shape, value), Data.Tensor(b, shape, gradient), decay));
    }
}
