using System.Globalization;

namespace Cortex.Experiments.Stimuli;

/// <summary>
/// The options of one stimulus item, <c>key=value</c> or a bare <c>flag</c>, as written after its level
/// (<c>occlusion:0.3:size=4:blobs</c>). Each kind reads the keys it knows; <see cref="Finish"/> then refuses any other,
/// naming the keys the kind has. Errors are <see cref="ArgumentException"/>s naming the item.
/// </summary>
public sealed class StimulusOptions
{
    private readonly Dictionary<string, string?> values = new(StringComparer.Ordinal);
    private readonly HashSet<string> read = new(StringComparer.Ordinal);

    /// <summary>Reads the options of <paramref name="item"/> (for messages) from its parts after the level.</summary>
    public StimulusOptions(string item, IEnumerable<string> parts)
    {
        Item = item;
        foreach (var part in parts)
        {
            int equals = part.IndexOf('=');
            string key = (equals < 0 ? part : part[..equals]).Trim();
            string? value = equals < 0 ? null : part[(equals + 1)..].Trim();
            if (key.Length == 0) throw new ArgumentException($"stimulus '{item}': an option has no name ('{part}')");
            if (!values.TryAdd(key, value)) throw new ArgumentException($"stimulus '{item}': option '{key}' is given twice");
        }
    }

    /// <summary>The item the options belong to, for messages.</summary>
    public string Item { get; }

    /// <summary>Whether no option was given.</summary>
    public bool IsEmpty => values.Count == 0;

    /// <summary>Whether the bare flag <paramref name="key"/> is given (a value after it is a mistake).</summary>
    public bool Flag(string key)
    {
        read.Add(key);
        if (!values.TryGetValue(key, out var value)) return false;
        return value is null ? true : throw new ArgumentException($"stimulus '{Item}': '{key}' is a flag and takes no value, got '{key}={value}'");
    }

    /// <summary>The whole number <c>key=n</c>, at least <paramref name="min"/>; null when not given.</summary>
    public int? Int(string key, int min)
    {
        read.Add(key);
        if (!values.TryGetValue(key, out var value)) return null;
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min ? n
            : throw new ArgumentException($"stimulus '{Item}': '{key}' must be a whole number ≥ {min}, got '{value}'");
    }

    /// <summary>The range <c>key=a-b</c> (or <c>key=n</c>, meaning n-n) of whole numbers from <paramref name="min"/>, a ≤ b; null when not given.</summary>
    public (int Low, int High)? Range(string key, int min)
    {
        read.Add(key);
        if (!values.TryGetValue(key, out var value)) return null;
        var parts = (value ?? "").Split('-');
        var numbers = parts.Select(p => int.TryParse(p.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= min ? n : (int?)null).ToArray();
        if (numbers.Length is 1 or 2 && numbers.All(n => n is not null) && numbers[0] <= numbers[^1]) return (numbers[0]!.Value, numbers[^1]!.Value);
        throw new ArgumentException($"stimulus '{Item}': '{key}' must be a whole number ≥ {min} or a range a-b of them (a ≤ b), got '{value}'");
    }

    /// <summary>Refuses every option the kind did not read, naming those it has.</summary>
    public void Finish(string allowed)
    {
        foreach (var key in values.Keys)
            if (!read.Contains(key))
                throw new ArgumentException($"stimulus '{Item}': unknown option '{key}'; {(allowed.Length == 0 ? "it takes none" : "its options: " + allowed)}");
    }
}
