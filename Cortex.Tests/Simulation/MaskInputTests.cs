using Cortex.Connectivity;
using Cortex.Connectivity.Graph;
using Cortex.Core.Backends;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Simulation;

/// <summary>An input per step: the image, a blank or a mask, as the presentation says, against values computed on paper.</summary>
public sealed class MaskInputTests
{
    /// <summary>
    /// One unit, identity, no bias: A(t) = 2·in(t) + ½·A(t − 1), where in(t) is the image x at t ≤ 2 and then, under
    /// <c>first-2-then-mask</c>, the image's mask m (under <c>first-2</c>, a blank). Two images, x = (1, 2), m = (10, −4):
    /// <code>
    /// t            1    2    3                 4
    /// x = 1        2    3    2·10 + 1.5 = 21.5   20 + 10.75 = 30.75     (blank: 1.5, 0.75)
    /// x = 2        4    6    2·(−4) + 3 = −5     −8 − 2.5 = −10.5      (blank: 3, 1.5)
    /// </code>
    /// </summary>
    private static string Network(string presentation) => $$"""
        name: masked
        time: { steps: 4 }
        input: { shape: [1, 1, 1], presentation: {{presentation}} }
        areas:
          - { name: A, level: 1, shape: [1, 1, 1], activation: identity, bias: false }
        projections:
          - { from: image, to: A, type: feedforward, kernel: 1 }
          - { from: A, to: A, type: lateral, kernel: 1 }
        readout: { from: A, classes: 2, pooling: none }
        """;

    private static Cortex.Core.Simulation.Network<double> Build(IBackend<double> backend, string presentation)
    {
        var net = NetworkHarness.Build(backend, Network(presentation));
        net.Parameters.Single(p => p.Name == "image->A.weight").Value.CopyFrom([2.0]);
        net.Parameters.Single(p => p.Name == "A->A.weight").Value.CopyFrom([0.5]);
        return net;
    }

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void TheMaskReachesTheFirstAreaAfterStepK(DeviceKind kind)
    {
        var backend = TestBackends.Get<double>(kind);
        using var masked = Build(backend, "first-2-then-mask");
        using var blank = Build(backend, "first-2");
        masked.Forward([1.0, 2.0], [10.0, -4.0], 2, training: true);
        blank.Forward([1.0, 2.0], 2, training: true);
        Assert.Multiple(() =>
        {
            // States [T + 1, B]: t = 0..4, images 1 and 2.
            Assert.That(Data.Read(masked.States("A")), Is.EqualTo(new[] { 0, 0, 2, 4, 3, 6, 21.5, -5, 30.75, -10.5 }).Within(1e-12));
            Assert.That(Data.Read(blank.States("A")), Is.EqualTo(new[] { 0, 0, 2, 4, 3, 6, 1.5, 3, 0.75, 1.5 }).Within(1e-12));
        });

        // The mask is a constant: ∂L/∂image sums the steps that show the image only, as under first-2 (the map from x is the same linear one).
        var readout = Data.Random(2, 4, -1, 1);
        masked.Parameters.Single(p => p.Name == "readout.weight").Value.CopyFrom(readout);
        blank.Parameters.Single(p => p.Name == "readout.weight").Value.CopyFrom(readout);
        var dLogits = Data.Random(4 * 2 * 2, 8, -1, 1);
        double[] InputGradient(Cortex.Core.Simulation.Network<double> net, Action forward)
        {
            forward();
            using var g = Data.Tensor(backend, new Cortex.Core.Tensors.Shape(4, 2, 2), dLogits);
            net.ZeroGradients();
            net.Backward([g], inputGradient: true);
            return Data.Read(net.InputGradient);
        }
        var fromMasked = InputGradient(masked, () => masked.Forward([1.0, 2.0], [10.0, -4.0], 2, training: true));
        var fromBlank = InputGradient(blank, () => blank.Forward([1.0, 2.0], 2, training: true));
        Assert.That(fromMasked, Is.EqualTo(fromBlank).Within(1e-12));
        Assert.That(fromMasked, Has.Some.Not.EqualTo(0.0));
    }

    [Test]
    public void AMaskIsNeededExactlyWhenTheScheduleShowsOne()
    {
        var backend = TestBackends.Get<double>(DeviceKind.Cpu);
        using var masked = Build(backend, "first-2-then-mask");
        using var blank = Build(backend, "first-2");
        Assert.Multiple(() =>
        {
            Assert.That(masked.ShowsMask, Is.True);
            Assert.That(() => masked.Forward([1.0, 2.0], 2, training: false), Throws.ArgumentException.With.Message.EqualTo(
                "masked: the input shows a mask at steps 3, 4, so a forward pass needs one mask per image (2 values), got 0"));
            Assert.That(() => blank.Forward([1.0, 2.0], [1.0, 1.0], 2, training: false), Throws.ArgumentException.With.Message.Contains("masks were given, but the presentation shows none"));
            Assert.That(() => masked.Program.InputAt, Is.EqualTo(new[] { Cortex.Core.Simulation.StepInput.Blank, Cortex.Core.Simulation.StepInput.Image,
                Cortex.Core.Simulation.StepInput.Image, Cortex.Core.Simulation.StepInput.Mask, Cortex.Core.Simulation.StepInput.Mask }));
        });
    }

    [Test]
    public void TheMaskPresentationRoundTripsThroughTheNetworkFile()
    {
        var spec = NetworkLoader.Parse(Network("first-2-then-mask")).Spec;
        string written = Cortex.Connectivity.Reading.NetworkWriter.Write(spec);
        Assert.That(written, Does.Contain("presentation: first-2-then-mask"));
        Assert.That(NetworkLoader.Parse(written).Spec.Input.Presentation, Is.EqualTo(spec.Input.Presentation));
        Assert.That(Connectivity.Networks.Errors(Network("first-2-then-blank")), Has.One.Contains("input.presentation: unknown presentation 'first-2-then-blank'"));
    }

    /// <summary>The ledger sees mask steps: the input's projection is active there (it costs operations and gives depth), and the arena holds one mask per image, as the estimate says.</summary>
    [Test]
    public void TheLedgerCountsMaskStepsAndTheArenaHoldsTheMask()
    {
        var masked = NetworkLoader.Parse(Network("first-2-then-mask"));
        var blank = NetworkLoader.Parse(Network("first-2"));
        Assert.Multiple(() =>
        {
            Assert.That(masked.Schedule.ToString(), Does.Contain("t=3   A ← image@3 feedforward (mask), A@2 lateral"));
            Assert.That(blank.Schedule.ToString(), Does.Contain("t=3   A ← image@3 feedforward (blank: inactive), A@2 lateral"));
            Assert.That(masked.Ledger.SynapticOpsPerStep, Is.EqualTo(new long[] { 1, 2, 2, 2 }), "image->A at every step, A->A from t = 2");
            Assert.That(blank.Ledger.SynapticOpsPerStep, Is.EqualTo(new long[] { 1, 2, 1, 1 }));
            Assert.That(masked.Schedule.Reads.Where(r => r.Reads == SourceRead.Mask).Select(r => r.Step), Is.EqualTo(new[] { 3, 4 }));
        });
        var backend = TestBackends.Get<float>(DeviceKind.Cpu);
        foreach (var file in new[] { masked, blank })
        {
            using var net = Cortex.Connectivity.Building.NetworkBuilder.Build(file, backend, seed: 1);
            net.Reserve(3);
            Assert.That(net.ArenaValues * sizeof(float), Is.EqualTo(file.Ledger.Memory(3).StateBytes), file.Spec.Input.Presentation.ToString());
        }
        Assert.That(masked.Ledger.Memory(3).StateBytes - blank.Ledger.Memory(3).StateBytes, Is.EqualTo(3 * sizeof(float)), "one mask value per image");
    }
}
