using Cortex.Core.Backends;
using Cortex.Tests.Infrastructure;
using Cortex.Tests.Simulation;

namespace Cortex.Tests.Areas;

/// <summary>What an area kind keeps and does: its parameters per normalisation mode, normalisation per step, the gain's neutral point.</summary>
public sealed class AreaTests
{
    private static string Net(string areaA, string extra = "") => $$"""
        name: area
        time: { steps: 3 }
        input: { shape: [1, 4, 4] }
        areas:
          - { name: A, level: 1, shape: [2, 4, 4]{{areaA}} }
          - { name: B, level: 2, shape: [3, 2, 2] }
        projections:
          - { from: image, to: A, type: feedforward, kernel: 3 }
          - { from: A, to: B, type: feedforward, kernel: 3, resample: maxpool, factor: 2 }
        {{extra}}
        readout: { from: B, classes: 2 }
        """;

    /// <summary>
    /// Inference with batch statistics normalises every step as training does, leaving the running averages as they are;
    /// with the running averages (the default), a shared norm whose steps differ does not.
    /// </summary>
    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void InferenceWithBatchStatisticsNormalisesLikeTrainingAndKeepsTheRunningAverages(DeviceKind kind)
    {
        var backend = TestBackends.Get<double>(kind);
        using var net = NetworkHarness.Build(backend, Net(", norm: shared", "  - { from: A, to: A, type: lateral, kernel: 3 }"));
        const int batch = 3;
        var images = Data.Random(batch * 16, 2);
        double[] States() => [.. Enumerable.Range(1, 3).SelectMany(t => Data.Read(net.State("A", t)))];
        double[][] Averages() => [.. net.Buffers.Select(b => Data.Read(b.Tensor))];

        net.Forward(images, batch, training: true);
        var trained = States();
        var averages = Averages();
        Assert.That(averages.SelectMany(a => a).Any(v => v != 0 && v != 1), "training moved the running averages");

        net.Forward(images, batch, training: false);
        var running = States();
        net.InferenceStatistics = Cortex.Core.Simulation.InferenceStatistics.Batch;
        net.Forward(images, batch, training: false);
        var batchStatistics = States();
        Assert.Multiple(() =>
        {
            Assert.That(batchStatistics, Is.EqualTo(trained).Within(1e-12), "batch statistics: as in training");
            Assert.That(Averages(), Is.EqualTo(averages), "the running averages untouched");
            Assert.That(running.Zip(trained).Max(p => Math.Abs(p.First - p.Second)), Is.GreaterThan(0.1), "running averages: not as in training");
        });
        net.InferenceStatistics = Cortex.Core.Simulation.InferenceStatistics.Running;
        net.Forward(images, batch, training: false);
        Assert.That(States(), Is.EqualTo(running), "back to the running averages");
    }

    [Test]
    public void ParametersFollowTheArea()
    {
        var backend = TestBackends.Get<float>(DeviceKind.Cpu);
        using var perStep = NetworkHarness.Build(backend, Net(", norm: per-step, tau: 2.0, tau_trainable: true, initial_state: learned, bias: true"));
        using var shared = NetworkHarness.Build(backend, Net(", norm: shared"));
        string Shapes(Cortex.Core.Simulation.Network<float> n) => string.Join("; ", n.Parameters.Where(p => p.Name.StartsWith("A.")).Select(p => $"{p.Name} {p.Shape}"));
        Assert.Multiple(() =>
        {
            Assert.That(Shapes(perStep), Is.EqualTo("A.bias [2]; A.norm.gamma [3, 2]; A.norm.beta [3, 2]; A.tau [2]; A.initial_state [2, 4, 4]"));
            Assert.That(Shapes(shared), Is.EqualTo("A.norm.gamma [2]; A.norm.beta [2]"));
            Assert.That(Data.Read(perStep.Parameters.Single(p => p.Name == "A.tau").Value), Is.EqualTo(new[] { 2.0, 2.0 }));
            Assert.That(perStep.Parameters.Where(p => p.Name.StartsWith("A.")).All(p => !p.ApplyWeightDecay), "no weight decay on biases, norms, τ, initial states");
        });
    }

    /// <summary>In training, per-step batch normalisation of an identity area gives every channel mean β = 0 and variance γ² = 1 over the batch at every step.</summary>
    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void TrainingNormalisesEveryStepWithItsBatchStatistics(DeviceKind kind)
    {
        var backend = TestBackends.Get<double>(kind);
        using var net = NetworkHarness.Build(backend, Net(", norm: per-step, activation: identity", "  - { from: A, to: A, type: lateral, kernel: 3 }"));
        const int batch = 3;
        net.Forward(Data.Random(batch * 16, 2), batch, training: true);
        for (int t = 1; t <= 3; t++)
        {
            var h = Data.Read(net.State("A", t)); // [B, 2, 4, 4]
            for (int c = 0; c < 2; c++)
            {
                var values = Enumerable.Range(0, batch).SelectMany(b => h.Skip((b * 2 + c) * 16).Take(16)).ToArray();
                double mean = values.Average(), variance = values.Select(v => (v - mean) * (v - mean)).Average();
                Assert.That(mean, Is.EqualTo(0).Within(1e-12), $"step {t}, channel {c}: mean");
                Assert.That(variance, Is.EqualTo(1).Within(1e-4), $"step {t}, channel {c}: variance (ε = 1e-5)");
            }
        }
    }

    /// <summary>A multiplicative projection whose weights are zero sets g = 0, a gain of exactly 1: the network is the same as with that projection silent.</summary>
    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void AZeroGateLeavesTheDriveUnchanged(DeviceKind kind)
    {
        var backend = TestBackends.Get<double>(kind);
        const string feedback = "  - { from: B, to: A, type: feedback, kernel: 3, resample: upsample-nearest, factor: 2, mode: {0} }";
        using var gain = NetworkHarness.Build(backend, Net(", norm: shared", feedback.Replace("{0}", "multiplicative")));
        using var additive = NetworkHarness.Build(backend, Net(", norm: shared", feedback.Replace("{0}", "additive")));
        var image = Data.Random(2 * 16, 4);
        double[] Run(Cortex.Core.Simulation.Network<double> n)
        {
            n.Parameters.Single(p => p.Name == "B->A.weight").Value.CopyFrom(new double[2 * 3 * 9]);
            return NetworkHarness.Outputs(n.Forward(image, 2, training: true));
        }
        Assert.That(Run(gain), Is.EqualTo(Run(additive)).Within(1e-12));
    }
}
