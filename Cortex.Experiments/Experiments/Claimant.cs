namespace Cortex.Experiments.Experiments;

/// <summary>The process that claimed a run (written to the run's <c>claim.json</c>).</summary>
/// <param name="ProcessId">Its process id.</param>
/// <param name="Host">The machine it runs on.</param>
/// <param name="StartedUtc">When it claimed the run.</param>
/// <param name="Attempt">Which attempt at the run this is (1 for the first; a retry after a failure counts up).</param>
public sealed record Claimant(int ProcessId, string Host, DateTimeOffset StartedUtc, int Attempt)
{
    /// <summary>"pid 1234 on host, since 2026-12-02 10:00:00Z".</summary>
    public override string ToString() => $"pid {ProcessId} on {Host}, since {StartedUtc:yyyy-MM-dd HH:mm:ss}Z";
}
