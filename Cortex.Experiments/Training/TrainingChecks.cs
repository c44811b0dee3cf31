using Cortex.Areas.Readouts;
using Cortex.Connectivity.Spec;
using Cortex.Experiments.Data;

namespace Cortex.Experiments.Training;

/// <summary>
/// What must hold between a network, its data and the training options before a run builds anything: the network
/// reads the data (<see cref="DatasetFit"/>); the batch fits in the training set; the loss schedule's weights match the
/// steps each readout reads, and a schedule with coarse labels meets a dataset that has them; shifts stay within the
/// image; the warm-up ends within the run; the test split has images. Each problem names the flag or key at fault.
/// </summary>
public static class TrainingChecks
{
    /// <summary>Every reason a run of <paramref name="spec"/> on <paramref name="train"/> (and <paramref name="test"/>) with <paramref name="options"/> cannot start, each naming the flag or key at fault; empty when it can. Nothing is built or allocated.</summary>
    public static IReadOnlyList<string> Problems(NetworkSpec spec, Dataset train, Dataset? test, TrainingOptions options)
    {
        var problems = new List<string>(DatasetFit.Problems(spec, train));
        if (options.BatchSize > train.Count)
            problems.Add($"--batch {options.BatchSize} is larger than the {train.Count} training images of {train.Name}; " +
                "not one batch would be trained (the last partial batch of an epoch is dropped)");
        if (test is { Count: 0 }) problems.Add($"{test.Name} has no images to test on");
        foreach (var readout in spec.Readouts)
        {
            var steps = readout.Options.ReadSteps(spec.Time.Steps);
            var loss = options.Loss ?? readout.Options.Loss ?? LossSchedule.Final;
            string which = options.Loss is not null ? "--loss" : $"readout '{readout.Name}': loss";
            if (loss.Weights is { } weights && weights.Count != steps.Count)
                problems.Add($"{which} {loss}: {weights.Count} weights, but readout '{readout.Name}' reads {steps.Count} " +
                    $"step{(steps.Count == 1 ? "" : "s")} (t = {string.Join(", ", steps)}); give one weight per read step");
            else if (loss.Placement == LossPlacement.CoarseToFine && train.Coarse is null)
                problems.Add($"{which} {loss}: needs coarse classes, but {train.Name} has none" +
                    (DatasetKind.Known.FirstOrDefault(k => k.Coarse is not null) is { } with ? $" ({with.Name} has them)" : ""));
        }
        if (options.TrainStimulus?.Problem(train) is { } stimulus) problems.Add($"--train-stimulus: {stimulus}");
        var image = train.ImageShape;
        int largestShift = Math.Min(image[1], image[2]) / 2;
        if (options.MaxShift > largestShift)
            problems.Add($"--shift {options.MaxShift}: at most {largestShift} for images of {image[1]}×{image[2]} (half the smaller side)");
        long batches = options.BatchSize > 0 ? train.Count / options.BatchSize : 0;
        long total = options.Epochs * batches;
        if (batches > 0 && options.LearningRate.WarmupSteps > total)
            problems.Add($"--warmup {options.LearningRate.WarmupSteps} is longer than the whole run: {total} optimiser steps " +
                $"({options.Epochs} epoch{(options.Epochs == 1 ? "" : "s")} of {batches} batches)");
        return problems;
    }
}
