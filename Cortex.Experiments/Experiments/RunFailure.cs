namespace Cortex.Experiments.Experiments;

/// <summary>Why an attempt at a run failed (written to the run's <c>failed.json</c>; earlier attempts' records are kept as <c>failed-N.json</c>).</summary>
/// <param name="Message">The error in one line.</param>
/// <param name="Detail">Everything else known (exception type and stack), possibly empty.</param>
/// <param name="AtUtc">When the failure was recorded.</param>
/// <param name="ProcessId">The process that recorded it.</param>
/// <param name="Host">Its machine.</param>
/// <param name="Attempt">Which attempt failed (1 for the first).</param>
public sealed record RunFailure(string Message, string Detail, DateTimeOffset AtUtc, int ProcessId, string Host, int Attempt);
