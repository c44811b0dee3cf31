using System.Globalization;
using Cortex.Connectivity.Spec;
using Cortex.Connectivity.Validation;
using YamlDotNet.RepresentationModel;

namespace Cortex.Connectivity.Reading;

/// <summary>
/// Reads one YAML mapping into typed values, reporting every problem (unknown keys with a suggestion, missing
/// required keys, wrong types, out-of-range values) with the key's position and path. A value that cannot be
/// read reports an error and yields null, so reading goes on and all mistakes are found in one pass.
/// </summary>
internal sealed class MappingReader
{
    private readonly Dictionary<string, (YamlScalarNode Key, YamlNode Value)> _entries = new(StringComparer.Ordinal);
    private readonly HashSet<string> _suggested = [];
    private readonly Diagnostics _diagnostics;

    public SpecLocation Location { get; }
    public Dictionary<string, SpecLocation> Keys { get; } = [];

    public MappingReader(YamlMappingNode node, SpecLocation location, IReadOnlyCollection<string> allowed, Diagnostics diagnostics)
    {
        _diagnostics = diagnostics;
        Location = location;
        foreach (var (keyNode, value) in node.Children)
        {
            var at = NodeReader.At(keyNode, location.File, "");
            if (keyNode is not YamlScalarNode key || key.Value is null)
            {
                diagnostics.Error(at with { Path = location.Path }, $"found a {NodeReader.Kind(keyNode)} as a key; keys are plain words ({string.Join(", ", allowed)})");
                continue;
            }
            var keyAt = at with { Path = location.Child(key.Value).Path };
            if (!allowed.Contains(key.Value))
            {
                var near = Suggestions.Nearest(key.Value, allowed);
                if (near is not null) _suggested.Add(near);
                diagnostics.Error(keyAt, near is not null ? $"unknown key; did you mean '{near}'?" : $"unknown key; allowed: {string.Join(", ", allowed)}");
                continue;
            }
            _entries[key.Value] = (key, value);
            Keys[key.Value] = keyAt;
        }
    }

    public bool Has(string key) => _entries.ContainsKey(key);
    public SpecLocation At(string key) => Keys.TryGetValue(key, out var at) ? at : Location.Child(key);
    public YamlNode? Node(string key) => _entries.TryGetValue(key, out var e) ? e.Value : null;

    /// <summary>Reports a required key that is absent (unless an unknown key was already reported as its likely misspelling).</summary>
    public bool Require(string key)
    {
        if (_entries.ContainsKey(key)) return true;
        if (!_suggested.Contains(key)) _diagnostics.Error(Location.Child(key), "missing required key");
        return false;
    }

    public void Error(string key, string text) => _diagnostics.Error(At(key), text);

    /// <summary>A scalar's text, or null (with an error if the key holds a mapping, a sequence or nothing).</summary>
    public string? Scalar(string key, bool required = false)
    {
        if (!_entries.TryGetValue(key, out var entry)) { if (required) Require(key); return null; }
        if (entry.Value is YamlScalarNode { Value: { Length: > 0 } text }) return text;
        Error(key, entry.Value is YamlScalarNode ? "no value; expected a value" : $"expected a single value, found a {NodeReader.Kind(entry.Value)}");
        return null;
    }

    public string? Name(string key, bool required = false) => Scalar(key, required)?.Trim();

    public int? Int(string key, int minimum, bool required = false, string? what = null)
    {
        var text = Scalar(key, required);
        if (text is null) return null;
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int value))
        {
            Error(key, $"expected an integer, found '{text}'");
            return null;
        }
        if (value < minimum)
        {
            Error(key, $"{what ?? key} must be ≥ {minimum}, got {value}");
            return null;
        }
        return value;
    }

    public double? Double(string key, bool required = false)
    {
        var text = Scalar(key, required);
        if (text is null) return null;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
        {
            Error(key, $"expected a number, found '{text}'");
            return null;
        }
        return value;
    }

    public double? Positive(string key)
    {
        var value = Double(key);
        if (value is <= 0) { Error(key, $"{key} must be > 0, got {Format(value.Value)}"); return null; }
        return value;
    }

    public bool? Bool(string key)
    {
        var text = Scalar(key);
        if (text is null) return null;
        switch (text)
        {
            case "true" or "True" or "TRUE": return true;
            case "false" or "False" or "FALSE": return false;
            default: Error(key, $"expected true or false, found '{text}'"); return null;
        }
    }

    /// <summary>One of a closed set of words, mapped to its enum value; an unknown word suggests the nearest.</summary>
    public TEnum? Choice<TEnum>(string key, IReadOnlyDictionary<string, TEnum> choices, bool required = false) where TEnum : struct, Enum
    {
        var text = Scalar(key, required);
        if (text is null) return null;
        if (choices.TryGetValue(text, out var value)) return value;
        Error(key, $"unknown {key} '{text}'{Suggestions.Hint(text, choices.Keys.ToList())}");
        return null;
    }

    /// <summary>A shape [C, H, W] or [N] of positive sizes, or null.</summary>
    public AreaShape? Shape(string key, bool required = false)
    {
        if (!_entries.TryGetValue(key, out var entry)) { if (required) Require(key); return null; }
        if (entry.Value is not YamlSequenceNode list)
        {
            Error(key, $"expected a list [C, H, W] or [N], found {NodeReader.Describe(entry.Value)}");
            return null;
        }
        var sizes = new List<int>();
        foreach (var item in list.Children)
        {
            if (item is YamlScalarNode { Value: { } t } && int.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n)) sizes.Add(n);
            else { Error(key, $"expected integer sizes, found {NodeReader.Describe(item)}"); return null; }
        }
        string written = $"[{string.Join(", ", sizes)}]";
        if (sizes.Count is not (1 or 3))
        {
            Error(key, $"expected [C, H, W] (spatial) or [N] (vector), found {sizes.Count} sizes {written}");
            return null;
        }
        if (sizes.Any(s => s <= 0))
        {
            Error(key, $"sizes must be positive, found {written}");
            return null;
        }
        return sizes.Count == 3 ? AreaShape.Spatial(sizes[0], sizes[1], sizes[2]) : AreaShape.Vector(sizes[0]);
    }

    public static string Format(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}

/// <summary>Positions and descriptions of YAML nodes, for messages.</summary>
internal static class NodeReader
{
    public static SpecLocation At(YamlNode node, string file, string path) => new(file, (int)node.Start.Line, (int)node.Start.Column, path);

    public static string Kind(YamlNode node) => node switch
    {
        YamlMappingNode => "mapping",
        YamlSequenceNode => "list",
        _ => "value",
    };

    public static string Describe(YamlNode node) => node switch
    {
        YamlScalarNode s => $"'{s.Value}'",
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        _ => "something else",
    };
}
