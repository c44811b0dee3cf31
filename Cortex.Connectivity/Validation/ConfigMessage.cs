using Cortex.Connectivity.Spec;

namespace Cortex.Connectivity.Validation;

/// <summary>How serious a <see cref="ConfigMessage"/> is.</summary>
public enum Severity
{
    /// <summary>The file cannot be built until this is fixed; <see cref="NetworkLoader.Load"/> throws <see cref="ConfigErrors"/>.</summary>
    Error,

    /// <summary>The file loads and builds, but something in it probably does not say what was meant.</summary>
    Warning,
}

/// <summary>One finding about a network file: <c>file:line:column path: what was found; what is allowed</c>.</summary>
public sealed record ConfigMessage(Severity Severity, SpecLocation Location, string Text)
{
    /// <summary>The message as printed: <c>file:line:column path: text</c>, with <c>warning: </c> before the text of a warning.</summary>
    public override string ToString() => $"{Location}: {(Severity == Severity.Warning ? "warning: " : "")}{Text}";
}

/// <summary>
/// Every error found in a network file (and its warnings), reported together. Thrown by
/// <see cref="NetworkLoader.Load"/>; its message is the list, one line each, ordered by position.
/// </summary>
public sealed class ConfigErrors(IReadOnlyList<ConfigMessage> errors, IReadOnlyList<ConfigMessage> warnings)
    : Exception(string.Join(Environment.NewLine, errors))
{
    /// <summary>Every error, ordered by line and column.</summary>
    public IReadOnlyList<ConfigMessage> Errors { get; } = errors;
    /// <summary>The warnings found alongside the errors, ordered by line and column.</summary>
    public IReadOnlyList<ConfigMessage> Warnings { get; } = warnings;
}

/// <summary>Collects errors and warnings while a file is read and validated.</summary>
public sealed class Diagnostics
{
    private readonly List<ConfigMessage> _messages = [];

    /// <summary>Records an error at <paramref name="at"/>.</summary>
    public void Error(SpecLocation at, string text) => _messages.Add(new(Severity.Error, at, text));
    /// <summary>Records a warning at <paramref name="at"/>: the file still loads.</summary>
    public void Warning(SpecLocation at, string text) => _messages.Add(new(Severity.Warning, at, text));

    /// <summary>The errors so far, ordered by line, then column, then the order they were found; duplicates dropped.</summary>
    public IReadOnlyList<ConfigMessage> Errors => Sorted(Severity.Error);
    /// <summary>The warnings so far, ordered as <see cref="Errors"/>.</summary>
    public IReadOnlyList<ConfigMessage> Warnings => Sorted(Severity.Warning);
    /// <summary>Whether any error was recorded (a file with errors is not built).</summary>
    public bool HasErrors => _messages.Any(m => m.Severity == Severity.Error);

    private List<ConfigMessage> Sorted(Severity severity) =>
        _messages.Where(m => m.Severity == severity)
                 .Select((m, i) => (m, i))
                 .OrderBy(p => p.m.Location.Line).ThenBy(p => p.m.Location.Column).ThenBy(p => p.i)
                 .Select(p => p.m).Distinct().ToList();
}
