namespace Cortex.Experiments.Experiments;

/// <summary>
/// Which failed runs a claim may take up again. The intended default for a sweep is
/// <see cref="FailuresBefore"/>(the moment the command started): a run that failed in an earlier invocation is
/// retried once per invocation, and one that fails during this invocation is not retried over and over by it
/// (or by a process that started before the failure). <see cref="Never"/> leaves every failed run as it is.
/// </summary>
public sealed record RetryPolicy
{
    private RetryPolicy(DateTimeOffset? before) => RetryFailuresRecordedBefore = before;

    /// <summary>Failed runs whose failure was recorded strictly before this moment are retried; null: none are.</summary>
    public DateTimeOffset? RetryFailuresRecordedBefore { get; }

    /// <summary>Never retry a failed run.</summary>
    public static RetryPolicy Never { get; } = new((DateTimeOffset?)null);

    /// <summary>Retry every failed run, whenever it failed.</summary>
    public static RetryPolicy Always { get; } = new(DateTimeOffset.MaxValue);

    /// <summary>Retry runs whose failure was recorded before <paramref name="moment"/> (usually the start of the command).</summary>
    public static RetryPolicy FailuresBefore(DateTimeOffset moment) => new(moment);

    /// <summary>Whether a run that failed as <paramref name="failure"/> may be claimed again.</summary>
    public bool Allows(RunFailure failure) => RetryFailuresRecordedBefore is { } before && failure.AtUtc < before;
}
