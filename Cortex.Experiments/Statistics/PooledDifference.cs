using MathNet.Numerics.Distributions;

namespace Cortex.Experiments.Statistics;

/// <summary>
/// A's accuracy minus B's over all paired (seed, image) trials pooled, in percentage points, with the Wald
/// interval for a difference of paired proportions: with n pairs, d = (b − c)/n and
/// SE = √((b + c)/n − d²)/√n, the interval is d ± z·SE (z the normal quantile). It measures the uncertainty
/// from the sample of test images only; the spread between seeds (between trainings) is in the paired
/// mean over seeds.
/// </summary>
/// <param name="Points">100·(Σb − Σc)/Σimages.</param>
/// <param name="Interval">The Wald interval, in points.</param>
/// <param name="Pairs">Paired trials pooled (images × seed pairs).</param>
public sealed record PooledDifference(double Points, ConfidenceInterval Interval, long Pairs)
{
    /// <summary>The pooled difference of the summed discordant counts of <paramref name="pooled"/> at confidence <paramref name="level"/>.</summary>
    public static PooledDifference Of(McNemarTest pooled, double level = MeanEstimate.DefaultLevel)
    {
        ArgumentNullException.ThrowIfNull(pooled);
        if (pooled.Images <= 0) throw new ArgumentException("a pooled difference needs at least one image pair", nameof(pooled));
        if (!(level > 0 && level < 1)) throw new ArgumentOutOfRangeException(nameof(level), $"the confidence level must lie in (0, 1), got {level}");
        double n = pooled.Images;
        double d = (pooled.B - pooled.C) / n;
        double variance = Math.Max(0, ((pooled.B + pooled.C) / n - d * d) / n);
        double half = Normal.InvCDF(0, 1, 1 - (1 - level) / 2) * Math.Sqrt(variance);
        return new PooledDifference(100 * d, new ConfidenceInterval(100 * (d - half), 100 * (d + half), level), pooled.Images);
    }
}
