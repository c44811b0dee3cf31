using Cortex.Core.Simulation;
using Cortex.Experiments.Data;
using Cortex.Experiments.Statistics;
using Cortex.Experiments.Stimuli;

namespace Cortex.Experiments.Training;

/// <summary>Test metrics of one readout at one read step t (1-based time step).</summary>
/// <param name="Step">t.</param>
/// <param name="Accuracy">Fraction of images whose top class is the label.</param>
/// <param name="CoarseAccuracy">Fraction whose top class is in the label's coarse group (NaN without groups).</param>
/// <param name="CrossEntropy">Mean −log p(label).</param>
/// <param name="Confidence">Mean top probability.</param>
public sealed record StepMetrics(int Step, double Accuracy, double CoarseAccuracy, double CrossEntropy, double Confidence);

/// <summary>Confidence-threshold early exit: each image stops at the first read step whose top probability reaches the threshold (else the last).</summary>
/// <param name="Threshold">The confidence threshold.</param>
/// <param name="MeanSteps">Mean step at which images stop.</param>
/// <param name="Accuracy">Accuracy of the answers given at those steps.</param>
public sealed record EarlyExitPoint(double Threshold, double MeanSteps, double Accuracy);

/// <summary>
/// One readout's evaluation: metrics at each of its read steps, early exit, and what it answered for every image
/// (for paired tests between conditions on the same images).
/// </summary>
/// <param name="Readout">The readout's name.</param>
/// <param name="Steps">Metrics at each read step, in step order.</param>
/// <param name="EarlyExit">Early exit at <see cref="Evaluator.Thresholds"/>.</param>
/// <param name="Predicted">Predicted[k][i]: the top class of image i at read k.</param>
/// <param name="Confidence">Confidence[k][i]: its probability.</param>
public sealed record ReadoutEvaluation(string Readout, IReadOnlyList<StepMetrics> Steps, IReadOnlyList<EarlyExitPoint> EarlyExit, int[][] Predicted, float[][] Confidence)
{
    /// <summary>The metrics of the last read step.</summary>
    public StepMetrics Last => Steps[^1];
}

/// <summary>A network's evaluation on a test set: every readout at every read step.</summary>
/// <param name="Readouts">One entry per readout, in the network's order.</param>
/// <param name="Labels">The label of every image, in data order.</param>
public sealed record EvaluationResult(IReadOnlyList<ReadoutEvaluation> Readouts, int[] Labels)
{
    /// <summary>Images evaluated.</summary>
    public int Images => Labels.Length;

    /// <summary>The readout called <paramref name="name"/>.</summary>
    public ReadoutEvaluation Readout(string name) => Readouts.FirstOrDefault(r => r.Readout == name)
        ?? throw new ArgumentException($"no readout named '{name}'; readouts: {string.Join(", ", Readouts.Select(r => r.Readout))}");

    /// <summary>
    /// The same answers as per-image outcomes (what the paired tests and the outcomes file take): each readout's
    /// predicted class and confidence for every image at every read step, with the labels.
    /// </summary>
    /// <param name="classes">The number of classes of each readout, in readout order.</param>
    /// <param name="testSet">What the test images were, for people reading the outcomes.</param>
    public PerImageOutcomes ToOutcomes(IReadOnlyList<int> classes, string testSet = "")
    {
        ArgumentNullException.ThrowIfNull(classes);
        if (classes.Count != Readouts.Count) throw new ArgumentException($"{classes.Count} class counts for {Readouts.Count} readouts", nameof(classes));
        var readouts = Readouts.Select((r, k) =>
        {
            var steps = r.Steps.Select(s => s.Step).ToArray();
            var outcomes = new ReadoutOutcomes(r.Readout, classes[k], steps, Labels);
            for (int s = 0; s < steps.Length; s++)
                for (int i = 0; i < Images; i++) outcomes.Set(steps[s], i, r.Predicted[s][i], r.Confidence[s][i]);
            return outcomes;
        }).ToList();
        return new PerImageOutcomes(readouts, testSet);
    }
}

/// <summary>Evaluates a network at every read step of every readout.</summary>
public static class Evaluator
{
    /// <summary>The confidence thresholds of early exit.</summary>
    public static readonly double[] Thresholds = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99];

    /// <summary>
    /// Runs <paramref name="data"/> through the network in inference mode (running normalisation statistics, or each
    /// batch's own when the network's <see cref="Network{T}.InferenceStatistics"/> says so) in batches of
    /// <paramref name="batchSize"/> (the last batch is padded, and the padding ignored; with batch statistics the batch is
    /// <see cref="DividingBatch"/> instead, so that no batch is padded). Probabilities and
    /// cross-entropies come from the network's own loss on the device (a fine weight of 1 at every read).
    /// </summary>
    /// <param name="network">The network, built with the stimulus's presentation (<see cref="StimulusCondition.ApplyTo"/>) when it has one.</param>
    /// <param name="data">The test images.</param>
    /// <param name="batchSize">Images per forward pass.</param>
    /// <param name="stimulus">
    /// What the images are shown as: each image transformed as test image i of <paramref name="data"/> (round 0), so every
    /// network and lesion sees the same stimuli; and, when the network's presentation shows a mask, the condition's mask.
    /// Null: <see cref="StimulusCondition.Clean"/>.
    /// </param>
    /// <param name="silenced">
    /// Reads to silence for this evaluation (a lesion: <c>LesionTable.Resolve</c> against the network's graph); null: the
    /// network as it is. The network's own <see cref="Network{T}.Silenced"/> is restored afterwards.
    /// </param>
    public static EvaluationResult Run(Network<float> network, Dataset data, int batchSize, StimulusCondition? stimulus = null, SilencedReads? silenced = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        stimulus ??= StimulusCondition.Clean;
        if (stimulus.Presentation is { } presentation && Enumerable.Range(0, network.Steps + 1).Any(t => presentation.At(t) != network.InputAt[t]))
            throw new ArgumentException($"{network.Name}: the stimulus {stimulus} presents {presentation}, but the network was built with another presentation; " +
                "build it from the condition's ApplyTo(network file)");
        var before = network.Silenced;
        network.Silenced = silenced ?? before;
        try
        {
            return Run(network, data, batchSize, stimulus);
        }
        finally
        {
            network.Silenced = before;
        }
    }

    private static EvaluationResult Run(Network<float> network, Dataset data, int batchSize, StimulusCondition stimulus)
    {
        batchSize = network.InferenceStatistics == InferenceStatistics.Batch ? DividingBatch(data.Count, batchSize) : Math.Min(batchSize, data.Count);
        var readouts = network.Readouts;
        var perStep = readouts.Select(r => LossWeights.PerStep(r.Steps.Count)).ToArray();
        var tallies = readouts.Select(r => new Tally(r.Steps.Count, data.Count)).ToArray();
        var iterator = new BatchIterator(data, new BatchOptions(batchSize, Seed: 0, Shuffle: false));
        int size = data.ImageShape.Size;
        var masks = network.ShowsMask ? new float[batchSize * size] : [];
        int seen = 0;
        for (int n = 0; n < iterator.BatchesPerEpoch; n++)
        {
            var batch = iterator.Next();
            var shown = batch.Images.AsSpan(0, batch.Count * size);
            var indices = batch.Indices.AsSpan(0, batch.Count);
            stimulus.Apply(data, indices, shown);
            if (network.ShowsMask) stimulus.MakeMasks(shown, masks.AsSpan(0, shown.Length), data.ImageShape, indices);
            network.Forward(batch.Images, masks, batchSize, training: false);
            network.Loss(batch.Labels, default, perStep);
            for (int r = 0; r < readouts.Count; r++)
            {
                var probabilities = network.Probabilities(r).ToArray();
                var losses = network.ImageLosses(r).ToArray();
                tallies[r].Add(probabilities, losses, batch, batchSize, readouts[r].Classes, seen, data.Coarse);
            }
            seen += batch.Count;
        }
        return new EvaluationResult([.. readouts.Select((r, i) => tallies[i].Result(r.Name, r.Steps, data.Coarse is not null))], [.. data.Labels]);
    }

    /// <summary>
    /// The largest batch of at most <paramref name="batchSize"/> images that divides <paramref name="images"/>: with batch
    /// statistics (<see cref="InferenceStatistics.Batch"/>) every batch must be whole, as padding would enter the statistics.
    /// </summary>
    public static int DividingBatch(int images, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(images, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        for (int b = Math.Min(batchSize, images); ; b--)
            if (images % b == 0) return b;
    }

    /// <summary>Sums over the images of one readout.</summary>
    private sealed class Tally(int reads, int images)
    {
        private readonly long[] correct = new long[reads], coarseCorrect = new long[reads];
        private readonly double[] crossEntropy = new double[reads], confidence = new double[reads];
        private readonly int[][] predicted = [.. Enumerable.Range(0, reads).Select(_ => new int[images])];
        private readonly float[][] top = [.. Enumerable.Range(0, reads).Select(_ => new float[images])];
        private readonly int[] labels = new int[images];

        public void Add(float[] probabilities, float[] losses, Batch batch, int batchSize, int classes, int offset, ClassGroups? groups)
        {
            for (int b = 0; b < batch.Count; b++)
            {
                int label = batch.Labels[b], image = offset + b;
                labels[image] = label;
                for (int s = 0; s < reads; s++)
                {
                    int at = (s * batchSize + b) * classes, best = 0;
                    for (int c = 1; c < classes; c++) if (probabilities[at + c] > probabilities[at + best]) best = c;
                    predicted[s][image] = best;
                    top[s][image] = probabilities[at + best];
                    if (best == label) correct[s]++;
                    if (groups is not null && groups.CoarseOf(best) == groups.CoarseOf(label)) coarseCorrect[s]++;
                    crossEntropy[s] += losses[s * batchSize + b];
                    confidence[s] += probabilities[at + best];
                }
            }
        }

        public ReadoutEvaluation Result(string name, IReadOnlyList<int> steps, bool coarse)
        {
            var metrics = Enumerable.Range(0, reads).Select(s => new StepMetrics(steps[s], (double)correct[s] / images,
                coarse ? (double)coarseCorrect[s] / images : double.NaN, crossEntropy[s] / images, confidence[s] / images)).ToArray();
            var exits = Thresholds.Select(threshold =>
            {
                double stepsUsed = 0;
                long right = 0;
                for (int i = 0; i < images; i++)
                {
                    int stop = reads - 1;
                    for (int s = 0; s < reads; s++)
                        if (top[s][i] >= threshold) { stop = s; break; }
                    stepsUsed += steps[stop];
                    if (predicted[stop][i] == labels[i]) right++;
                }
                return new EarlyExitPoint(threshold, stepsUsed / images, (double)right / images);
            }).ToArray();
            return new ReadoutEvaluation(name, metrics, exits, predicted, top);
        }
    }
}
