namespace Cortex.Experiments.Statistics;

/// <summary>A and B trained with the same seed, compared image by image on the same test set: the exact McNemar test of that pair.</summary>
/// <param name="Seed">The seed both runs were trained with.</param>
/// <param name="Test">The discordant counts, the images and the exact p-value.</param>
public sealed record SeedComparison(int Seed, McNemarTest Test)
{
    /// <summary>A's accuracy minus B's on this seed, in percentage points.</summary>
    public double DifferencePoints => Test.DifferencePoints;
}
