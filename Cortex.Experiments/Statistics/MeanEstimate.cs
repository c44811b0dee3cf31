using MathNet.Numerics.Distributions;

namespace Cortex.Experiments.Statistics;

/// <summary>
/// The mean of a few values (one per seed) with its Student-t confidence interval:
/// mean ± t<sub>1−(1−level)/2, n−1</sub> · s / √n, where s is the sample standard deviation (n − 1 in the
/// denominator). With one value there is no spread to estimate: <see cref="StandardDeviation"/> and
/// <see cref="Interval"/> are null, never NaN. The interval is not clipped to the range of the quantity
/// (an accuracy interval may reach past 1 when seeds are few and far apart): it is the symmetric t-interval as computed.
/// </summary>
/// <param name="Count">How many values (seeds), at least 1.</param>
/// <param name="Mean">Their arithmetic mean.</param>
/// <param name="StandardDeviation">The sample standard deviation; null when <paramref name="Count"/> is 1.</param>
/// <param name="Interval">The t-interval of the mean; null when <paramref name="Count"/> is 1.</param>
public sealed record MeanEstimate(int Count, double Mean, double? StandardDeviation, ConfidenceInterval? Interval)
{
    /// <summary>The confidence level used unless told otherwise: 95%.</summary>
    public const double DefaultLevel = 0.95;

    /// <summary>Whether an interval could be computed (at least two values).</summary>
    public bool HasInterval => Interval is not null;

    /// <summary>The mean and t-interval of <paramref name="values"/> (finite numbers, at least one) at confidence <paramref name="level"/>.</summary>
    public static MeanEstimate Of(IReadOnlyList<double> values, double level = DefaultLevel)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0) throw new ArgumentException("a mean needs at least one value", nameof(values));
        if (!(level > 0 && level < 1)) throw new ArgumentOutOfRangeException(nameof(level), $"the confidence level must lie in (0, 1), got {level}");
        for (int i = 0; i < values.Count; i++)
            if (!double.IsFinite(values[i])) throw new ArgumentException($"value {i} is {values[i]}; a mean over seeds needs finite values", nameof(values));
        int n = values.Count;
        double mean = values.Average();
        if (n == 1) return new MeanEstimate(1, mean, null, null);
        double sumSquares = values.Sum(v => (v - mean) * (v - mean));
        double s = Math.Sqrt(sumSquares / (n - 1));
        double t = StudentT.InvCDF(0, 1, n - 1, 1 - (1 - level) / 2);
        double half = t * s / Math.Sqrt(n);
        return new MeanEstimate(n, mean, s, new ConfidenceInterval(mean - half, mean + half, level));
    }

    /// <summary>As <see cref="Of"/>, for accuracies: each value must be a fraction in [0, 1].</summary>
    public static MeanEstimate OfAccuracies(IReadOnlyList<double> accuracies, double level = DefaultLevel)
    {
        ArgumentNullException.ThrowIfNull(accuracies);
        for (int i = 0; i < accuracies.Count; i++)
            if (!(accuracies[i] >= 0 && accuracies[i] <= 1))
                throw new ArgumentException($"accuracy {i} is {accuracies[i]}; accuracies are fractions in [0, 1]", nameof(accuracies));
        return Of(accuracies, level);
    }

    /// <summary>The same estimate in another unit: mean, standard deviation and interval multiplied by <paramref name="factor"/> (&gt; 0), e.g. 100 for percentage points.</summary>
    public MeanEstimate Scaled(double factor) =>
        factor > 0
            ? new(Count, Mean * factor, StandardDeviation * factor, Interval?.Scaled(factor))
            : throw new ArgumentOutOfRangeException(nameof(factor), $"an estimate is scaled by a positive factor, got {factor}");
}
