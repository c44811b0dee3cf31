namespace Cortex.Connectivity.Spec;

/// <summary>Where a value came from: file, 1-based line and column, and its YAML path (<c>projections[3].delay</c>).</summary>
public readonly record struct SpecLocation(string File, int Line, int Column, string Path)
{
    /// <summary>The same place, one level deeper in the YAML path.</summary>
    public SpecLocation Child(string key) => this with { Path = Path.Length == 0 ? key : $"{Path}.{key}" };

    /// <summary>The same place, at an index of a sequence.</summary>
    public SpecLocation Item(int index) => this with { Path = $"{Path}[{index}]" };

    /// <summary><c>file:line:column path</c>, the prefix of every configuration message.</summary>
    public override string ToString() => $"{System.IO.Path.GetFileName(File)}:{Line}:{Column} {(Path.Length == 0 ? "(document)" : Path)}";
}

/// <summary>A part of a network file: it knows where it was written, and where each of its keys was.</summary>
public abstract record SpecNode
{
    /// <summary>The start of this record's mapping, with its YAML path.</summary>
    public SpecLocation Location { get; init; }

    /// <summary>The position of each key written in the file (keys left to their defaults are absent).</summary>
    public IReadOnlyDictionary<string, SpecLocation> Keys { get; init; } = new Dictionary<string, SpecLocation>();

    /// <summary>Where <paramref name="key"/> was written, or this record's start (with the key's path) when it was defaulted.</summary>
    public SpecLocation At(string key) => Keys.TryGetValue(key, out var at) ? at : Location.Child(key);

    /// <summary>Whether the file wrote <paramref name="key"/> (rather than leaving it to its default).</summary>
    public bool Declares(string key) => Keys.ContainsKey(key);
}
