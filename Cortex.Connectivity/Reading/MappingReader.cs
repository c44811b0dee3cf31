using System.Globalization;
using Cortex.Areas;
using Cortex.Areas.Options;
using Cortex.Connectivity.Spec;
using Cortex.Connectivity.Validation;
using YamlDotNet.RepresentationModel;

namespace Cortex.Connectivity.Reading;

/// <summary>
/// Reads one YAML mapping into typed values, reporting every problem (missing required keys, wrong types, out-of-range
/// values, unknown words with a suggestion) with the key's position and path. A value that cannot be read reports an
/// error and yields null, so reading goes on and all mistakes are found in one pass. It records which keys were read:
/// <see cref="Finish"/> reports every key nobody read as unknown, so the keys a kind accepts are exactly the keys it reads.
/// </summary>
public sealed class MappingReader : IOptionReader
{
    private readonly Dictionary<string, (YamlScalarNode Key, YamlNode Value)> entries = new(StringComparer.Ordinal);
    private readonly HashSet<string> read = new(StringComparer.Ordinal);
    private readonly Diagnostics diagnostics;

    /// <summary>A reader over <paramref name="node"/>, which starts at <paramref name="location"/>; problems go to <paramref name="diagnostics"/> (a key that is not a plain word is reported at once).</summary>
    public MappingReader(YamlMappingNode node, SpecLocation location, Diagnostics diagnostics)
    {
        this.diagnostics = diagnostics;
        Location = location;
        foreach (var (keyNode, value) in node.Children)
        {
            var at = NodeReader.At(keyNode, location.File, "");
            if (keyNode is not YamlScalarNode key || key.Value is null)
            {
                diagnostics.Error(at with { Path = location.Path }, $"found a {NodeReader.Kind(keyNode)} as a key; keys are plain words");
                continue;
            }
            entries[key.Value] = (key, value);
            Keys[key.Value] = at with { Path = location.Child(key.Value).Path };
        }
    }

    /// <summary>The mapping's start and YAML path.</summary>
    public SpecLocation Location { get; }

    /// <summary>Where each written key is.</summary>
    public Dictionary<string, SpecLocation> Keys { get; } = [];

    /// <inheritdoc/>
    /// <remarks>Marks <paramref name="key"/> as read, so <see cref="Finish"/> does not report it as unknown.</remarks>
    public bool Has(string key)
    {
        read.Add(key);
        return entries.ContainsKey(key);
    }

    /// <inheritdoc/>
    public bool Declares(string key) => entries.ContainsKey(key);

    /// <inheritdoc/>
    public bool IsList(string key) => Node(key) is YamlSequenceNode;

    /// <summary>Where <paramref name="key"/> was written, or the path it would have under this mapping when it was not.</summary>
    public SpecLocation At(string key) => Keys.TryGetValue(key, out var at) ? at : Location.Child(key);

    /// <summary>The YAML node under <paramref name="key"/>, or null when absent; marks the key as read.</summary>
    public YamlNode? Node(string key)
    {
        read.Add(key);
        return entries.TryGetValue(key, out var e) ? e.Value : null;
    }

    /// <inheritdoc/>
    public void Error(string key, string text) => diagnostics.Error(At(key), text);

    /// <inheritdoc/>
    public void Warning(string key, string text) => diagnostics.Warning(At(key), text);

    /// <summary>Reports a required key that is absent (unless a key written nearby looks like its misspelling: that one is reported as unknown).</summary>
    public bool Require(string key)
    {
        read.Add(key);
        if (entries.ContainsKey(key)) return true;
        if (!entries.Keys.Any(k => !read.Contains(k) && Suggestions.Nearest(k, [key]) is not null))
            diagnostics.Error(Location.Child(key), "missing required key");
        return false;
    }

    /// <summary>
    /// Reports every key that was written but never read: when <paramref name="elsewhere"/> knows where it belongs (another
    /// kind, another norm), that is said; otherwise the nearest of <paramref name="known"/> is suggested, or the list.
    /// </summary>
    public void Finish(IReadOnlyCollection<string> known, Func<string, string?>? elsewhere = null)
    {
        foreach (var (key, _) in entries)
        {
            if (read.Contains(key)) continue;
            if (elsewhere?.Invoke(key) is { } where) { Error(key, where); continue; }
            var near = Suggestions.Nearest(key, known);
            Error(key, near is not null ? $"unknown key; did you mean '{near}'?" : $"unknown key; allowed: {string.Join(", ", known)}");
        }
    }

    /// <inheritdoc/>
    public string? Text(string key) => Scalar(key);

    /// <summary>A scalar's text, or null (with an error if the key holds a mapping, a sequence or nothing).</summary>
    public string? Scalar(string key, bool required = false)
    {
        read.Add(key);
        if (!entries.TryGetValue(key, out var entry)) { if (required) Require(key); return null; }
        if (entry.Value is YamlScalarNode { Value: { Length: > 0 } text }) return text;
        Error(key, entry.Value is YamlScalarNode ? "no value; expected a value" : $"expected a single value, found a {NodeReader.Kind(entry.Value)}");
        return null;
    }

    /// <summary>A name (an area's, a readout's): the scalar under <paramref name="key"/> without surrounding spaces, or null (reported as missing when <paramref name="required"/>).</summary>
    public string? Name(string key, bool required = false) => Scalar(key, required)?.Trim();

    /// <inheritdoc/>
    public int? Int(string key, int minimum, string? what = null) => Int(key, minimum, required: false, what);

    /// <summary>An integer ≥ <paramref name="minimum"/> under <paramref name="key"/>, or null with an error (text that is not an integer, a value below the minimum, or an absent key when <paramref name="required"/>); <paramref name="what"/> names the value in messages (default: the key).</summary>
    public int? Int(string key, int minimum, bool required, string? what = null)
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

    /// <inheritdoc/>
    public double? Number(string key) => Number(key, required: false);

    /// <summary>A finite number under <paramref name="key"/>, or null with an error (text that is not a number, NaN or infinity, or an absent key when <paramref name="required"/>).</summary>
    public double? Number(string key, bool required)
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

    /// <inheritdoc/>
    public double? Positive(string key)
    {
        var value = Number(key);
        if (value is <= 0) { Error(key, $"{key} must be > 0, got {Format(value.Value)}"); return null; }
        return value;
    }

    /// <inheritdoc/>
    /// <remarks>Accepts <c>true</c>, <c>True</c>, <c>TRUE</c> and the same spellings of false.</remarks>
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

    /// <inheritdoc/>
    public int? Choice(string key, IReadOnlyList<string> words)
    {
        var text = Scalar(key);
        if (text is null) return null;
        for (int i = 0; i < words.Count; i++) if (words[i] == text) return i;
        Error(key, $"unknown {key} '{text}'{Suggestions.Hint(text, words)}");
        return null;
    }

    /// <inheritdoc/>
    public TEntry? Word<TEntry>(string key, Registry<TEntry> registry) where TEntry : class, IRegistryEntry
    {
        var text = Scalar(key);
        if (text is null) return null;
        if (registry.Find(text) is { } entry) return entry;
        Error(key, $"unknown {key} '{text}'{Suggestions.Hint(text, registry.Words)}");
        return null;
    }

    /// <inheritdoc/>
    /// <remarks>Each item out of range is reported; the valid ones are kept. Null when the key is absent or not a list.</remarks>
    public IReadOnlyList<int>? Ints(string key, int minimum, int maximum, string what)
    {
        if (Node(key) is not YamlSequenceNode list) return null;
        var values = new List<int>();
        foreach (var item in list.Children)
        {
            if (item is YamlScalarNode { Value: { } t } && int.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v)
                && v >= minimum && v <= maximum)
                values.Add(v);
            else Error(key, $"{what} must be integers in {minimum}..{maximum}, found {NodeReader.Describe(item)}");
        }
        return values;
    }

    /// <inheritdoc/>
    public IReadOnlyList<double>? Weights(string key)
    {
        var node = Node(key);
        if (node is null) return null;
        if (node is not YamlSequenceNode list)
        {
            Error(key, $"expected a list of numbers ≥ 0, found {NodeReader.Describe(node)}");
            return null;
        }
        var values = new List<double>();
        foreach (var item in list.Children)
        {
            if (item is YamlScalarNode { Value: { } t } && double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
                && double.IsFinite(v) && v >= 0)
                values.Add(v);
            else
            {
                Error(key, $"expected numbers ≥ 0, found {NodeReader.Describe(item)}");
                return null;
            }
        }
        return values;
    }

    /// <summary>A shape [C, H, W] or [N] of positive sizes, or null.</summary>
    public AreaShape? Shape(string key, bool required = false)
    {
        read.Add(key);
        if (!entries.TryGetValue(key, out var entry)) { if (required) Require(key); return null; }
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

    /// <summary>A number as messages print it: at most three decimals, invariant culture (<c>0.5</c>, <c>2</c>).</summary>
    public static string Format(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    /// <summary>
    /// The mappings of a list under <paramref name="key"/>, each read by <paramref name="read"/> (with its index) through its
    /// own reader; an absent or empty key is an empty list. A value that is not a list, or an item that is not a mapping,
    /// is reported naming <paramref name="keys"/>, the usual keys of an item.
    /// </summary>
    public List<T> Items<T>(string key, IReadOnlyList<string> keys, Func<MappingReader, int, T?> read) where T : class
    {
        var node = Node(key);
        if (node is null or YamlScalarNode { Value: null or "" }) return [];
        if (node is not YamlSequenceNode list)
        {
            Error(key, $"expected a list of mappings ({string.Join(", ", keys)}), found {NodeReader.Describe(node)}");
            return [];
        }
        var items = new List<T>();
        for (int i = 0; i < list.Children.Count; i++)
        {
            var item = list.Children[i];
            var at = NodeReader.At(item, Location.File, Location.Child(key).Item(i).Path);
            if (item is not YamlMappingNode mapping)
            {
                diagnostics.Error(at, $"expected a mapping ({string.Join(", ", keys)}), found {NodeReader.Describe(item)}");
                continue;
            }
            if (read(new MappingReader(mapping, at, diagnostics), i) is { } value) items.Add(value);
        }
        return items;
    }

    /// <summary>The mapping under <paramref name="key"/> through its own reader, or null (reported when the key holds something else).</summary>
    public MappingReader? Mapping(string key)
    {
        var node = Node(key);
        if (node is null or YamlScalarNode { Value: null or "" }) return null;
        if (node is YamlMappingNode mapping) return new MappingReader(mapping, NodeReader.At(node, Location.File, Location.Child(key).Path), diagnostics);
        Error(key, $"expected a mapping, found {NodeReader.Describe(node)}");
        return null;
    }

    /// <summary>The scalars of a list under <paramref name="key"/> (a single scalar counts as a list of one), or null when absent; other items are reported.</summary>
    public List<string>? Scalars(string key)
    {
        var node = Node(key);
        if (node is null) return null;
        if (node is YamlScalarNode { Value: { Length: > 0 } one }) return [one];
        if (node is not YamlSequenceNode list)
        {
            Error(key, $"expected a list of values, found {NodeReader.Describe(node)}");
            return null;
        }
        var values = new List<string>();
        foreach (var item in list.Children)
            if (item is YamlScalarNode { Value: { Length: > 0 } text }) values.Add(text);
            else Error(key, $"expected values, found {NodeReader.Describe(item)}");
        return values;
    }
}

/// <summary>Positions and descriptions of YAML nodes, for messages.</summary>
public static class NodeReader
{
    /// <summary>The position of <paramref name="node"/> in <paramref name="file"/> (line and column from 1), with the YAML <paramref name="path"/>.</summary>
    public static SpecLocation At(YamlNode node, string file, string path) => new(file, (int)node.Start.Line, (int)node.Start.Column, path);

    /// <summary>What kind of node it is, for messages: <c>mapping</c>, <c>list</c> or <c>value</c>.</summary>
    public static string Kind(YamlNode node) => node switch
    {
        YamlMappingNode => "mapping",
        YamlSequenceNode => "list",
        _ => "value",
    };

    /// <summary>The node as a message quotes it: a scalar's text in quotes, else <c>a list</c> or <c>a mapping</c>.</summary>
    public static string Describe(YamlNode node) => node switch
    {
        YamlScalarNode s => $"'{s.Value}'",
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        _ => "something else",
    };
}

/// <summary>Places a kind's messages at the keys of a spec node that was already read (for checks made when the graph is resolved).</summary>
internal sealed class NodeIssues(SpecNode node, Diagnostics diagnostics) : IIssues
{
    public void Error(string key, string text) => diagnostics.Error(node.At(key), text);
    public void Warning(string key, string text) => diagnostics.Warning(node.At(key), text);
    public bool Declares(string key) => node.Declares(key);
}
