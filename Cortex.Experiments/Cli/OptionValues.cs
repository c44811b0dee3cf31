using System.CommandLine;

namespace Cortex.Experiments.Cli;

/// <summary>
/// Range checks for the values of command-line options: each failure is a <see cref="UserError"/> that names the
/// option, what it must be and what it got — <c>--momentum must lie in [0, 1), got -5</c>.
/// </summary>
internal static class OptionValues
{
    /// <summary>Whether the user wrote <paramref name="option"/> (rather than leaving it to its default).</summary>
    public static bool Given(ParseResult result, Option option) => result.GetResult(option) is { Implicit: false };

    public static int Positive(int value, string name, int max = int.MaxValue) =>
        value > 0 && value <= max ? value : throw new UserError($"{name} must be {Range(1, max)}, got {value}");

    public static int NonNegative(int value, string name, int max = int.MaxValue) =>
        value >= 0 && value <= max ? value : throw new UserError($"{name} must be {Range(0, max)}, got {value}");

    private static string Range(int min, int max) => max == int.MaxValue
        ? (min == 1 ? "a positive whole number" : "a whole number ≥ 0")
        : $"a whole number from {min} to {max:N0}";

    public static double NonNegative(double value, string name) =>
        value >= 0 && double.IsFinite(value) ? value : throw new UserError($"{name} must be a finite number ≥ 0, got {value}");

    public static double Positive(double value, string name) =>
        value > 0 && double.IsFinite(value) ? value : throw new UserError($"{name} must be a finite number > 0, got {value}");

    /// <summary>A value in [0, 1): momentum, β.</summary>
    public static double Fraction(double value, string name) =>
        value >= 0 && value < 1 ? value : throw new UserError($"{name} must lie in [0, 1), got {value}");

    public static string Choice(string value, string name, IReadOnlyCollection<string> allowed) =>
        allowed.Contains(value.Trim().ToLowerInvariant()) ? value.Trim().ToLowerInvariant()
            : throw new UserError($"{name}: unknown value '{value}'{Cortex.Connectivity.Reading.Suggestions.Hint(value, allowed)}");

    /// <summary>Runs a parser of the option's text, turning its ArgumentException into a user error naming the option.</summary>
    public static T Parse<T>(Func<T> parse, string name)
    {
        try { return parse(); }
        catch (ArgumentException e) { throw new UserError($"{name}: {e.Message}"); }
    }
}
