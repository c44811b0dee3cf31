using System.CommandLine;
using System.CommandLine.Parsing;
using Cortex.Connectivity.Reading;

namespace Cortex.Experiments.Cli;

/// <summary>
/// The one line printed for a command line that does not parse (exit code 2), instead of System.CommandLine's
/// error list followed by the whole help: which command, which option or argument, what was wrong, and where to
/// look — <c>cortex train: --epochs: 'x' is not a whole number; see cortex train --help</c>.
/// </summary>
internal static class ParseErrorMessage
{
    public static string For(ParseResult parsed)
    {
        var command = parsed.CommandResult.Command;
        string path = CommandPath(parsed.CommandResult);
        string hint = $"; see {path} --help";
        if (parsed.UnmatchedTokens.Count > 0)
        {
            string token = parsed.UnmatchedTokens[0];
            if (command is RootCommand)
            {
                var commands = command.Subcommands.Select(c => c.Name).ToList();
                return $"cortex: unknown command '{token}'{Suggest(token, commands) ?? $"; the commands are {string.Join(", ", commands)}"}{hint}";
            }
            if (token.StartsWith('-'))
            {
                var names = command.Options.SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--")).Distinct().ToList();
                return $"{path}: unknown option '{token}'{Suggest(token, names) ?? ""}{hint}";
            }
            return $"{path}: unexpected argument '{token}' ({command.Arguments.Count} expected: {string.Join(", ", command.Arguments.Select(a => a.Name))}){hint}";
        }
        var error = parsed.Errors[0];
        switch (error.SymbolResult)
        {
            case OptionResult option when option.Tokens.Count > 0:
                return $"{path}: {option.Option.Name}: {NotA(option.Tokens[^1].Value, option.Option.ValueType)}{hint}";
            case OptionResult option:
                return $"{path}: {option.Option.Name} needs a value{hint}";
            case ArgumentResult argument when argument.Tokens.Count == 0:
                return $"{path}: missing the {argument.Argument.Name} argument ({argument.Argument.Description}){hint}";
            case ArgumentResult argument:
                return $"{path}: {argument.Argument.Name}: {NotA(argument.Tokens[^1].Value, argument.Argument.ValueType)}{hint}";
            case CommandResult when command is RootCommand:
                return $"cortex: a command is needed: {string.Join(", ", command.Subcommands.Select(c => c.Name))}{hint}";
            default:
                return $"{path}: {error.Message}{hint}";
        }
    }

    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is not null; r = r.Parent)
            if (r is CommandResult c) names.Insert(0, c.Command is RootCommand ? "cortex" : c.Command.Name);
        return string.Join(' ', names);
    }

    private static string? Suggest(string token, IReadOnlyCollection<string> names) =>
        Suggestions.Nearest(token, names) is { } near ? $" (did you mean '{near}'?)" : null;

    /// <summary>Why a token is not a value of the type: not a number at all, or a whole number out of range.</summary>
    private static string NotA(string token, Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        bool number = double.TryParse(token, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double value);
        if (t == typeof(int))
            return number && value == Math.Floor(value) ? $"{token} is out of range (at most {int.MaxValue:N0} in size)" : $"'{token}' is not a whole number";
        if (t == typeof(double) || t == typeof(float)) return $"'{token}' is not a number";
        if (t == typeof(bool)) return $"'{token}' is not true or false";
        return $"'{token}' is not a valid {t.Name}";
    }
}
