using System.Diagnostics;
using System.Globalization;
using Cortex.Core.Kernels;
using Cortex.Core.Optimisers;
using Cortex.Core.Simulation;
using Cortex.Core.Tensors;
using Cortex.Experiments.Checkpoints;
using Cortex.Experiments.Data;
using Cortex.Experiments.Reports;

namespace Cortex.Experiments.Training;

/// <summary>Everything a training run is told, besides the network and the data.</summary>
public sealed record TrainingOptions
{
    public int Epochs { get; init; } = 2;
    public int BatchSize { get; init; } = 128;
    /// <summary>adamw or sgd.</summary>
    public string Optimiser { get; init; } = "adamw";
    public LearningRate LearningRate { get; init; } = new(3e-3);
    /// <summary>SGD momentum.</summary>
    public double Momentum { get; init; } = 0.9;
    /// <summary>AdamW's decoupled decay, or SGD's L2 term; not applied to biases and normalisation parameters.</summary>
    public double WeightDecay { get; init; } = 1e-4;
    /// <summary>Largest global gradient norm; 0 turns clipping off.</summary>
    public double ClipNorm { get; init; }
    public LossSchedule Loss { get; init; } = LossSchedule.Final;
    public int Seed { get; init; } = 1;
    /// <summary>Random shifts of up to this many pixels (augmentation); 0: none.</summary>
    public int MaxShift { get; init; }
    /// <summary>A checkpoint is written every this many batches and at the end of every epoch.</summary>
    public int CheckpointEveryBatches { get; init; } = 100;
    public int EvaluationBatchSize { get; init; } = 500;
    /// <summary>Stops after this many batches of this invocation, as an interruption would (for tests of resuming).</summary>
    public int? StopAfterBatches { get; init; }
    /// <summary>The data the run trains and tests on, recorded in its checkpoints so that a resume can check it meets the same data.</summary>
    public DataIdentity? Data { get; init; }

    public static readonly string[] Optimisers = ["adamw", "sgd"];
}

/// <summary>A run stopped because the loss or a gradient stopped being finite.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);

/// <summary>What a run produced.</summary>
public sealed record TrainingOutcome(bool Completed, DataPosition Position, long Steps, IReadOnlyList<EvaluationResult> EpochTests, double ImagesPerSecond);

/// <summary>
/// Minibatch backpropagation through time: forward over T steps, the scheduled loss on the host (double
/// precision, from the logits), backward, optional clipping, an optimiser step; checkpoints written atomically
/// every <see cref="TrainingOptions.CheckpointEveryBatches"/> batches and at each epoch's end, with the data
/// position, so that <see cref="Resume"/> continues exactly where a run stopped. On the CPU a run is
/// deterministic for a given seed.
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly Network<float> network;
    private readonly IOptimiser<float> optimiser;
    private readonly Tensor<float> dLogits, norm;
    private readonly string config;
    private DataPosition start;

    public Trainer(Network<float> network, TrainingOptions options, string resolvedConfig)
    {
        this.network = network;
        Options = options;
        config = resolvedConfig;
        optimiser = options.Optimiser switch
        {
            "adamw" => new AdamW<float>(network.Parameters, new AdamWOptions { WeightDecay = options.WeightDecay }),
            "sgd" => new Sgd<float>(network.Parameters, new SgdOptions { Momentum = options.Momentum, WeightDecay = options.WeightDecay }),
            _ => throw new ArgumentException($"unknown optimiser '{options.Optimiser}'; allowed: {string.Join(", ", TrainingOptions.Optimisers)}"),
        };
        var readout = network.Readouts[0];
        dLogits = network.Backend.Allocate(new Shape(readout.Steps.Count, options.BatchSize, readout.Classes));
        norm = network.Backend.Allocate(new Shape(1));
    }

    public TrainingOptions Options { get; }

    /// <summary>Identifies the network's parameters (names and shapes): a checkpoint loads only into the same network.</summary>
    public string Fingerprint => WeightLoader.Fingerprint(network);

    /// <summary>Restores weights, buffers, optimiser state and the data position from a checkpoint of the same network.</summary>
    public void Resume(Checkpoint checkpoint)
    {
        WeightLoader.Load(checkpoint, network);
        foreach (var (name, tensor) in optimiser.State) checkpoint.CopyInto(WeightLoader.OptimiserPrefix + name, tensor);
        optimiser.Restore(checked((int)checkpoint.Metadata.Step));
        start = checkpoint.Metadata.Data;
    }

    /// <summary>
    /// Trains from the current position (0, or where <see cref="Resume"/> left it) to the end of
    /// <see cref="TrainingOptions.Epochs"/>, evaluating on <paramref name="test"/> after each epoch.
    /// </summary>
    public TrainingOutcome Train(Dataset train, Dataset? test, string? checkpointPath, MetricsLog metrics, TrainingProgress? progress)
    {
        var o = Options;
        var iterator = new BatchIterator(train, new BatchOptions(o.BatchSize, o.Seed, Shuffle: true, DropLast: true, MaxShift: o.MaxShift), start);
        var readout = network.Readouts[0];
        int steps = readout.Steps.Count, classes = readout.Classes;
        var (fineWeights, coarseWeights) = o.Loss.WeightsFor(steps);
        long totalSteps = (long)o.Epochs * iterator.BatchesPerEpoch;
        var host = new float[steps * o.BatchSize * classes];
        var tests = new List<EvaluationResult>();
        int batchesThisRun = 0;
        var clock = Stopwatch.StartNew();
        long imagesThisRun = 0;
        double lossSum = 0, correctSum = 0;
        int lossCount = 0;
        while (iterator.Position.Epoch < o.Epochs)
        {
            if (o.StopAfterBatches is { } stop && batchesThisRun >= stop)
                return new TrainingOutcome(false, iterator.Position, optimiser.StepCount, tests, imagesThisRun / clock.Elapsed.TotalSeconds);
            var position = iterator.Position;
            var batch = iterator.Next();
            var logits = network.Forward(batch.Images, o.BatchSize, training: true);
            logits.Backend.Download(logits, host);
            double loss = ScheduledLoss.Compute(host, steps, o.BatchSize, classes, batch.Labels, fineWeights, coarseWeights, train.Coarse, host);
            if (!double.IsFinite(loss)) throw Divergence.Stopped(network, position, optimiser.StepCount + 1, $"the loss is {loss}", checkpointPath);
            correctSum += LastStepCorrect(network, batch, steps, classes);
            dLogits.CopyFrom(host);
            network.ZeroGradients();
            network.Backward(dLogits);
            double gradientNorm = GlobalNorm();
            if (!double.IsFinite(gradientNorm)) throw Divergence.Stopped(network, position, optimiser.StepCount + 1, $"the gradient norm is {gradientNorm}", checkpointPath);
            if (o.ClipNorm > 0) GradientClipping.ClipByGlobalNorm(network.Parameters, (float)o.ClipNorm, norm);
            long step = optimiser.StepCount;
            optimiser.Step((float)o.LearningRate.At(step, totalSteps, iterator.BatchesPerEpoch));
            batchesThisRun++;
            imagesThisRun += o.BatchSize;
            lossSum += loss;
            lossCount++;
            int epoch = position.Epoch + 1;
            progress?.Update(epoch, (long)position.Epoch * iterator.BatchesPerEpoch * o.BatchSize + (position.Batch + 1L) * o.BatchSize,
                lossSum / lossCount, correctSum / (lossCount * (double)o.BatchSize));
            bool endOfEpoch = iterator.Position.Epoch != position.Epoch;
            if (endOfEpoch)
            {
                metrics.Add(epoch, "train", null, "loss", lossSum / lossCount);
                metrics.Add(epoch, "train", null, "accuracy", correctSum / (lossCount * (double)o.BatchSize));
                (lossSum, correctSum, lossCount) = (0, 0, 0);
                if (test is not null)
                {
                    var result = Evaluator.Run(network, test, o.EvaluationBatchSize);
                    tests.Add(result);
                    Record(metrics, epoch, "test", result);
                    progress?.Line($"epoch {epoch}: test accuracy per step {string.Join("  ", result.Steps.Select(s => $"t{s.Step} {100 * s.Accuracy:F1}%"))}");
                }
            }
            if (checkpointPath is not null && (endOfEpoch || batchesThisRun % o.CheckpointEveryBatches == 0))
                Save(checkpointPath, iterator.Position);
        }
        return new TrainingOutcome(true, iterator.Position, optimiser.StepCount, tests, imagesThisRun / clock.Elapsed.TotalSeconds);
    }

    /// <summary>Writes weights, buffers, optimiser state, config, seed and data position (atomically).</summary>
    public void Save(string path, DataPosition next)
    {
        var arrays = new List<NamedArray>();
        arrays.AddRange(network.Parameters.Select(p => NamedArray.From(WeightLoader.ParameterPrefix + p.Name, p.Value)));
        arrays.AddRange(network.Buffers.Select(b => NamedArray.From(WeightLoader.BufferPrefix + b.Name, b.Tensor)));
        arrays.AddRange(optimiser.State.Select(s => NamedArray.From(WeightLoader.OptimiserPrefix + s.Name, s.Tensor)));
        var metadata = new CheckpointMetadata
        {
            Fingerprint = Fingerprint,
            Config = config,
            Seed = Options.Seed,
            Step = optimiser.StepCount,
            Data = next,
            Properties = RunSettings.Record(Options, network.Name),
        };
        CheckpointFile.Write(path, new Checkpoint(metadata, arrays));
    }

    public static void Record(MetricsLog metrics, int epoch, string split, EvaluationResult result)
    {
        metrics.AddPerStep(epoch, split, "accuracy", [.. result.Steps.Select(s => s.Accuracy)]);
        metrics.AddPerStep(epoch, split, "coarse_accuracy", [.. result.Steps.Select(s => s.CoarseAccuracy)]);
        metrics.AddPerStep(epoch, split, "cross_entropy", [.. result.Steps.Select(s => s.CrossEntropy)]);
        metrics.AddPerStep(epoch, split, "confidence", [.. result.Steps.Select(s => s.Confidence)]);
        foreach (var e in result.EarlyExit)
        {
            metrics.Add(epoch, split, null, $"early_exit_{e.Threshold.ToString(CultureInfo.InvariantCulture)}_mean_steps", e.MeanSteps);
            metrics.Add(epoch, split, null, $"early_exit_{e.Threshold.ToString(CultureInfo.InvariantCulture)}_accuracy", e.Accuracy);
        }
    }

    private static double LastStepCorrect(Network<float> network, Batch batch, int steps, int classes)
    {
        // Accuracy of the last read step from the logits already downloaded would need them before the
        // gradient overwrote them: read the last step's logits slice again (small: [B, K]).
        var last = network.Logits(network.Readouts[0].Name).Step(steps - 1).ToArray();
        int correct = 0;
        for (int b = 0; b < batch.Count; b++)
        {
            int best = 0;
            for (int c = 1; c < classes; c++) if (last[b * classes + c] > last[b * classes + best]) best = c;
            if (best == batch.Labels[b]) correct++;
        }
        return correct;
    }

    private double GlobalNorm()
    {
        bool first = true;
        foreach (var p in network.Parameters)
        {
            Reduce.SumOfSquares(p.Gradient, norm, accumulate: !first);
            first = false;
        }
        return Math.Sqrt(norm.ToArray()[0]);
    }

    public void Dispose()
    {
        optimiser.Dispose();
        dLogits.Dispose();
        norm.Dispose();
    }
}
