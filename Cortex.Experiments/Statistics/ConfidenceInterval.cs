namespace Cortex.Experiments.Statistics;

/// <summary>A two-sided confidence interval [<see cref="Lower"/>, <see cref="Upper"/>] at confidence <see cref="Level"/> (0.95 for 95%).</summary>
/// <param name="Lower">The lower end, in the unit of the estimate.</param>
/// <param name="Upper">The upper end, in the unit of the estimate.</param>
/// <param name="Level">The confidence level, in (0, 1).</param>
public readonly record struct ConfidenceInterval(double Lower, double Upper, double Level)
{
    /// <summary>Half the width: the "±" of a symmetric interval.</summary>
    public double HalfWidth => (Upper - Lower) / 2;

    /// <summary>Whether <paramref name="value"/> lies inside the interval, ends included.</summary>
    public bool Contains(double value) => value >= Lower && value <= Upper;

    /// <summary>The same interval with both ends multiplied by <paramref name="factor"/> (&gt; 0), e.g. 100 for fractions to percentage points.</summary>
    public ConfidenceInterval Scaled(double factor) =>
        factor > 0 ? new(Lower * factor, Upper * factor, Level) : throw new ArgumentOutOfRangeException(nameof(factor), $"an interval is scaled by a positive factor, got {factor}");
}
