using Cortex.Areas.Readouts;
using Cortex.Connectivity;
using Cortex.Connectivity.Building;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;
using Cortex.Experiments.Checkpoints;
using Cortex.Experiments.Data;
using Cortex.Experiments.Reports;
using Cortex.Experiments.Training;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Training;

public sealed class TrainingTests
{
    // A tiny recurrent network: V1 with lateral recurrence and per-step batch norm, V2 with feedback to V1.
    private const string Tiny = """
        name: tiny
        time: { steps: 3, unroll: synchronous }
        input: { shape: [1, 6, 6] }
        areas:
          - { name: V1, level: 1, shape: [3, 6, 6], activation: relu, norm: per-step }
          - { name: V2, level: 2, shape: [4, 3, 3], activation: relu }
        projections:
          - { from: image, to: V1, type: feedforward, kernel: 3 }
          - { from: V1, to: V1, type: lateral, kernel: 3 }
          - { from: V1, to: V2, type: feedforward, kernel: 3, resample: maxpool, factor: 2 }
          - { from: V2, to: V1, type: feedback, kernel: 3, resample: upsample-nearest, factor: 2 }
        readout: { from: V2, classes: 10, steps: all }
        """;

    private static Dataset Data(int count, int seed)
    {
        var random = new Random(seed);
        var labels = new int[count];
        var images = new float[count * 36];
        for (int i = 0; i < count; i++)
        {
            labels[i] = random.Next(6);
            // classes 0–5 differ in brightness (which survives global average pooling), plus noise
            for (int p = 0; p < 36; p++) images[i * 36 + p] = (float)(0.15 * labels[i] + 0.2 * random.NextDouble());
        }
        return new Dataset($"tiny-{seed}", images, new Shape(1, 6, 6), labels, DatasetKind.FashionMnist.ClassNames, DatasetKind.FashionMnist.Coarse);
    }

    private static TrainingOptions Options => new()
    {
        Epochs = 2, BatchSize = 8, LearningRate = new LearningRate(3e-3), Loss = LossSchedule.EveryStep, Seed = 5, MaxShift = 1,
        CheckpointEveryBatches = 1, EvaluationBatchSize = 16,
    };

    private static float[][] TrainAndRead(IBackend<float> backend, TrainingOptions options, string? checkpoint, Checkpoint? resume, out TrainingOutcome outcome)
    {
        var loaded = TrainingSession.WithLoss(NetworkLoader.Parse(Tiny, "tiny.yaml"), LossSchedule.EveryStep);
        using var network = NetworkBuilder.Build(loaded, backend, options.Seed);
        using var trainer = new Trainer(network, options, Tiny);
        if (resume is not null) trainer.Resume(resume);
        outcome = trainer.Train(Data(48, 1), Data(16, 2), checkpoint, new MetricsLog("test"), null);
        return [.. network.Parameters.Select(p => p.Value.ToArray()), .. network.Buffers.Select(b => b.Tensor.ToArray())];
    }

    [Test]
    public void ResumedRunEndsWithTheSameWeightsAsAnUninterruptedOne()
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        var folder = Directory.CreateTempSubdirectory("cortex-resume");
        try
        {
            string path = Path.Combine(folder.FullName, "checkpoint.ckpt");
            var whole = TrainAndRead(cpu, Options, null, null, out var full);
            Assert.That(full.Completed, Is.True);
            TrainAndRead(cpu, Options with { StopAfterBatches = 7 }, path, null, out var interrupted);
            Assert.That(interrupted.Completed, Is.False);
            Assert.That(interrupted.Position, Is.EqualTo(new DataPosition(1, 1)), "6 batches per epoch: the 8th batch is epoch 1, batch 1");
            var resumed = TrainAndRead(cpu, Options, path, CheckpointFile.Read(path), out var rest);
            Assert.That(rest.Completed, Is.True);
            Assert.That(rest.Steps, Is.EqualTo(full.Steps));
            for (int i = 0; i < whole.Length; i++)
                Assert.That(resumed[i], Is.EqualTo(whole[i]), $"tensor {i} differs after resuming");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Test]
    public void RunsAreDeterministicOnTheCpu()
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        var a = TrainAndRead(cpu, Options, null, null, out _);
        var b = TrainAndRead(cpu, Options, null, null, out _);
        for (int i = 0; i < a.Length; i++) Assert.That(b[i], Is.EqualTo(a[i]));
    }

    /// <summary>Several readouts: each is trained under its own schedule (its weights move), evaluated at its own steps, and logged by name.</summary>
    [Test]
    public void EveryReadoutIsTrainedAndEvaluated()
    {
        var yaml = Tiny.Replace("readout: { from: V2, classes: 10, steps: all }",
            "readouts:\n  - { name: late, from: V2, classes: 10, steps: final }\n  - { name: early, from: V1, classes: 10, steps: [1, 2], loss: every-step }");
        var loaded = TrainingSession.WithLoss(NetworkLoader.Parse(yaml, "two.yaml"), null);
        Assert.That(loaded.Spec.Readouts.Select(r => r.Options.Loss!.ToString()), Is.EqualTo(new[] { "final", "every-step" }));
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        using var network = NetworkBuilder.Build(loaded, cpu, 3);
        var before = network.Parameters.Where(p => p.Name.EndsWith(".weight") && p.Name.StartsWith("late") || p.Name.StartsWith("early"))
            .ToDictionary(p => p.Name, p => Cortex.Tests.Infrastructure.Data.Read(p.Value));
        using var trainer = new Trainer(network, Options with { Epochs = 1, Loss = null }, yaml);
        var log = new MetricsLog("two");
        var outcome = trainer.Train(Data(32, 8), Data(16, 9), null, log, null);
        foreach (var (name, values) in before)
            Assert.That(Cortex.Tests.Infrastructure.Data.Read(network.Parameters.Single(p => p.Name == name).Value), Is.Not.EqualTo(values), $"{name} was trained");
        var test = outcome.EpochTests[^1];
        Assert.That(test.Readouts.Select(r => (r.Readout, string.Join(",", r.Steps.Select(s => s.Step)))), Is.EqualTo(new[] { ("late", "3"), ("early", "1,2") }));
        Assert.That(log.Records.Where(r => r.Split == "test" && r.Metric == "early/accuracy").Select(r => r.T), Is.EqualTo(new int?[] { 1, 2 }));
        Assert.That(log.Records.Where(r => r.Split == "test" && r.Metric == "late/accuracy").Select(r => r.T), Is.EqualTo(new int?[] { 3 }));
        Assert.That(log.Records.Where(r => r.Split == "train").Select(r => r.Metric), Is.SupersetOf(new[] { "loss", "late/loss", "early/loss", "late/accuracy", "early/accuracy" }));
    }

    [TestCase(10000, 128, 125)]
    [TestCase(10000, 500, 500)]
    [TestCase(30, 100, 30)]
    [TestCase(7, 4, 1)]
    public void BatchStatisticsTakeTheLargestWholeBatch(int images, int asked, int expected) =>
        Assert.That(Evaluator.DividingBatch(images, asked), Is.EqualTo(expected));

    [Test]
    public void EvaluatingWithBatchStatisticsPadsNoBatch()
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        using var network = NetworkBuilder.Build(TrainingSession.WithLoss(NetworkLoader.Parse(Tiny.Replace("norm: per-step", "norm: shared"), "tiny.yaml"), null), cpu, 3);
        var test = Data(30, 9);
        // What the readout answered for every image at every step: its top probabilities.
        float[] Answers(int batch) => [.. Evaluator.Run(network, test, batch).Readouts[0].Confidence.SelectMany(c => c)];
        var running = Answers(16);
        network.InferenceStatistics = Cortex.Core.Simulation.InferenceStatistics.Batch;
        Assert.That(Answers(16), Is.EqualTo(Answers(15)), "asked for 16, evaluated in two whole batches of 15");
        Assert.That(Answers(16), Is.Not.EqualTo(Answers(10)), "the batches' statistics decide the answers");
        network.InferenceStatistics = Cortex.Core.Simulation.InferenceStatistics.Running;
        Assert.That(Answers(16), Is.EqualTo(running));
    }

    [Test]
    public void TrainingImprovesTestAccuracy()
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        var loaded = TrainingSession.WithLoss(NetworkLoader.Parse(Tiny, "tiny.yaml"), LossSchedule.EveryStep);
        using var network = NetworkBuilder.Build(loaded, cpu, 3);
        using var trainer = new Trainer(network, Options with { Epochs = 6, MaxShift = 0, LearningRate = new LearningRate(3e-2) }, Tiny);
        var test = Data(64, 9);
        double before = Evaluator.Run(network, test, 16).Readouts[0].Steps.Max(s => s.Accuracy);
        var log = new MetricsLog("t");
        var outcome = trainer.Train(Data(96, 8), test, null, log, null);
        var after = outcome.EpochTests[^1];
        Assert.That(after.Readouts[0].Steps.Select(s => s.Step), Is.EqualTo(new[] { 1, 2, 3 }));
        var trainLoss = log.Records.Where(r => r.Split == "train" && r.Metric == "loss").Select(r => r.Value).ToArray();
        Assert.That(trainLoss, Has.Length.EqualTo(6));
        Assert.That(trainLoss[^1], Is.LessThan(trainLoss[0] - 0.4), $"training loss per epoch: {string.Join(", ", trainLoss)}");
        double best = after.Readouts[0].Steps.Max(s => s.Accuracy);
        Assert.That(best, Is.GreaterThan(before + 0.15), $"best test accuracy over steps {before:P0} → {best:P0}");
        Assert.That(after.Readouts[0].EarlyExit.Select(e => e.MeanSteps), Is.All.InRange(1.0, 3.0));
    }

    [Test]
    public void DivergenceStopsWithAMessageAndKeepsTheLastCheckpoint()
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        var folder = Directory.CreateTempSubdirectory("cortex-diverge");
        try
        {
            string path = Path.Combine(folder.FullName, "checkpoint.ckpt");
            TrainAndRead(cpu, Options with { StopAfterBatches = 2 }, path, null, out _);
            var good = CheckpointFile.Read(path);
            var loaded = TrainingSession.WithLoss(NetworkLoader.Parse(Tiny, "tiny.yaml"), LossSchedule.EveryStep);
            using var network = NetworkBuilder.Build(loaded, cpu, 5);
            using var trainer = new Trainer(network, Options with { LearningRate = new LearningRate(1e30, LearningRateShape.Constant), CheckpointEveryBatches = 1000 }, Tiny);
            trainer.Resume(good);
            var e = Assert.Throws<TrainingDivergedException>(() => trainer.Train(Data(48, 1), null, path, new MetricsLog("t"), null));
            Assert.That(e!.Message, Does.Contain("training stopped at epoch").And.Contain("non-finite").Or.Contain("NaN").Or.Contain("∞"));
            Assert.That(e.Message, Does.Contain($"The last checkpoint, {path} (optimiser step {good.Metadata.Step}, next {good.Metadata.Data}), is kept."));
            Assert.That(CheckpointFile.Read(path).Metadata.Step, Is.EqualTo(good.Metadata.Step), "the last good checkpoint is kept");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Test]
    public void CheckpointOfAnotherNetworkIsRefused()
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        var folder = Directory.CreateTempSubdirectory("cortex-other");
        try
        {
            string path = Path.Combine(folder.FullName, "checkpoint.ckpt");
            TrainAndRead(cpu, Options with { StopAfterBatches = 1 }, path, null, out _);
            var other = NetworkLoader.Parse(Tiny.Replace("shape: [4, 3, 3]", "shape: [5, 3, 3]"), "other.yaml");
            using var network = NetworkBuilder.Build(other, cpu, 1);
            using var trainer = new Trainer(network, Options, "other");
            var e = Assert.Throws<CheckpointError>(() => trainer.Resume(CheckpointFile.Read(path)));
            Assert.That(e!.Message, Does.Contain("tiny"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
