using Cortex.Areas.Readouts;
using Cortex.Connectivity;
using Cortex.Connectivity.Building;
using Cortex.Core.Backends;
using Cortex.Core.Optimisers;
using Cortex.Core.Simulation;
using Cortex.Core.Tensors;
using Cortex.Experiments.Data;
using Cortex.Experiments.Reports;
using Cortex.Experiments.Training;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Distributed;

/// <summary>
/// Data-parallel training in one process, replicas as threads: N replicas on slices of every global batch end with the weights
/// one process gets from the whole batches, to within float rounding, and with exactly the same weights as each other.
/// </summary>
public sealed class DataParallelTrainingTests
{
    // BLT in miniature: per-step batch norm in V1, shared batch norm in V2 (both need the global batch's statistics), lateral
    // recurrence in both, transposed-convolution feedback.
    private const string Network = """
        name: blt-tiny
        time: { steps: 3, unroll: synchronous }
        input: { shape: [1, 6, 6] }
        areas:
          - { name: V1, level: 1, shape: [3, 6, 6], activation: relu, norm: per-step }
          - { name: V2, level: 2, shape: [4, 3, 3], activation: relu, norm: shared }
        projections:
          - { from: image, to: V1, type: feedforward, kernel: 3 }
          - { from: V1, to: V1, type: lateral, kernel: 3 }
          - { from: V1, to: V2, type: feedforward, kernel: 3, resample: maxpool, factor: 2 }
          - { from: V2, to: V2, type: lateral, kernel: 3 }
          - { from: V2, to: V1, type: feedback, connectivity: transposed-conv, kernel: 3, factor: 2 }
        readout: { from: V2, classes: 10, steps: all }
        """;

    private static Dataset Images(int count, int seed)
    {
        var random = new Random(seed);
        var labels = new int[count];
        var images = new float[count * 36];
        for (int i = 0; i < count; i++)
        {
            labels[i] = random.Next(10);
            for (int p = 0; p < 36; p++) images[i * 36 + p] = (float)(0.1 * labels[i] + 0.3 * random.NextDouble());
        }
        return new Dataset($"tiny-{seed}", images, new Shape(1, 6, 6), labels, DatasetKind.FashionMnist.ClassNames, DatasetKind.FashionMnist.Coarse);
    }

    // 36 images in global batches of 12: 3 steps an epoch, 2 epochs; clipping on, so the norm of the summed gradients matters.
    private static TrainingOptions Options => new()
    {
        Epochs = 2, BatchSize = 12, LearningRate = new LearningRate(1e-2), Loss = LossSchedule.EveryStep, Seed = 9, MaxShift = 1, ClipNorm = 0.5,
        CheckpointEveryBatches = 2,
    };

    /// <summary>Trains with the trainer (which slices each global batch for its replica) and returns every parameter and buffer.</summary>
    private static float[][] Train(IBackend<float> backend, IReplicas? replicas, MetricsLog metrics)
    {
        var loaded = TrainingSession.WithLoss(NetworkLoader.Parse(Network, "blt-tiny.yaml"), LossSchedule.EveryStep);
        using var network = NetworkBuilder.Build(loaded, backend, Options.Seed);
        network.Replicas = replicas;
        using var trainer = new Trainer(network, Options, Network);
        var outcome = trainer.Train(Images(36, 1), null, null, metrics, null);
        Assert.That(outcome.Completed && outcome.Steps == 6, Is.True);
        return [.. network.Parameters.Select(p => p.Value.ToArray()), .. network.Buffers.Select(b => b.Tensor.ToArray())];
    }

    [TestCase(2)]
    [TestCase(3)]
    public void ReplicasOnSlicesOfTheGlobalBatchTrainAsOneProcessOnTheWholeBatch(int count)
    {
        var single = new MetricsLog("one");
        var one = Train(new CpuBackend<float>(1), null, single);
        var logs = new MetricsLog[count];
        var replicas = ThreadReplicas.Run(count, r => Train(new CpuBackend<float>(1), r, logs[r.Index] = new MetricsLog($"replica {r.Index}")));
        for (int r = 0; r < count; r++)
            for (int i = 0; i < one.Length; i++)
            {
                Assert.That(replicas[r][i], Is.EqualTo(replicas[0][i]), $"replica {r} differs from replica 0 in tensor {i}: the replicas drifted apart");
                Data.AssertClose(Array.ConvertAll(replicas[r][i], v => (double)v), Array.ConvertAll(one[i], v => (double)v), 2e-4,
                    $"replica {r}, tensor {i}, against one process");
            }
        Assert.That(replicas[0].Zip(one).Any(p => !p.First.SequenceEqual(p.Second)), Is.True,
            "the replicas' weights are not bit-for-bit one process's (sums in another order), so the comparison above is a real tolerance check");
        // The training metrics of an epoch are the global batch's on every replica: the loss averaged over replicas, the accuracy summed.
        foreach (var metric in new[] { "loss", "readout/loss", "readout/accuracy" })
        {
            double expected = single.Records.Last(m => m.Metric == metric && m.Split == "train").Value;
            foreach (var log in logs)
                Assert.That(log.Records.Last(m => m.Metric == metric && m.Split == "train").Value, Is.EqualTo(expected).Within(1e-5), metric);
        }
    }

    [Test]
    public void UnevenSlicesAreRefused()
    {
        var error = Assert.Throws<AggregateException>(() => ThreadReplicas.Run(5, r =>
        {
            var loaded = NetworkLoader.Parse(Network, "blt-tiny.yaml");
            using var network = NetworkBuilder.Build(loaded, new CpuBackend<float>(1), 1);
            network.Replicas = r;
            using var trainer = new Trainer(network, Options, Network);
            return trainer.Train(Images(36, 1), null, null, new MetricsLog("x"), null);
        }))!;
        Assert.That(error.InnerException!.Message, Does.Contain("a global batch of 12 cannot be split evenly over 5 replicas"));
    }

    [Test]
    public void ANonFiniteLossOnOneReplicaStopsEveryReplicaAtTheSameStep()
    {
        // Replica 1's images are NaN: through the shared batch statistics and the summed gradients every replica sees it, and every
        // replica refuses the update with the same reason (none may step while another stops, or their weights would part).
        var outcomes = ThreadReplicas.Run(2, r =>
        {
            var loaded = TrainingSession.WithLoss(NetworkLoader.Parse(Network, "blt-tiny.yaml"), null);
            using var network = NetworkBuilder.Build(loaded, new CpuBackend<float>(1), 3);
            network.Replicas = r;
            using var optimiser = new AdamW<float>(network.Parameters, new AdamWOptions());
            using var step = new TrainingStep<float>(network, optimiser);
            var images = Enumerable.Repeat(r.Index == 1 ? float.NaN : 0.5f, 4 * 36).ToArray();
            var before = network.Parameters[0].Value.ToArray();
            var outcome = step.Run(images, 4, [1, 2, 3, 4], [], 1e-2);
            Assert.That(network.Parameters[0].Value.ToArray(), Is.EqualTo(before), "no update");
            return outcome;
        });
        Assert.That(outcomes.Select(o => o.Taken), Is.All.False);
        Assert.That(outcomes[0].Failure, Does.Contain("NaN"));
        Assert.That(outcomes[1].Failure, Is.EqualTo(outcomes[0].Failure));
    }
}
