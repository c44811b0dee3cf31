using Cortex.Connectivity;
using Cortex.Areas.Projections;
using Cortex.Areas.Modes;
using Cortex.Areas.Norms;
using Cortex.Connectivity.Spec;
using Cortex.Core.Backends;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Simulation;

/// <summary>
/// Backpropagation through time against finite differences (double precision, 3 or 4 steps, batch 2), for every
/// parameter and the input, on every backend. Together the networks cover every projection type, delays 0, 1
/// and 2, additive and multiplicative projections, leaky areas, per-step and shared normalisation, shared, untied
/// and tied-every-k weights, every resampling, strided and dense projections, vector areas, sign constraints,
/// learned τ and learned initial states, and blank input steps.
/// </summary>
public sealed class GradientCheckTests
{
    /// <summary>Feedforward (delay 0, max pooling), lateral (delay 1), additive feedback by transposed convolution (delay 2); a leaky area with per-step normalisation.</summary>
    public const string TypesAndDelays = """
        name: types-and-delays
        time: { steps: 3 }
        input: { shape: [1, 4, 4] }
        areas:
          - { name: A, level: 1, shape: [2, 4, 4], norm: per-step, tau: 2.0 }
          - { name: B, level: 2, shape: [2, 2, 2], activation: tanh }
        projections:
          - { from: image, to: A, type: feedforward, kernel: 3 }
          - { from: A, to: A, type: lateral, kernel: 3 }
          - { from: A, to: B, type: feedforward, kernel: 3, resample: maxpool, factor: 2 }
          - { from: B, to: A, type: feedback, kernel: 3, connectivity: transposed-conv, factor: 2, delay: 2 }
        readout: { from: B, classes: 3 }
        """;

    /// <summary>Multiplicative feedback (nearest upsampling) and a multiplicative lateral loop of delay 2; average pooling; shared normalisation.</summary>
    public const string Gains = """
        name: gains
        time: { steps: 3 }
        input: { shape: [1, 4, 4] }
        areas:
          - { name: A, level: 1, shape: [2, 4, 4], norm: shared }
          - { name: B, level: 2, shape: [2, 2, 2] }
        projections:
          - { from: image, to: A, type: feedforward, kernel: 3 }
          - { from: A, to: B, type: feedforward, kernel: 1, resample: avgpool, factor: 2 }
          - { from: B, to: B, type: lateral, kernel: 3 }
          - { from: B, to: A, type: feedback, kernel: 3, resample: upsample-nearest, factor: 2, mode: multiplicative }
          - { from: A, to: A, type: lateral, kernel: 1, mode: multiplicative, delay: 2 }
        readout: { from: B, classes: 3 }
        """;

    /// <summary>Untied weights, sign constraints, a strided convolution, bilinear upsampling, learned τ and a learned initial state.</summary>
    public const string Untied = """
        name: untied
        time: { steps: 3 }
        input: { shape: [1, 4, 4] }
        weight_tying: untied
        areas:
          - { name: A, level: 1, shape: [2, 4, 4], activation: softplus, tau: 1.5, tau_trainable: true, initial_state: learned }
          - { name: B, level: 2, shape: [2, 2, 2], activation: sigmoid }
        projections:
          - { from: image, to: A, type: feedforward, kernel: 3, sign: excitatory }
          - { from: A, to: B, type: feedforward, kernel: 3, stride: 2 }
          - { from: B, to: A, type: feedback, kernel: 1, resample: upsample-bilinear, factor: 2, sign: inhibitory, init: xavier, gain: 0.5 }
        readout: { from: B, classes: 2 }
        """;

    /// <summary>Weights tied every 2 steps; dense projections (one pooling its source) into and out of a vector area; biological unrolling; the image shown at steps 1..2 only.</summary>
    public const string DenseVector = """
        name: dense-vector
        time: { steps: 4, unroll: biological }
        input: { shape: [1, 4, 4], presentation: first-2 }
        weight_tying: tied-every-2
        areas:
          - { name: A, level: 1, shape: [1, 4, 4], norm: per-step }
          - { name: V, level: 2, shape: [3], activation: tanh, norm: per-step }
        projections:
          - { from: image, to: A, type: feedforward, kernel: 3 }
          - { from: A, to: V, type: feedforward, connectivity: dense, resample: maxpool, factor: 2 }
          - { from: V, to: V, type: lateral, connectivity: dense }
          - { from: V, to: A, type: feedback, connectivity: dense }
          - { name: gain, from: V, to: A, type: feedback, connectivity: dense, mode: multiplicative, delay: 2 }
        readout: { from: V, classes: 3 }
        """;

    private static readonly (string Name, string Yaml)[] Catalogue =
        [("types-and-delays", TypesAndDelays), ("gains", Gains), ("untied", Untied), ("dense-vector", DenseVector)];

    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (var kind in TestBackends.All)
            foreach (var (name, yaml) in Catalogue)
                yield return new TestCaseData(kind, yaml).SetArgDisplayNames(kind.ToString(), name);
    }

    /// <summary>The networks above are the conformance catalogue: together they must use every projection kind, type, mode, resampling and tying.</summary>
    [Test]
    public void TheCatalogueCoversEveryKind()
    {
        var specs = Catalogue.Select(c => NetworkLoader.Parse(c.Yaml).Spec).ToList();
        var projections = specs.SelectMany(s => s.Projections).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(projections.Select(p => p.Kind.Word).Distinct(), Is.SupersetOf(ProjectionKinds.All.Words), "projection kinds");
            Assert.That(projections.Select(p => p.Type).Distinct(), Is.EquivalentTo(Enum.GetValues<ProjectionType>()), "projection types");
            Assert.That(projections.Select(p => p.Mode.Word).Distinct(), Is.SupersetOf(new[] { "additive", "multiplicative" }), "modes");
            Assert.That(projections.Select(p => p.Options).OfType<ConvProjection.Options>().Select(o => o.Resampling.Kind).Distinct(),
                Is.EquivalentTo(Enum.GetValues<ResampleKind>()), "resampling");
            Assert.That(projections.Select(p => p.Sign).Distinct(), Is.EquivalentTo(Enum.GetValues<WeightSign>()), "signs");
            Assert.That(projections.Select(p => p.Delay).Distinct(), Is.SupersetOf(new[] { 0, 1, 2 }), "delays");
            Assert.That(specs.Select(s => s.WeightTying).Distinct(), Is.EquivalentTo(Enum.GetValues<WeightTying>()), "weight tying");
            var areas = specs.SelectMany(s => s.Areas).Select(a => a.Options).OfType<Cortex.Areas.Dynamics.StandardArea.Options>().ToList();
            Assert.That(areas.Select(a => a.Norm.Kind.Word).Distinct(), Is.SupersetOf(new[] { "none", "per-step", "shared" }), "normalisation");
            Assert.That(areas.Any(a => a.Tau > 1 && !a.TauTrainable) && areas.Any(a => a.TauTrainable), "fixed and learned leaks");
            Assert.That(specs.SelectMany(s => s.Areas).Any(a => !a.Shape.IsSpatial), "a vector area");
            Assert.That(areas.Select(a => a.InitialState).Distinct(), Is.EquivalentTo(Enum.GetValues<Cortex.Areas.Dynamics.InitialState>()), "initial states");
        });
    }

    [TestCaseSource(nameof(Cases))]
    public void BackpropagationThroughTimeMatchesFiniteDifferences(DeviceKind kind, string yaml) => NetworkHarness.CheckGradients(kind, yaml);

    private static IEnumerable<TestCaseData> CpuCatalogue() => Catalogue.Select(c => new TestCaseData(c.Yaml).SetArgDisplayNames(c.Name));

    /// <summary>
    /// State gradients are not cleared before backward (each one's first contribution writes over it): with every state
    /// gradient set to NaN beforehand, the parameter and input gradients come out exactly as from clean memory.
    /// </summary>
    [TestCaseSource(nameof(CpuCatalogue))]
    public void StaleStateGradientsDoNotLeakIntoBackward(string yaml)
    {
        var backend = TestBackends.Get<double>(DeviceKind.Cpu);
        using var net = NetworkHarness.Build(backend, yaml);
        NetworkHarness.Upload(net, NetworkHarness.RandomParameters(net, 11));
        var image = Data.Random(2 * NetworkHarness.InputSize(net), 5);
        var dLogits = net.Forward(image, 2, training: true).Select((l, i) =>
        {
            var d = backend.Allocate(l.Shape);
            d.CopyFrom(Data.Random(d.Length, 6 + i));
            return d;
        }).ToList();
        double[][] Gradients()
        {
            net.Forward(image, 2, training: true);
            net.ZeroGradients();
            net.Backward(dLogits, inputGradient: true);
            return [.. net.Parameters.Select(p => Data.Read(p.Gradient)), Data.Read(net.InputGradient)];
        }
        var clean = Gradients();
        foreach (var area in net.Simulator!.Areas) backend.Fill(area.DState.All, double.NaN);
        var stale = Gradients();
        for (int i = 0; i < clean.Length; i++)
            Assert.That(stale[i], Is.EqualTo(clean[i]), i < net.Parameters.Count ? net.Parameters[i].Name : "input");
    }
}
