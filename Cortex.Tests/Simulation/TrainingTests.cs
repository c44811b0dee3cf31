using Cortex.Connectivity.Building;
using Cortex.Core.Backends;
using Cortex.Core.Optimisers;
using Cortex.Core.Simulation;
using Cortex.Tests.Connectivity;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Simulation;

/// <summary>Untied weights, agreement of the backends on a BLT-like network, a few training steps of BLT, every config running.</summary>
public sealed class TrainingTests
{
    private const string Untied = """
        name: untied-chain
        time: { steps: 3 }
        input: { shape: [1, 3, 3] }
        weight_tying: untied
        areas:
          - { name: A, level: 1, shape: [2, 3, 3] }
        projections:
          - { from: image, to: A, type: feedforward, kernel: 3 }
        readout: { from: A, classes: 2 }
        """;

    [Test]
    public void UntiedGradientsLandInTheCopyOfTheStepThatUsedIt()
    {
        var backend = TestBackends.Get<double>(DeviceKind.Cpu);
        using var net = NetworkHarness.Build(backend, Untied);
        var logits = net.Forward(Data.Random(2 * 9, 1), 2, training: true);
        using var dLogits = backend.Allocate(logits[0].Shape);
        var g = new double[dLogits.Length];
        int perStep = g.Length / 3;
        for (int i = perStep; i < 2 * perStep; i++) g[i] = 1 + i % 3;   // a gradient at step 2 only
        dLogits.CopyFrom(g);
        net.ZeroGradients();
        net.Backward([dLogits]);
        var copies = Enumerable.Range(0, 3).Select(c => Data.Read(net.Parameters.Single(p => p.Name == $"image->A.weight[copy {c}]").Gradient)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(copies[0], Is.All.EqualTo(0), "copy 0 is used at step 1 only");
            Assert.That(copies[1].Any(v => v != 0), "copy 1 is used at step 2");
            Assert.That(copies[2], Is.All.EqualTo(0), "copy 2 is used at step 3 only");
        });
    }

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void ChangingTheBatchSizeRemakesTheArena(DeviceKind kind)
    {
        var backend = TestBackends.Get<double>(kind);
        using var net = NetworkHarness.Build(backend, Untied);
        var two = Data.Random(2 * 9, 1);
        var first = NetworkHarness.Outputs(net.Forward(two, 2, training: false));
        var three = NetworkHarness.Outputs(net.Forward(Data.Random(3 * 9, 2), 3, training: false));
        Assert.That(net.Batch, Is.EqualTo(3));
        Assert.That(three, Has.Length.EqualTo(3 * 3 * 2), "[steps, B, classes]");
        Assert.That(NetworkHarness.Outputs(net.Forward(two, 2, training: false)), Is.EqualTo(first));
    }

    /// <summary>BLT's projections at a tiny size: feedforward with pooling, lateral, feedback by transposed convolution, per-step norm.</summary>
    private const string TinyBlt = """
        name: tiny-blt
        time: { steps: 3 }
        input: { shape: [1, 6, 6] }
        areas:
          - { name: V1, level: 1, shape: [3, 6, 6], norm: per-step }
          - { name: V2, level: 2, shape: [4, 3, 3], norm: per-step, tau: 2.0 }
        projections:
          - { from: image, to: V1, type: feedforward, kernel: 3 }
          - { from: V1, to: V1, type: lateral, kernel: 3 }
          - { from: V1, to: V2, type: feedforward, kernel: 3, resample: maxpool, factor: 2 }
          - { from: V2, to: V2, type: lateral, kernel: 3 }
          - { from: V2, to: V1, type: feedback, kernel: 3, connectivity: transposed-conv, factor: 2, mode: multiplicative }
        readout: { from: V2, classes: 5 }
        """;

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.Ilgpu))]
    public void IlgpuAgreesWithTheCpuPathInFloat(DeviceKind kind)
    {
        var image = Data.Random(3 * 36, 4);
        var (cpuLogits, cpuGradients) = Run(TestBackends.Get<float>(DeviceKind.Cpu), image);
        var (logits, gradients) = Run(TestBackends.Get<float>(kind), image);
        double tolerance = TestBackends.AgreementTolerance<float>();
        Data.AssertClose(logits, cpuLogits, tolerance, "logits");
        foreach (var (name, values) in gradients) Data.AssertClose(values, cpuGradients[name], tolerance * 10, name);
    }

    private static (double[] Logits, Dictionary<string, double[]> Gradients) Run(IBackend<float> backend, double[] image)
    {
        using var net = NetworkHarness.Build(backend, TinyBlt, seed: 8);
        var logits = NetworkHarness.Outputs(net.Forward(Data.Cast<float>(image), 3, training: true));
        var loss = net.Loss([0, 3, 4], default, NetworkHarness.Weights(0.25, 0.25, 0.5));
        net.ZeroGradients();
        net.Backward(net.LossGradients, inputGradient: true);
        var gradients = net.Parameters.ToDictionary(p => p.Name, p => Data.Read(p.Gradient));
        gradients["input"] = Data.Read(net.InputGradient);
        return (logits, gradients);
    }

    [Test]
    public void AFewAdamWStepsOfBltLowerTheLoss()
    {
        var backend = TestBackends.Get<float>(DeviceKind.Cpu);
        using var net = NetworkBuilder.Build(Networks.Config("blt"), backend, seed: 1);
        const int batch = 4;
        var images = Data.Cast<float>(Data.Random(batch * 28 * 28, 2, 0, 1));
        int[] labels = [3, 1, 7, 1];
        double[] everyStep = [0.25, 0.25, 0.25, 0.25];
        using var adam = new AdamW<float>(net.Parameters);
        var losses = new List<double>();
        for (int i = 0; i < 6; i++)
        {
            net.Forward(images, batch, training: true);
            var loss = net.Loss(labels, default, NetworkHarness.Weights(everyStep));
            losses.Add(loss.Value);
            adam.ZeroGradients();
            net.Backward(net.LossGradients);
            adam.Step(1e-2f);
        }
        TestContext.Out.WriteLine("losses: " + string.Join(", ", losses.Select(l => l.ToString("F4"))));
        Assert.That(losses[^1], Is.LessThan(losses[0] * 0.8), string.Join(", ", losses));
    }

    private static IEnumerable<string> Configs() => Directory.GetFiles(Networks.ConfigFolder, "*.yaml").Select(Path.GetFileNameWithoutExtension).Order()!;

    /// <summary>Every shipped network builds, its parameters are what the ledger counts, and it takes a training step (batch 2, the one training step).</summary>
    [TestCaseSource(nameof(Configs))]
    public void EveryConfigTakesATrainingStep(string name)
    {
        var loaded = Cortex.Experiments.Training.TrainingSession.WithLoss(Networks.Config(name), null);
        var backend = TestBackends.Get<float>(DeviceKind.Cpu);
        using var net = NetworkBuilder.Build(loaded, backend, seed: 1);
        Assert.That(net.Parameters.Sum(p => (long)p.Value.Length), Is.EqualTo(loaded.Ledger.Parameters), "the parameters the ledger counts");
        int size = NetworkHarness.InputSize(net);
        using var optimiser = new AdamW<float>(net.Parameters);
        using var step = new TrainingStep<float>(net, optimiser);
        var before = Data.Read(net.Parameters[0].Value);
        var outcome = step.Run(Data.Cast<float>(Data.Random(2 * size, 3, 0, 1)), 2, [1, 0], [], 1e-3);
        Assert.Multiple(() =>
        {
            Assert.That(outcome.Taken, Is.True, outcome.Failure);
            Assert.That(double.IsFinite(outcome.Loss) && outcome.Loss > 0, $"loss {outcome.Loss}");
            Assert.That(NetworkHarness.Outputs([.. net.Readouts.Select(r => net.Logits(r.Name))]).All(double.IsFinite), "finite logits");
            Assert.That(Data.Read(net.Parameters[0].Value), Is.Not.EqualTo(before), "the step changed the weights");
        });
    }

    [Test]
    public void ANetworkLargerThanTheDeviceIsRefusedBeforeAnythingIsAllocated()
    {
        const string huge = """
            name: huge
            time: { steps: 8 }
            input: { shape: [1, 512, 512] }
            areas:
              - { name: V1, level: 1, shape: [65536, 512, 512] }
            projections:
              - { from: image, to: V1, type: feedforward, kernel: 3 }
            readout: { from: V1, classes: 10 }
            """;
        var backend = TestBackends.Get<float>(DeviceKind.Cpu);
        var e = Assert.Throws<DeviceMemoryException>(() => NetworkHarness.Build(backend, huge))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Message, Does.StartWith("network 'huge' needs an estimated "));
            Assert.That(e.Message, Does.Contain("at batch 1").And.Contain("GiB").And.Contain(backend.Description).And.Contain("smaller batch"));
            Assert.That(e.EstimatedBytes, Is.GreaterThan(e.CapacityBytes));
        });

        using var blt = NetworkBuilder.Build(Networks.Config("blt"), backend, seed: 1);
        var atBatch = Assert.Throws<DeviceMemoryException>(() => blt.Reserve(50_000_000))!;
        Assert.That(atBatch.Message, Does.Contain("network 'blt'").And.Contain("at batch 50000000"));
        Assert.That(blt.Batch, Is.EqualTo(0), "nothing was reserved");
    }
}
