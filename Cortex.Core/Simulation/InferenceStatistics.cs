namespace Cortex.Core.Simulation;

/// <summary>What batch normalisation normalises with outside training.</summary>
public enum InferenceStatistics
{
    /// <summary>The running averages kept in training (the usual inference).</summary>
    Running,

    /// <summary>
    /// The statistics of the batch being evaluated, at each step on its own, as in training; the running averages are not
    /// updated. A diagnostic: how a network does when its running averages do not describe its activity at every step
    /// (shared batch norm), at the price of answers that depend on which images share a batch.
    /// </summary>
    Batch,
}

/// <summary>The words that name <see cref="InferenceStatistics"/> in experiment files and on the command line.</summary>
public static class InferenceStatisticsWords
{
    static readonly string[] words = ["running", "batch"];

    /// <summary>Every word, in <see cref="InferenceStatistics"/> order.</summary>
    public static IReadOnlyList<string> All => words;

    /// <summary>The word that names a value.</summary>
    public static string Word(this InferenceStatistics statistics) => words[(int)statistics];

    /// <summary>The value a word names; the word must be one of <see cref="All"/>.</summary>
    public static InferenceStatistics FromWord(string word) =>
        Array.IndexOf(words, word) is var index and >= 0 ? (InferenceStatistics)index
            : throw new ArgumentException($"'{word}' names no statistics; allowed: {string.Join(", ", words)}", nameof(word));
}
