using Cortex.Core.Simulation;
using Cortex.Experiments.Data;

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
}

/// <summary>Evaluates a network at every read step of every readout.</summary>
public static class Evaluator
{
    /// <summary>The confidence thresholds of early exit.</summary>
    public static readonly double[] Thresholds = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99];

    /// <summary>
    /// Runs <paramref name="data"/> through the network in inference mode (running normalisation statistics) in
    /// batches of <paramref name="batchSize"/> (the last batch is padded, and the padding ignored). Probabilities and
    /// cross-entropies come from the network's own loss on the device (a fine weight of 1 at every read).
    /// </summary>
    public static EvaluationResult Run(Network<float> network, Dataset data, int batchSize)
    {
        batchSize = Math.Min(batchSize, data.Count);
        var readouts = network.Readouts;
        var perStep = readouts.Select(r => LossWeights.PerStep(r.Steps.Count)).ToArray();
        var tallies = readouts.Select(r => new Tally(r.Steps.Count, data.Count)).ToArray();
        var iterator = new BatchIterator(data, new BatchOptions(batchSize, Seed: 0, Shuffle: false));
        int seen = 0;
        for (int n = 0; n < iterator.BatchesPerEpoch; n++)
        {
            var batch = iterator.Next();
            network.Forward(batch.Images, batchSize, training: false);
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
