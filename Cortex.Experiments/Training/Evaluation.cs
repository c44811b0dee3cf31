using Cortex.Core.Simulation;
using Cortex.Experiments.Data;

namespace Cortex.Experiments.Training;

/// <summary>Test metrics at one read step t (1-based time step).</summary>
public sealed record StepMetrics(int Step, double Accuracy, double CoarseAccuracy, double CrossEntropy, double Confidence);

/// <summary>Confidence-threshold early exit: each image stops at the first read step whose top probability reaches the threshold (else the last).</summary>
public sealed record EarlyExitPoint(double Threshold, double MeanSteps, double Accuracy);

public sealed record EvaluationResult(IReadOnlyList<StepMetrics> Steps, IReadOnlyList<EarlyExitPoint> EarlyExit, int Images)
{
    public StepMetrics Last => Steps[^1];
}

/// <summary>Evaluates a network at every read step of its first readout.</summary>
public static class Evaluator
{
    public static readonly double[] Thresholds = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99];

    /// <summary>
    /// Runs <paramref name="data"/> through the network in inference mode (running normalisation statistics)
    /// in batches of <paramref name="batchSize"/> (the last batch is padded, and the padding ignored).
    /// </summary>
    public static EvaluationResult Run(Network<float> network, Dataset data, int batchSize)
    {
        var readout = network.Readouts[0];
        int steps = readout.Steps.Count, classes = readout.Classes;
        batchSize = Math.Min(batchSize, data.Count);
        var iterator = new BatchIterator(data, new BatchOptions(batchSize, Seed: 0, Shuffle: false));
        var correct = new long[steps];
        var coarseCorrect = new long[steps];
        var crossEntropy = new double[steps];
        var confidence = new double[steps];
        var exitSteps = new double[Thresholds.Length];
        var exitCorrect = new long[Thresholds.Length];
        var p = new double[classes];
        var top = new (int Class, double P)[steps];
        for (int n = 0; n < iterator.BatchesPerEpoch; n++)
        {
            var batch = iterator.Next();
            var logits = network.Forward(batch.Images, batchSize, training: false).ToArray();
            for (int b = 0; b < batch.Count; b++)
            {
                int label = batch.Labels[b];
                for (int s = 0; s < steps; s++)
                {
                    int at = (s * batchSize + b) * classes;
                    double max = double.NegativeInfinity;
                    for (int c = 0; c < classes; c++) max = Math.Max(max, logits[at + c]);
                    double z = 0;
                    for (int c = 0; c < classes; c++) z += p[c] = Math.Exp(logits[at + c] - max);
                    int best = 0;
                    for (int c = 0; c < classes; c++)
                    {
                        p[c] /= z;
                        if (p[c] > p[best]) best = c;
                    }
                    top[s] = (best, p[best]);
                    if (best == label) correct[s]++;
                    if (data.Coarse is { } groups && groups.CoarseOf(best) == groups.CoarseOf(label)) coarseCorrect[s]++;
                    crossEntropy[s] -= Math.Log(Math.Max(p[label], double.Epsilon));
                    confidence[s] += p[best];
                }
                for (int i = 0; i < Thresholds.Length; i++)
                {
                    int stop = steps - 1;
                    for (int s = 0; s < steps; s++)
                        if (top[s].P >= Thresholds[i]) { stop = s; break; }
                    exitSteps[i] += readout.Steps[stop];
                    if (top[stop].Class == label) exitCorrect[i]++;
                }
            }
        }
        int count = data.Count;
        var perStep = Enumerable.Range(0, steps).Select(s => new StepMetrics(readout.Steps[s], (double)correct[s] / count,
            data.Coarse is null ? double.NaN : (double)coarseCorrect[s] / count, crossEntropy[s] / count, confidence[s] / count)).ToArray();
        var exits = Enumerable.Range(0, Thresholds.Length).Select(i => new EarlyExitPoint(Thresholds[i], exitSteps[i] / count, (double)exitCorrect[i] / count)).ToArray();
        return new EvaluationResult(perStep, exits, count);
    }
}
