using Cortex.Connectivity.Spec;

namespace Cortex.Connectivity.Validation;

public enum Severity { Error, Warning }

/// <summary>One finding about a network file: <c>file:line:column path: what was found; what is allowed</c>.</summary>
public sealed record ConfigMessage(Severity Severity, SpecLocation Location, string Text)
{
    public override string ToString() => $"{Location}: {(Severity == Severity.Warning ? "warning: " : "")}{Text}";
}

/// <summary>
/// Every error found in a network file (and its warnings), reported together. Thrown by
/// <see cref="NetworkLoader.Load"/>; its message is the list, one line each, ordered by position.
/// </summary>
public sealed class ConfigErrors(IReadOnlyList<ConfigMessage> errors, IReadOnlyList<ConfigMessage> warnings)
    : Exception(string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<ConfigMessage> Errors { get; } = errors;
    public IReadOnlyList<ConfigMessage> Warnings { get; } = warnings;
}

/// <summary>Collects errors and warnings while a file is read and validated.</summary>
public sealed class Diagnostics
{
    private readonly List<ConfigMessage> _messages = [];

    public void Error(SpecLocation at, string text) => _messages.Add(new(Severity.Error, at, text));
    public void Warning(SpecLocation at, string text) => _messages.Add(new(Severity.Warning, at, text));

    public IReadOnlyList<ConfigMessage> Errors => Sorted(Severity.Error);
    public IReadOnlyList<ConfigMessage> Warnings => Sorted(Severity.Warning);
    public bool HasErrors => _messages.Any(m => m.Severity == Severity.Error);

    private List<ConfigMessage> Sorted(Severity severity) =>
        _messages.Where(m => m.Severity == severity)
                 .Select((m, i) => (m, i))
                 .OrderBy(p => p.m.Location.Line).ThenBy(p => p.m.Location.Column).ThenBy(p => p.i)
                 .Select(p => p.m).Distinct().ToList();
}
