using Cortex.Connectivity;
using Cortex.Experiments.Checkpoints;
using Cortex.Experiments.Data;

namespace Cortex.Experiments.Training;

/// <summary>
/// Whether a run may continue from a checkpoint: every difference between the checkpoint's resolved network and
/// recorded settings (<see cref="RunSettings"/>) and the run's own breaks an exact continuation, so each is listed
/// and the resume refused unless the user allowed changes; a few (another optimiser) can never be allowed; a run
/// that has finished its epochs has nothing left to continue.
/// </summary>
public static class ResumeCheck
{
    /// <summary>Every difference, the network's first (prefixed "network"), then the settings in <see cref="RunSettings.All"/> order.</summary>
    public static IReadOnlyList<SettingChange> Differences(Checkpoint checkpoint, LoadedNetwork network, TrainingOptions options)
    {
        var changes = new List<SettingChange>();
        foreach (var d in NetworkDifferences.Between(checkpoint.Metadata.Config, network, checkpoint.Path ?? "checkpoint"))
        {
            int colon = d.IndexOf(": ", StringComparison.Ordinal), arrow = d.LastIndexOf(" → ", StringComparison.Ordinal);
            changes.Add(colon > 0 && arrow > colon
                ? new SettingChange($"network {d[..colon]}", d[(colon + 2)..arrow], d[(arrow + 3)..])
                : new SettingChange("network", d, "the network file"));
        }
        var recorded = RunSettings.Recorded(checkpoint);
        foreach (var s in RunSettings.All)
        {
            if (!recorded.TryGetValue(s.Key, out var was) || s.Value(options) is not { } now || was == now) continue;
            changes.Add(new SettingChange(s.Flag, was, now, Blocker(s.Key, was, now, recorded)));
        }
        return changes;
    }

    /// <summary>The settings this checkpoint does not record (written by an older Cortex), which a resume cannot compare.</summary>
    public static IReadOnlyList<string> NotRecorded(Checkpoint checkpoint, TrainingOptions options)
    {
        var recorded = RunSettings.Recorded(checkpoint);
        return [.. RunSettings.All.Where(s => s.Value(options) is not null && !recorded.ContainsKey(s.Key)).Select(s => s.Flag)];
    }

    /// <summary>
    /// Fails, naming each difference, unless the run may continue: no differences, or only allowed ones and
    /// <paramref name="allowChanges"/>; and epochs left to train.
    /// </summary>
    public static void Ensure(Checkpoint checkpoint, IReadOnlyList<SettingChange> changes, TrainingOptions options, bool allowChanges, string allowFlag)
    {
        string where = $"cannot continue exactly from {checkpoint.Path}";
        var blocked = changes.Where(c => c.Blocker is not null).ToList();
        if (blocked.Count > 0)
            throw new CheckpointError($"{where}: {string.Join("; ", blocked.Select(c => $"{c} ({c.Blocker})"))}");
        if (changes.Count > 0 && !allowChanges)
        {
            var listed = changes.Take(12).Select(c => "  " + c).ToList();
            if (changes.Count > 12) listed.Add($"  … and {changes.Count - 12} more");
            throw new CheckpointError($"{where}: {changes.Count} difference{(changes.Count == 1 ? "" : "s")} from the run that wrote it" + Environment.NewLine +
                string.Join(Environment.NewLine, listed) + Environment.NewLine +
                $"  drop the flags to continue as it was, or pass {allowFlag} to continue with these changes (they are recorded in the run folder)");
        }
        if (checkpoint.Metadata.Data.Epoch >= options.Epochs)
            throw new CheckpointError($"{checkpoint.Path}: the run it belongs to is complete ({checkpoint.Metadata.Data.Epoch} of {options.Epochs} epochs); " +
                $"to train further, pass a larger --epochs with {allowFlag}");
    }

    /// <summary>
    /// The position to continue from when the batch size or the training set changed (allowed changes): the same
    /// number of images into the epoch, in batches of the new size; the next epoch when that epoch is done.
    /// </summary>
    public static DataPosition Position(DataPosition recorded, int recordedBatch, int batch, int trainImages)
    {
        if (recordedBatch == batch && recorded.Batch < trainImages / batch) return recorded;
        long images = (long)recorded.Batch * recordedBatch;
        long next = images / batch;
        return next < trainImages / batch ? new DataPosition(recorded.Epoch, (int)next) : new DataPosition(recorded.Epoch + 1, 0);
    }

    private static string? Blocker(string key, string was, string now, IReadOnlyDictionary<string, string> recorded) => key switch
    {
        "optimiser" => $"the checkpoint holds {was}'s state, which {now} cannot use; start a new run to change the optimiser",
        "momentum" when recorded.TryGetValue("optimiser", out var o) && o == "sgd" && (was == "0") != (now == "0") =>
            "SGD with and without momentum keep different state",
        _ => null,
    };
}
