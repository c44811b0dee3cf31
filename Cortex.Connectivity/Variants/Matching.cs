using System.Globalization;
using Cortex.Connectivity.Graph;

namespace Cortex.Connectivity.Variants;

/// <summary>How close a matched variant came to its target: the original network's synapses or MACs per image.</summary>
/// <param name="Quantity">What is matched.</param>
/// <param name="Target">The original's value.</param>
/// <param name="Achieved">The variant's value.</param>
public sealed record Matching(MatchQuantity Quantity, long Target, long Achieved)
{
    /// <summary>The tolerance matched variants aim for: 2% of the target.</summary>
    public const double Tolerance = 0.02;

    /// <summary>Achieved − target.</summary>
    public long Residual => Achieved - Target;

    /// <summary>The residual as a fraction of the target.</summary>
    public double ResidualFraction => Fraction(Target, Achieved);

    /// <summary>Whether the residual is within <see cref="Tolerance"/>.</summary>
    public bool Within => Math.Abs(ResidualFraction) <= Tolerance;

    /// <summary>"synapses" or "MACs per image".</summary>
    public string What => Words(Quantity);

    /// <summary>The quantity's value in a ledger.</summary>
    public static long Measure(MatchQuantity quantity, Ledger ledger) => quantity == MatchQuantity.Synapses ? ledger.Synapses : ledger.SynapticOpsPerImage;

    /// <summary>"synapses" or "MACs per image".</summary>
    public static string Words(MatchQuantity quantity) => quantity == MatchQuantity.Synapses ? "synapses" : "MACs per image";

    /// <summary>"synapses 83,025 against blt's 83,232: residual −207 (−0.25%)".</summary>
    public string Describe(string original) =>
        $"{What} {Count(Achieved)} against {original}'s {Count(Target)}: residual {Signed(Residual)} ({Percent(ResidualFraction)}){(Within ? "" : $", outside {Percent(Tolerance).TrimStart('+')}")}";

    /// <summary>A count with thousands separators: 83,232.</summary>
    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A signed count: +1,024, −207, 0.</summary>
    public static string Signed(long n) => n > 0 ? $"+{Count(n)}" : n < 0 ? $"−{Count(-n)}" : "0";

    /// <summary>"−1,024, −11.11%": how far <paramref name="value"/> is from <paramref name="reference"/>, absolute and in %.</summary>
    public static string Change(long reference, long value) =>
        $"{Signed(value - reference)}, {Percent(Fraction(reference, value))}";

    /// <summary>(value − reference)/reference; 0 when the reference is 0.</summary>
    public static double Fraction(long reference, long value) => reference == 0 ? 0 : (double)(value - reference) / reference;

    /// <summary>A signed percentage with two decimals: +0.98%, −0.25%, 0.00%.</summary>
    public static string Percent(double fraction)
    {
        string text = Math.Abs(100 * fraction).ToString("F2", CultureInfo.InvariantCulture);
        return text == "0.00" ? "0.00%" : fraction > 0 ? $"+{text}%" : $"−{text}%";
    }
}
