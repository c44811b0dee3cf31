namespace Cortex.Experiments.Experiments;

/// <summary>What a run folder is (its <c>run.json</c>): the key, the full hash and the canonical description it was derived from.</summary>
/// <param name="Key">The folder's name, <see cref="RunKey"/>.</param>
/// <param name="Sha256">The full SHA-256 of <paramref name="Description"/>.</param>
/// <param name="Description">The run's canonical description (resolved network, training settings, condition, seed), as the caller gave it.</param>
/// <param name="CreatedUtc">When the folder was first claimed.</param>
public sealed record RunRecord(string Key, string Sha256, string Description, DateTimeOffset CreatedUtc);
