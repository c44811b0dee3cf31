namespace Cortex.Experiments.Experiments;

/// <summary>The done marker of a finished run (the run's <c>done</c> file, written atomically after its results).</summary>
/// <param name="Key">The run's key (its folder name).</param>
/// <param name="FinishedUtc">When it finished.</param>
/// <param name="ProcessId">The process that finished it.</param>
/// <param name="Host">Its machine.</param>
/// <param name="Attempt">Which attempt finished it.</param>
/// <param name="Files">The result files, with their lengths and checksums at that moment.</param>
public sealed record DoneRecord(string Key, DateTimeOffset FinishedUtc, int ProcessId, string Host, int Attempt, IReadOnlyList<ResultFile> Files);
