namespace Cortex.Areas.Options;

/// <summary>
/// Reads a kind's keys from the mapping they were written in. A value that cannot be read is reported at its key
/// (what was found, what is allowed) and comes back as null, so reading goes on and every mistake is found in one
/// pass. Keys a kind never reads are reported by the caller as unknown, with suggestions from the registries.
/// </summary>
public interface IOptionReader : IIssues
{
    /// <summary>Whether the mapping holds <paramref name="key"/>.</summary>
    bool Has(string key);

    /// <summary>Reports <paramref name="key"/> as missing when it is absent; returns whether it is there.</summary>
    bool Require(string key);

    /// <summary>Whether <paramref name="key"/> holds a list.</summary>
    bool IsList(string key);

    /// <summary>A single value's text, or null.</summary>
    string? Text(string key);

    /// <summary>An integer ≥ <paramref name="minimum"/>; <paramref name="what"/> names it in messages (default: the key).</summary>
    int? Int(string key, int minimum, string? what = null);

    /// <summary>A finite number.</summary>
    double? Number(string key);

    /// <summary>A finite number &gt; 0.</summary>
    double? Positive(string key);

    /// <summary>true or false.</summary>
    bool? Bool(string key);

    /// <summary>A list of integers in [<paramref name="minimum"/>, <paramref name="maximum"/>].</summary>
    IReadOnlyList<int>? Ints(string key, int minimum, int maximum, string what);

    /// <summary>A list of finite numbers ≥ 0.</summary>
    IReadOnlyList<double>? Weights(string key);

    /// <summary>One of a few words (a key's own closed set of values): its index in <paramref name="words"/>, or null.</summary>
    int? Choice(string key, IReadOnlyList<string> words);

    /// <summary>One word of a registry; an unknown word is reported with the nearest known one, or the list.</summary>
    TEntry? Word<TEntry>(string key, Registry<TEntry> registry) where TEntry : class, IRegistryEntry;
}

/// <summary>Writes a kind's keys back as YAML values, every default resolved, in the order the kind gives them.</summary>
public interface IOptionWriter
{
    /// <summary>key: value, where value is already YAML (a number, a word, a flow list).</summary>
    void Add(string key, string yaml);
}

/// <summary>How option values are written as YAML.</summary>
public static class OptionText
{
    /// <summary>A number as it reads back exactly (round-trip format, invariant culture).</summary>
    public static string Number(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>true or false.</summary>
    public static string Bool(bool value) => value ? "true" : "false";

    /// <summary>[a, b, c].</summary>
    public static string List<TValue>(IEnumerable<TValue> values) => $"[{string.Join(", ", values.Select(v => v is double d ? Number(d) : v?.ToString()))}]";

    /// <summary>A string, single-quoted.</summary>
    public static string Quote(string text) => $"'{text.Replace("'", "''")}'";

    /// <summary>Writes every (key, value) of <paramref name="keys"/> to <paramref name="writer"/>.</summary>
    public static void WriteAll(this IOptionWriter writer, params (string Key, string Yaml)[] keys)
    {
        foreach (var (key, yaml) in keys) writer.Add(key, yaml);
    }
}
