namespace Cortex.Experiments.Experiments;

/// <summary>The answer to <see cref="RunStore.TryClaim"/>: the claim, if this caller got the run, and the run's state when it was asked for.</summary>
/// <param name="Claim">The claim (dispose it when the run ends), or null when the run is done, running elsewhere, failed and not to be retried, or corrupt.</param>
/// <param name="Status">The run's status at the attempt: for a claim, what it was before (Pending, Interrupted or Failed); otherwise why it was not handed out.</param>
public sealed record ClaimAttempt(RunClaim? Claim, RunStatus Status)
{
    /// <summary>Whether this caller got the run.</summary>
    public bool Claimed => Claim is not null;
}
