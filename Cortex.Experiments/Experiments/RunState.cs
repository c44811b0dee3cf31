namespace Cortex.Experiments.Experiments;

/// <summary>Where a run of a sweep stands in its <see cref="RunStore"/>.</summary>
public enum RunState
{
    /// <summary>Not started: no folder, or a folder with no claim, no failure and no done marker (it may hold a checkpoint).</summary>
    Pending,

    /// <summary>Claimed by a live process, which holds the run's lock.</summary>
    Running,

    /// <summary>Claimed by a process that ended without finishing or releasing it (killed, crashed): the claim is stale and the run can be taken over, resuming from its checkpoint.</summary>
    Interrupted,

    /// <summary>Finished: results written, then the done marker.</summary>
    Done,

    /// <summary>Its last attempt failed; the error is recorded. Retried according to the caller's <see cref="RetryPolicy"/>.</summary>
    Failed,

    /// <summary>Its folder cannot be trusted (an unreadable run record or done marker, or results the marker lists are missing or changed); never handed out, never counted as done.</summary>
    Corrupt,
}
