namespace Cortex.Areas.Options;

/// <summary>Where a kind reports what is wrong with its options: each message is placed at the key it names (file, line, column, path).</summary>
public interface IIssues
{
    /// <summary>An error at <paramref name="key"/> (or at the mapping when the key was not written).</summary>
    void Error(string key, string text);

    /// <summary>A warning at <paramref name="key"/>.</summary>
    void Warning(string key, string text);

    /// <summary>Whether the file wrote <paramref name="key"/> (rather than leaving it to its default): a message about a derived value goes to the key the user wrote.</summary>
    bool Declares(string key);
}
