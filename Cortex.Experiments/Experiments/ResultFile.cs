namespace Cortex.Experiments.Experiments;

/// <summary>A result file of a finished run, as its done marker records it.</summary>
/// <param name="Name">Its path relative to the run's folder.</param>
/// <param name="Bytes">Its length when the run finished.</param>
/// <param name="Sha256">The SHA-256 of its contents then, 64 lower-case hex digits.</param>
public sealed record ResultFile(string Name, long Bytes, string Sha256);
