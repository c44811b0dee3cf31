using System.Diagnostics;
using System.Globalization;
using Cortex.Areas.Readouts;
using Cortex.Core.Optimisers;
using Cortex.Core.Simulation;
using Cortex.Experiments.Checkpoints;
using Cortex.Experiments.Data;
using Cortex.Experiments.Reports;
using Cortex.Experiments.Stimuli;

namespace Cortex.Experiments.Training;

/// <summary>Everything a training run is told, besides the network and the data.</summary>
public sealed record TrainingOptions
{
    /// <summary>Passes over the training set (≥ 1).</summary>
    public int Epochs { get; init; } = 2;
    /// <summary>Images per training batch (≥ 1, at most the training set; a last partial batch of an epoch is dropped).</summary>
    public int BatchSize { get; init; } = 128;
    /// <summary>adamw or sgd.</summary>
    public string Optimiser { get; init; } = "adamw";
    /// <summary>The base learning rate and its schedule over the run.</summary>
    public LearningRate LearningRate { get; init; } = new(3e-3);
    /// <summary>SGD momentum.</summary>
    public double Momentum { get; init; } = 0.9;
    /// <summary>AdamW's decoupled decay, or SGD's L2 term; not applied to biases and normalisation parameters.</summary>
    public double WeightDecay { get; init; } = 1e-4;
    /// <summary>Largest global gradient norm; 0 turns clipping off.</summary>
    public double ClipNorm { get; init; }
    /// <summary>
    /// The loss schedule of every readout; null: each readout's own (<c>loss</c> key), final where it has none. It belongs to
    /// the network file: <see cref="TrainingSession.WithLoss"/> applies it before the network is built, so the run's resolved
    /// config states it; a <see cref="Trainer"/> trains a built network with the schedules its readouts were built with.
    /// </summary>
    public LossSchedule? Loss { get; init; }
    /// <summary>Seeds the weights, the shuffling and the augmentation: the same seed, data and options give the same run.</summary>
    public int Seed { get; init; } = 1;
    /// <summary>Random shifts of up to this many pixels (augmentation); 0: none.</summary>
    public int MaxShift { get; init; }
    /// <summary>
    /// What the training images are shown as (null: clean): its transforms apply to every training batch after the shifts,
    /// image i of epoch e seeded by (the condition's seed, e, i), so each epoch brings fresh occluders and a resume sees the
    /// ones an uninterrupted run would. Its presentation belongs to the network file: <see cref="TrainingSession.WithStimulus"/>
    /// applies it before the network is built, so the run's resolved config states it. The test after each epoch uses its
    /// presentation and mask without its transforms.
    /// </summary>
    public StimulusCondition? TrainStimulus { get; init; }
    /// <summary>A checkpoint is written every this many batches and at the end of every epoch.</summary>
    public int CheckpointEveryBatches { get; init; } = 100;
    /// <summary>
    /// Checkpointing in time for backpropagation through time (not a training checkpoint): keep the states of every k-th step and
    /// recompute the others during backward (<see cref="Network{T}.KeepStatesEvery"/>); 0: every step stored. The gradients are the same bit for bit.
    /// </summary>
    public int KeepStatesEvery { get; init; }
    /// <summary>A memory budget in bytes that chooses <see cref="KeepStatesEvery"/> from the ledger's estimate (<see cref="BpttStorage.Choose"/>); null: none.</summary>
    public long? MemoryBudgetBytes { get; init; }
    /// <summary>Images per batch when evaluating (no gradients are kept, so it may be larger than <see cref="BatchSize"/>).</summary>
    public int EvaluationBatchSize { get; init; } = 500;
    /// <summary>Stops after this many batches of this invocation, as an interruption would (for tests of resuming).</summary>
    public int? StopAfterBatches { get; init; }

    /// <summary>The data the run trains and tests on, recorded in its checkpoints so that a resume can check it meets the same data.</summary>
    public DataIdentity? Data { get; init; }

    /// <summary>The optimiser names <see cref="Optimiser"/> accepts.</summary>
    public static readonly string[] Optimisers = ["adamw", "sgd"];
}

/// <summary>A run stopped because the loss or a gradient stopped being finite.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);

/// <summary>What a run produced.</summary>
public sealed record TrainingOutcome(bool Completed, DataPosition Position, long Steps, IReadOnlyList<EvaluationResult> EpochTests, double ImagesPerSecond);

/// <summary>
/// Minibatch backpropagation through time: each batch runs the one <see cref="TrainingStep{T}"/> (forward over T
/// steps, every readout's scheduled loss on the device, backward, optional clipping, an optimiser step); checkpoints are
/// written atomically every <see cref="TrainingOptions.CheckpointEveryBatches"/> batches and at each epoch's end, with
/// the data position, so that <see cref="Resume"/> continues exactly where a run stopped. On the CPU a run is
/// deterministic for a given seed.
/// <para>
/// Data-parallel (the network's <see cref="Network{T}.Replicas"/> set, N of them): every replica serves the same global
/// batch from the iterator (its order depends only on seed, epoch and batch) and trains on its slice, images
/// [r·B/N, (r + 1)·B/N) of it; the step sums gradients over the replicas. B must be a multiple of N. The training metrics
/// of an epoch are summed over the replicas; evaluation and checkpoints are the caller's choice per replica (rank 0 passes
/// a test set and a checkpoint path, the others null).
/// </para>
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly Network<float> network;
    private readonly IOptimiser<float> optimiser;
    private readonly TrainingStep<float> step;
    private readonly string config;
    private DataPosition start;

    /// <param name="network">The network, built from <paramref name="resolvedConfig"/>.</param>
    /// <param name="options">How to train.</param>
    /// <param name="resolvedConfig">The network file with every default written out (stored in checkpoints).</param>
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
        step = new TrainingStep<float>(network, optimiser, options.ClipNorm);
    }

    /// <summary>How it trains.</summary>
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
    /// <see cref="TrainingOptions.Epochs"/>, evaluating every readout on <paramref name="test"/> after each epoch.
    /// </summary>
    public TrainingOutcome Train(Dataset train, Dataset? test, string? checkpointPath, MetricsLog metrics, TrainingProgress? progress)
    {
        var o = Options;
        var iterator = new BatchIterator(train, new BatchOptions(o.BatchSize, o.Seed, Shuffle: true, DropLast: true, MaxShift: o.MaxShift), start);
        var replicas = network.Replicas;
        int parts = replicas?.Count ?? 1, part = replicas?.Index ?? 0;
        if (o.BatchSize % parts != 0)
            throw new ArgumentException($"{network.Name}: a global batch of {o.BatchSize} cannot be split evenly over {parts} replicas");
        int slice = o.BatchSize / parts, imageSize = train.ImageShape.Size;
        var groups = train.Coarse is { } g ? g.FineToCoarse.ToArray() : [];
        long totalSteps = (long)o.Epochs * iterator.BatchesPerEpoch;
        var tests = new List<EvaluationResult>();
        var stimulus = o.TrainStimulus ?? StimulusCondition.Clean;
        var masks = network.ShowsMask ? new float[o.BatchSize * imageSize] : [];
        int batchesThisRun = 0;
        var clock = Stopwatch.StartNew();
        long imagesThisRun = 0;
        var readouts = network.Readouts;
        var lossSums = new double[readouts.Count];
        var correctSums = new double[readouts.Count];
        int lossCount = 0;
        while (iterator.Position.Epoch < o.Epochs)
        {
            if (o.StopAfterBatches is { } stop && batchesThisRun >= stop)
                return new TrainingOutcome(false, iterator.Position, optimiser.StepCount, tests, imagesThisRun / clock.Elapsed.TotalSeconds);
            var position = iterator.Position;
            var batch = iterator.Next();
            var indices = batch.Indices.AsSpan(0, batch.Count);
            var shown = batch.Images.AsSpan(0, batch.Count * imageSize);
            stimulus.Apply(train, indices, shown, round: position.Epoch + 1);
            if (network.ShowsMask) stimulus.MakeMasks(shown, masks, train.ImageShape, indices, round: position.Epoch + 1);
            var outcome = step.Run(batch.Images.AsSpan(part * slice * imageSize, slice * imageSize),
                network.ShowsMask ? masks.AsSpan(part * slice * imageSize, slice * imageSize) : [], slice, batch.Labels.AsSpan(part * slice, slice), groups,
                o.LearningRate.At(optimiser.StepCount, totalSteps, iterator.BatchesPerEpoch));
            if (!outcome.Taken) throw Divergence.Stopped(network, position, optimiser.StepCount + 1, outcome.Failure!, checkpointPath);
            for (int r = 0; r < readouts.Count; r++)
            {
                lossSums[r] += outcome.ReadoutLosses[r];
                correctSums[r] += LastStepCorrect(r, batch.Labels.AsSpan(part * slice, slice));
            }
            batchesThisRun++;
            imagesThisRun += o.BatchSize;
            lossCount++;
            int epoch = position.Epoch + 1;
            progress?.Update(epoch, (long)position.Epoch * iterator.BatchesPerEpoch * o.BatchSize + (position.Batch + 1L) * o.BatchSize,
                lossSums.Sum() / lossCount, correctSums[0] / (lossCount * (double)slice));
            bool endOfEpoch = iterator.Position.Epoch != position.Epoch;
            if (endOfEpoch)
            {
                if (parts > 1) replicas!.Sum(correctSums);
                metrics.Add(epoch, "train", null, "loss", lossSums.Sum() / lossCount);
                for (int r = 0; r < readouts.Count; r++)
                {
                    metrics.Add(epoch, "train", null, Metric(readouts[r].Name, "loss"), lossSums[r] / lossCount);
                    metrics.Add(epoch, "train", null, Metric(readouts[r].Name, "accuracy"), correctSums[r] / (lossCount * (double)o.BatchSize));
                }
                Array.Clear(lossSums);
                Array.Clear(correctSums);
                lossCount = 0;
                if (test is not null)
                {
                    var result = Evaluator.Run(network, test, o.EvaluationBatchSize, stimulus.WithoutTransforms());
                    tests.Add(result);
                    Record(metrics, epoch, "test", result);
                    foreach (var r in result.Readouts)
                        progress?.Line($"epoch {epoch}: {(result.Readouts.Count > 1 ? r.Readout + " " : "")}test accuracy per step {string.Join("  ", r.Steps.Select(s => $"t{s.Step} {100 * s.Accuracy:F1}%"))}");
                }
            }
            bool checkpoint = endOfEpoch || batchesThisRun % o.CheckpointEveryBatches == 0;
            if (checkpoint && parts > 1) EnsureReplicasAgree(replicas!, iterator.Position);
            if (checkpointPath is not null && checkpoint) Save(checkpointPath, iterator.Position);
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

    /// <summary>A metric's name for one readout: <c>readout/accuracy</c>.</summary>
    public static string Metric(string readout, string metric) => $"{readout}/{metric}";

    /// <summary>Records an evaluation: per readout and step, accuracy, coarse accuracy, cross-entropy, confidence; and early exit.</summary>
    public static void Record(MetricsLog metrics, int epoch, string split, EvaluationResult result)
    {
        foreach (var r in result.Readouts)
        {
            metrics.AddSteps(epoch, split, Metric(r.Readout, "accuracy"), r.Steps.Select(s => (s.Step, s.Accuracy)));
            metrics.AddSteps(epoch, split, Metric(r.Readout, "coarse_accuracy"), r.Steps.Select(s => (s.Step, s.CoarseAccuracy)));
            metrics.AddSteps(epoch, split, Metric(r.Readout, "cross_entropy"), r.Steps.Select(s => (s.Step, s.CrossEntropy)));
            metrics.AddSteps(epoch, split, Metric(r.Readout, "confidence"), r.Steps.Select(s => (s.Step, s.Confidence)));
            foreach (var e in r.EarlyExit)
            {
                string threshold = e.Threshold.ToString(CultureInfo.InvariantCulture);
                metrics.Add(epoch, split, null, Metric(r.Readout, $"early_exit_{threshold}_mean_steps"), e.MeanSteps);
                metrics.Add(epoch, split, null, Metric(r.Readout, $"early_exit_{threshold}_accuracy"), e.Accuracy);
            }
        }
    }

    /// <summary>Images of the batch whose top class at readout r's last read is the label (from the probabilities the loss left on the device).</summary>
    private int LastStepCorrect(int r, ReadOnlySpan<int> labels)
    {
        var readout = network.Readouts[r];
        int classes = readout.Classes;
        var last = network.Probabilities(r).Step(readout.Steps.Count - 1).ToArray();
        int correct = 0;
        for (int b = 0; b < labels.Length; b++)
        {
            int best = 0;
            for (int c = 1; c < classes; c++) if (last[b * classes + c] > last[b * classes + best]) best = c;
            if (best == labels[b]) correct++;
        }
        return correct;
    }

    /// <summary>
    /// Checks, at every checkpoint, that every replica holds the same weights (as the same summed gradients must leave them):
    /// each contributes a 20-bit fingerprint of its parameters' bits, and a sum that is not Count times its own means some
    /// replica differs — a fault in the transport, reported as a bug rather than trained on.
    /// </summary>
    private void EnsureReplicasAgree(Cortex.Core.Simulation.IReplicas replicas, DataPosition position)
    {
        ulong hash = 14695981039346656037UL;
        foreach (var p in network.Parameters)
            foreach (float v in p.Value.ToArray())
                hash = (hash ^ BitConverter.SingleToUInt32Bits(v)) * 1099511628211UL;
        double mine = hash % (1UL << 20);
        Span<double> sum = [mine];
        replicas.Sum(sum);
        if (sum[0] != mine * replicas.Count)
            throw new InvalidOperationException($"{network.Name}: at {position} the weights of replica {replicas.Index} of {replicas.Count} differ from " +
                "another replica's, although every replica applied the same summed gradients");
    }

    /// <summary>Frees the optimiser's state.</summary>
    public void Dispose()
    {
        step.Dispose();
        optimiser.Dispose();
    }
}
