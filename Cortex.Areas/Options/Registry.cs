using System.Collections;

namespace Cortex.Areas.Options;

/// <summary>An entry of a registry: a word as written in network files, and a line saying what it is.</summary>
public interface IRegistryEntry
{
    /// <summary>The word that selects it in a network file.</summary>
    string Word { get; }

    /// <summary>What it is, in one line (for messages, the ledger and docs).</summary>
    string Summary { get; }
}

/// <summary>
/// The closed list of one family of kinds (area kinds, projection kinds, modes, norms, activations, readouts): the
/// single source of truth that the reader, writer, validator, ledger, schedule, picture and builder consult. An
/// unknown word is an error with suggestions taken from here; nothing falls back to a default entry.
/// </summary>
/// <typeparam name="TEntry">The family's entry type.</typeparam>
public sealed class Registry<TEntry> : IReadOnlyList<TEntry> where TEntry : class, IRegistryEntry
{
    private readonly TEntry[] entries;

    /// <param name="family">What the family is called in messages, e.g. "area kind".</param>
    /// <param name="entries">One per kind, in the order they are documented.</param>
    public Registry(string family, params TEntry[] entries)
    {
        Family = family;
        this.entries = entries;
        var duplicate = entries.GroupBy(e => e.Word).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"{family}: the word '{duplicate.Key}' is registered twice");
    }

    /// <summary>What the family is called in messages.</summary>
    public string Family { get; }

    /// <summary>Every word, in registry order.</summary>
    public IReadOnlyList<string> Words => [.. entries.Select(e => e.Word)];

    /// <summary>The entry with this word, or null.</summary>
    public TEntry? Find(string word) => entries.FirstOrDefault(e => e.Word == word);

    /// <summary>The entry with this word; throws when there is none (for words that were validated).</summary>
    public TEntry this[string word] => Find(word) ?? throw new ArgumentException($"unknown {Family} '{word}'; known: {string.Join(", ", Words)}");

    /// <inheritdoc/>
    public TEntry this[int index] => entries[index];

    /// <inheritdoc/>
    public int Count => entries.Length;

    /// <inheritdoc/>
    public IEnumerator<TEntry> GetEnumerator() => ((IEnumerable<TEntry>)entries).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => entries.GetEnumerator();
}
