namespace Cortex.Experiments.Experiments;

/// <summary>Where one run stands, as <see cref="RunStore.Status"/> sees it.</summary>
/// <param name="Key">The run's key.</param>
/// <param name="State">Its state.</param>
/// <param name="Folder">Its folder (which may not exist yet).</param>
public sealed record RunStatus(RunKey Key, RunState State, string Folder)
{
    /// <summary>Running: the process holding it; Interrupted: the process that left it (null if its record is missing or unreadable).</summary>
    public Claimant? Claimant { get; init; }

    /// <summary>Failed: the last attempt's failure.</summary>
    public RunFailure? Failure { get; init; }

    /// <summary>Done: the done marker.</summary>
    public DoneRecord? Done { get; init; }

    /// <summary>Corrupt: what is wrong, naming the file.</summary>
    public string? Problem { get; init; }

    /// <summary>Whether the folder holds a checkpoint to resume from.</summary>
    public bool HasCheckpoint { get; init; }

    /// <summary>One line for people: the key, the state and its particulars.</summary>
    public override string ToString() => State switch
    {
        RunState.Running => $"{Key} running ({Claimant?.ToString() ?? "claimant not recorded yet"})",
        RunState.Interrupted => $"{Key} interrupted ({(Claimant is null ? "claimant unknown" : Claimant.ToString())}){(HasCheckpoint ? ", checkpoint to resume from" : "")}",
        RunState.Done => $"{Key} done",
        RunState.Failed => $"{Key} failed (attempt {Failure?.Attempt}): {Failure?.Message}",
        RunState.Corrupt => $"{Key} corrupt: {Problem}",
        _ => $"{Key} pending{(HasCheckpoint ? ", checkpoint to resume from" : "")}",
    };
}
