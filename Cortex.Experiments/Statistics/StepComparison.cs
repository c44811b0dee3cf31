namespace Cortex.Experiments.Statistics;

/// <summary>
/// A compared with B at one read step (A's step <see cref="StepA"/> against B's <see cref="StepB"/>, usually the
/// same), on the same test images, over the seeds both have.
/// </summary>
/// <param name="StepA">A's read step (1-based time step, or head number).</param>
/// <param name="StepB">B's read step.</param>
/// <param name="PerSeed">The exact McNemar test of each seed pair (A's seed s against B's seed s), by seed.</param>
/// <param name="Pooled">The exact test of the discordant counts summed over the seed pairs (<see cref="McNemarTest.Pool"/>).</param>
/// <param name="AdjustedP">The pooled p-value after Holm's correction over the steps of the comparison (equal to the pooled p for a single step).</param>
/// <param name="DifferencePoints">A's accuracy minus B's, in percentage points: the mean over seed pairs of the paired differences, with its t-interval.</param>
/// <param name="PooledDifference">The same difference over all (seed, image) pairs pooled, with the Wald interval of paired proportions.</param>
public sealed record StepComparison(int StepA, int StepB, IReadOnlyList<SeedComparison> PerSeed, McNemarTest Pooled, double AdjustedP,
    MeanEstimate DifferencePoints, PooledDifference PooledDifference)
{
    /// <summary>The seeds compared, in order.</summary>
    public IEnumerable<int> Seeds => PerSeed.Select(s => s.Seed);
}
