using System.Globalization;
using Cortex.Experiments.Statistics;

namespace Cortex.Experiments.Reports;

/// <summary>How the report writers print numbers: invariant culture, accuracies in percent, effects in signed points, p-values readable at any size.</summary>
internal static class ReportFormat
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>An accuracy over seeds in percent: "82.0 ± 5.0", or "82.0" for one seed.</summary>
    public static string Percent(MeanEstimate accuracy) =>
        accuracy.Interval is { } i
            ? $"{(100 * accuracy.Mean).ToString("F1", Invariant)} ± {(100 * i.HalfWidth).ToString("F1", Invariant)}"
            : (100 * accuracy.Mean).ToString("F1", Invariant);

    /// <summary>An effect in points with its interval: "+2.1 [−0.3, +4.5]", or "+2.1" without one.</summary>
    public static string Points(double value, ConfidenceInterval? interval) =>
        interval is { } i ? $"{Signed(value)} [{Signed(i.Lower)}, {Signed(i.Upper)}]" : Signed(value);

    /// <summary>A signed number with one decimal and a true minus sign.</summary>
    public static string Signed(double value)
    {
        string text = Math.Abs(value).ToString("F1", Invariant);
        return text == "0.0" ? "0.0" : (value < 0 ? "−" : "+") + text;
    }

    /// <summary>
    /// A p-value: three decimals from 0.001 up, else two significant digits in scientific notation; "&lt; 1e-300" for a
    /// p-value that underflowed to 0 (smaller than the smallest double; a McNemar p-value is never truly 0).
    /// </summary>
    public static string P(double p) => p >= 0.001 ? p.ToString("F3", Invariant) : p > 0 ? p.ToString("0.0e+00", Invariant) : "< 1e-300";

    /// <summary>A count with thousands separators: "1,234,567".</summary>
    public static string Count(double value) => value.ToString("N0", Invariant);

    /// <summary>A number for CSV: round-trip precision, invariant; empty for null.</summary>
    public static string Number(double? value) => value?.ToString("R", Invariant) ?? "";

    /// <summary>A CSV field, quoted when it holds a comma, quote or line break.</summary>
    public static string Csv(string value) =>
        value.AsSpan().IndexOfAny(",\"\n\r") < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";

    /// <summary>Text for a Markdown table cell: pipes escaped, line breaks flattened.</summary>
    public static string Cell(string value) => value.Replace("|", "\\|").ReplaceLineEndings(" ");

    /// <summary>"4", or "4 vs 1" when the two sides read different steps.</summary>
    public static string Steps(int a, int b) => a == b ? a.ToString(Invariant) : $"{a} vs {b}";

    /// <summary>"IT", or "IT vs head" when the two sides use different readouts.</summary>
    public static string Readouts(string a, string b) => a == b ? a : $"{a} vs {b}";
}
