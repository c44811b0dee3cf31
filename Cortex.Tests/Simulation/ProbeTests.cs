using Cortex.Connectivity;
using Cortex.Core.Backends;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Simulation;

/// <summary>States recorded by the probes, against values computed on paper.</summary>
public sealed class ProbeTests
{
    /// <summary>
    /// One unit per area, identity nonlinearity, no bias, fixed 1×1 weights: A(t) = 2·x + ½·B(t − 1);
    /// B(t) = ½·B(t − 1) + ½·3·A(t − 2) (leaky, τ = 2 dt; the A→B projection has delay 2). With x = 1:
    /// <code>
    /// t   A(t)                  B(t)
    /// 0   0                     0                       initial states
    /// 1   2                     0                       B reads A(−1): the zero initial state
    /// 2   2                     0                       B reads A(0) = 0
    /// 3   2                     ½·0 + ½·3·2 = 3         B first receives input at t = 3 = 1 + delay 2
    /// 4   2 + ½·3 = 3.5         ½·3 + ½·3·2 = 4.5
    /// </code>
    /// </summary>
    private const string Paper = """
        name: paper
        time: { steps: 4 }
        input: { shape: [1, 1, 1] }
        areas:
          - { name: A, level: 1, shape: [1, 1, 1], activation: identity, bias: false }
          - { name: B, level: 2, shape: [1, 1, 1], activation: identity, bias: false, tau: 2.0 }
        projections:
          - { from: image, to: A, type: feedforward, kernel: 1 }
          - { from: A, to: B, type: feedforward, kernel: 1, delay: 2 }
          - { from: B, to: A, type: feedback, kernel: 1 }
        readout: { from: B, classes: 2, pooling: none }
        """;

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void StatesMatchTheHandComputedValues(DeviceKind kind)
    {
        var backend = TestBackends.Get<double>(kind);
        using var net = NetworkHarness.Build(backend, Paper);
        Set(net, "image->A.weight", 2);
        Set(net, "A->B.weight", 3);
        Set(net, "B->A.weight", 0.5);
        net.Forward([1.0], 1, training: false);
        Assert.Multiple(() =>
        {
            Assert.That(Data.Read(net.States("A")), Is.EqualTo(new[] { 0, 2, 2, 2, 3.5 }).Within(1e-12));
            Assert.That(Data.Read(net.States("B")), Is.EqualTo(new[] { 0, 0, 0, 3, 4.5 }).Within(1e-12));
            Assert.That(Data.Read(net.State("B", 3)), Is.EqualTo(new[] { 3.0 }).Within(1e-12));
            Assert.That(net.States("A").Shape.ToString(), Is.EqualTo("[5, 1, 1, 1, 1]"), "[T + 1, B, C, H, W], index 0 the initial state");
        });
    }

    [Test]
    public void TheFirstStepWithInputAgreesWithTheLedger()
    {
        var ledger = NetworkLoader.Parse(Paper).Ledger;
        Assert.That(ledger.Areas.Single(a => a.Name == "B").FirstInputStep, Is.EqualTo(3));
        var backend = TestBackends.Get<double>(DeviceKind.Cpu);
        using var net = NetworkHarness.Build(backend, Paper);
        net.Forward([1.0], 1, training: false);
        Assert.That(Data.Read(net.State("B", 2))[0], Is.EqualTo(0), "B has not received input before step 3");
        Assert.That(Data.Read(net.State("B", 3))[0], Is.Not.EqualTo(0));
    }

    [Test]
    public void UnknownAreaAndStepAreNamed()
    {
        var backend = TestBackends.Get<double>(DeviceKind.Cpu);
        using var net = NetworkHarness.Build(backend, Paper);
        Assert.That(() => net.State("A", 0), Throws.InvalidOperationException.With.Message.Contains("Forward"));
        net.Forward([1.0], 1, training: false);
        Assert.Multiple(() =>
        {
            Assert.That(() => net.State("V9", 1), Throws.ArgumentException.With.Message.Contains("no area named 'V9'").And.Message.Contains("A, B"));
            Assert.That(() => net.State("A", 5), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("0..4"));
        });
    }

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void ImagesOnTheDeviceGiveTheSameStatesAsImagesOnTheHost(DeviceKind kind)
    {
        var backend = TestBackends.Get<double>(kind);
        using var net = NetworkHarness.Build(backend, Conformance.KindCatalogue.TypesAndDelays);
        var image = Data.Random(3 * 16, 6);
        var fromHost = NetworkHarness.Outputs(net.Forward(image, 3, training: true));
        var statesFromHost = Data.Read(net.States("A"));
        using var onDevice = Data.Tensor(backend, new Cortex.Core.Tensors.Shape(3, 1, 4, 4), image);
        using var wrong = backend.Allocate(new Cortex.Core.Tensors.Shape(3, 2, 4, 4));
        Assert.Multiple(() =>
        {
            Assert.That(NetworkHarness.Outputs(net.Forward(onDevice, training: true)), Is.EqualTo(fromHost));
            Assert.That(Data.Read(net.States("A")), Is.EqualTo(statesFromHost));
            Assert.That(net.States("A").Shape.ToString(), Is.EqualTo("[4, 3, 2, 4, 4]"));
            Assert.That(() => net.Forward(wrong, training: true),
                Throws.ArgumentException.With.Message.Contains("input must be [B, 1, 4, 4], got [3, 2, 4, 4]"));
        });
    }

    [Test]
    public void ALearnedInitialStateIsStateZeroOfEverySample()
    {
        var backend = TestBackends.Get<double>(DeviceKind.Cpu);
        using var net = NetworkHarness.Build(backend, Conformance.KindCatalogue.Untied);
        var h0 = Data.Random(32, 12);
        net.Parameters.Single(p => p.Name == "A.initial_state").Value.CopyFrom(h0);
        net.Forward(Data.Random(2 * 16, 1), 2, training: true);
        Assert.That(Data.Read(net.State("A", 0)), Is.EqualTo(h0.Concat(h0).ToArray()));
    }

    private static void Set(Cortex.Core.Simulation.Network<double> net, string name, double value)
        => net.Parameters.Single(p => p.Name == name).Value.CopyFrom([value]);
}
