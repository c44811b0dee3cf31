namespace Cortex.Experiments.Statistics;

/// <summary>What one trained run (one seed of an arm) did on the test images.</summary>
/// <param name="Seed">The run's seed; seed s of one arm is paired with seed s of another.</param>
/// <param name="Outcomes">Its per-image outcomes.</param>
public sealed record SeedOutcomes(int Seed, PerImageOutcomes Outcomes);
