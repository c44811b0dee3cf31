using Cortex.Connectivity;
using Cortex.Connectivity.Building;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;
using Cortex.Experiments.Checkpoints;
using Cortex.Experiments.Data;
using Cortex.Experiments.Reports;
using Cortex.Experiments.Stimuli;
using Cortex.Experiments.Training;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Training;

/// <summary>The training stimulus reaches every training batch, and its per-epoch seeding lets a resumed run end exactly where an uninterrupted one does.</summary>
public sealed class TrainingStimulusTests
{
    private const string Tiny = """
        name: tiny
        time: { steps: 3 }
        input: { shape: [1, 6, 6] }
        areas:
          - { name: V1, level: 1, shape: [3, 6, 6], activation: relu, norm: per-step }
        projections:
          - { from: image, to: V1, type: feedforward, kernel: 3 }
          - { from: V1, to: V1, type: lateral, kernel: 3 }
        readout: { from: V1, classes: 10, steps: all }
        """;

    private static Dataset Data(int count, int seed, bool blank = false)
    {
        var random = new Random(seed);
        var labels = new int[count];
        var images = new float[count * 36];
        for (int i = 0; i < count; i++)
        {
            labels[i] = random.Next(6);
            for (int p = 0; p < 36; p++)
            {
                float value = (float)(0.15 * labels[i] + 0.2 * random.NextDouble());
                images[i * 36 + p] = blank ? 0f : value;
            }
        }
        return new Dataset($"tiny-{seed}", images, new Shape(1, 6, 6), labels, DatasetKind.FashionMnist.ClassNames);
    }

    private static TrainingOptions Options(string? stimulus) => new()
    {
        Epochs = 2, BatchSize = 8, LearningRate = new LearningRate(3e-3), Seed = 5, CheckpointEveryBatches = 1, EvaluationBatchSize = 16,
        TrainStimulus = stimulus is null ? null : StimulusCondition.Parse(stimulus),
    };

    private static float[][] Train(TrainingOptions options, Dataset train, string? checkpoint = null, Checkpoint? resume = null)
    {
        var loaded = TrainingSession.WithStimulus(NetworkLoader.Parse(Tiny, "tiny.yaml"), options.TrainStimulus);
        using var network = NetworkBuilder.Build(loaded, TestBackends.Get<float>(DeviceKind.Cpu), options.Seed);
        using var trainer = new Trainer(network, options, Tiny);
        if (resume is not null) trainer.Resume(resume);
        trainer.Train(train, Data(16, 2), checkpoint, new MetricsLog("test"), null);
        return [.. network.Parameters.Select(p => p.Value.ToArray()), .. network.Buffers.Select(b => b.Tensor.ToArray())];
    }

    /// <summary>Every pixel occluded (coverage 1, in the background 0): training sees exactly the blank images of the same labels, bit for bit.</summary>
    [Test]
    public void TheTrainingStimulusIsWhatTheNetworkIsTrainedOn()
    {
        var occluded = Train(Options("occlusion:1"), Data(48, 1));
        var blank = Train(Options(null), Data(48, 1, blank: true));
        var clean = Train(Options(null), Data(48, 1));
        for (int i = 0; i < occluded.Length; i++) Assert.That(occluded[i], Is.EqualTo(blank[i]), $"tensor {i}");
        Assert.That(occluded.Zip(clean).Any(p => !p.First.SequenceEqual(p.Second)), Is.True, "clean images train other weights");
    }

    /// <summary>Noise and a mask presentation drawn per (seed, epoch, image): interrupted after 7 batches and resumed, the run ends with the uninterrupted run's weights.</summary>
    [Test]
    public void AResumedRunSeesTheStimuliAnUninterruptedOneWould()
    {
        var folder = Directory.CreateTempSubdirectory("cortex-stimulus-resume");
        try
        {
            const string stimulus = "noise:0.2+first-2-then-mask";
            string path = Path.Combine(folder.FullName, "checkpoint.ckpt");
            var whole = Train(Options(stimulus), Data(48, 1));
            Train(Options(stimulus) with { StopAfterBatches = 7 }, Data(48, 1), path);
            var resumed = Train(Options(stimulus), Data(48, 1), path, CheckpointFile.Read(path));
            for (int i = 0; i < whole.Length; i++) Assert.That(resumed[i], Is.EqualTo(whole[i]), $"tensor {i}");
            var noiseOnly = Train(Options("noise:0.2"), Data(48, 1));
            Assert.That(noiseOnly.Zip(whole).Any(p => !p.First.SequenceEqual(p.Second)), Is.True, "the mask presentation changes what is trained");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
