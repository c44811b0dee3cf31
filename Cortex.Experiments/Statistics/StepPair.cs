namespace Cortex.Experiments.Statistics;

/// <summary>Which read step of A is compared with which read step of B (1-based step numbers, or head numbers).</summary>
/// <param name="A">A's step.</param>
/// <param name="B">B's step.</param>
public readonly record struct StepPair(int A, int B);
