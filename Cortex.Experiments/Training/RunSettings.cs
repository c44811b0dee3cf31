using Cortex.Areas.Readouts;
using System.Globalization;
using Cortex.Experiments.Checkpoints;
using Cortex.Experiments.Stimuli;

namespace Cortex.Experiments.Training;

/// <summary>
/// Everything besides the network that decides where a run goes next — optimiser and its hyperparameters, learning-rate
/// schedule, loss schedule, epochs, batch size, augmentation, the training stimulus, seed and the data — as text in every checkpoint's
/// properties. A resume takes each setting whose flag it was not given from the checkpoint, and refuses (see
/// <see cref="ResumeCheck"/>) any setting given a different value.
/// </summary>
public static class RunSettings
{
    /// <summary>Every setting a checkpoint records, with its name, its flag, and how it is read from and written into <see cref="TrainingOptions"/>.</summary>
    public static readonly IReadOnlyList<RunSetting> All =
    [
        new("optimiser", "--optimiser", o => o.Optimiser, (o, v) => o with { Optimiser = v }),
        new("learning_rate", "--lr", o => Number(o.LearningRate.Base), (o, v) => o with { LearningRate = o.LearningRate with { Base = ParseNumber(v) } }),
        new("schedule", "--schedule", o => o.LearningRate.Shape.ToString().ToLowerInvariant(),
            (o, v) => o with { LearningRate = o.LearningRate with { Shape = LearningRate.ParseShape(v) } }),
        new("warmup", "--warmup", o => Number(o.LearningRate.WarmupSteps), (o, v) => o with { LearningRate = o.LearningRate with { WarmupSteps = ParseInt(v) } }),
        new("momentum", "--momentum", o => o.Optimiser == "sgd" ? Number(o.Momentum) : null, (o, v) => o with { Momentum = ParseNumber(v) }),
        new("weight_decay", "--weight-decay", o => Number(o.WeightDecay), (o, v) => o with { WeightDecay = ParseNumber(v) }),
        new("clip", "--clip", o => Number(o.ClipNorm), (o, v) => o with { ClipNorm = ParseNumber(v) }),
        new("loss", "--loss", o => o.Loss?.ToString(), (o, v) => o with { Loss = LossSchedule.Parse(v) }),
        new("epochs", "--epochs", o => Number(o.Epochs), (o, v) => o with { Epochs = ParseInt(v) }),
        new("batch", "--batch", o => Number(o.BatchSize), (o, v) => o with { BatchSize = ParseInt(v) }),
        new("shift", "--shift", o => Number(o.MaxShift), (o, v) => o with { MaxShift = ParseInt(v) }),
        new("train_stimulus", "--train-stimulus", o => (o.TrainStimulus ?? StimulusCondition.Clean).ToString(),
            (o, v) => o with { TrainStimulus = StimulusCondition.Parse(v) }),
        new("seed", "--seed", o => Number(o.Seed), (o, v) => o with { Seed = ParseInt(v) }),
        new("dataset", "--dataset", o => o.Data?.Dataset, null),
        new("limit", "--limit", o => o.Data is { } d ? Number(d.Limit) : null, null),
        new("data_train", "the training data", o => o.Data?.Train, null),
        new("data_test", "the test data", o => o.Data?.Test, null),
    ];

    /// <summary>The properties a checkpoint of a run with these options records: the network's name and every setting.</summary>
    public static Dictionary<string, string> Record(TrainingOptions options, string network)
    {
        var properties = new Dictionary<string, string> { ["network"] = network };
        foreach (var s in All)
            if (s.Value(options) is { } value) properties[s.Key] = value;
        return properties;
    }

    /// <summary>The settings a checkpoint recorded (its seed from the metadata when the properties lack it).</summary>
    public static IReadOnlyDictionary<string, string> Recorded(Checkpoint checkpoint)
    {
        var recorded = new Dictionary<string, string>(checkpoint.Metadata.Properties);
        recorded.TryAdd("seed", Number(checkpoint.Metadata.Seed));
        if (WeightLoader.OptimiserOf(checkpoint) is { } optimiser) recorded.TryAdd("optimiser", optimiser);
        // Checkpoints older than training stimuli were written by runs that trained on clean images.
        recorded.TryAdd("train_stimulus", StimulusCondition.Clean.ToString());
        return recorded;
    }

    /// <summary>
    /// <paramref name="options"/> with every setting whose flag was not given (<paramref name="given"/> is false for it)
    /// taken from the checkpoint, where it recorded one.
    /// </summary>
    public static TrainingOptions Continue(TrainingOptions options, Checkpoint checkpoint, Func<string, bool> given)
    {
        var recorded = Recorded(checkpoint);
        foreach (var s in All)
        {
            if (s.Apply is null || given(s.Flag) || !recorded.TryGetValue(s.Key, out var value)) continue;
            try
            {
                options = s.Apply(options, value);
            }
            catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
            {
                throw new CheckpointError($"checkpoint {checkpoint.Path}: its recorded {s.Key} '{value}' cannot be read ({e.Message}); pass {s.Flag}");
            }
        }
        return options;
    }

    /// <summary>
    /// The condition a checkpoint's network is tested under unless told otherwise: clean images, shown over time with the
    /// presentation and mask it was trained with (its training stimulus without the transforms).
    /// </summary>
    public static StimulusCondition TestCondition(Checkpoint checkpoint)
    {
        if (!Recorded(checkpoint).TryGetValue("train_stimulus", out var text)) return StimulusCondition.Clean;
        try
        {
            return StimulusCondition.Parse(text).WithoutTransforms();
        }
        catch (ArgumentException e)
        {
            throw new CheckpointError($"checkpoint {checkpoint.Path}: its recorded train_stimulus '{text}' cannot be read ({e.Message})");
        }
    }

    /// <summary>A number as a setting records it: round-trip precision, invariant culture.</summary>
    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>An integer as a setting records it, invariant culture.</summary>
    public static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static double ParseNumber(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static int ParseInt(string text) => int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);
}
