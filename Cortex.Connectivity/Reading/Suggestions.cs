namespace Cortex.Connectivity.Reading;

/// <summary>"Did you mean …?": the allowed word nearest to a misspelt one (Levenshtein distance).</summary>
public static class Suggestions
{
    /// <summary>The nearest of <paramref name="allowed"/> when it is close enough to be a typo (distance ≤ max(2, |word|/3)), else null.</summary>
    public static string? Nearest(string word, IEnumerable<string> allowed)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var candidate in allowed)
        {
            int d = Distance(word.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (d < bestDistance) (best, bestDistance) = (candidate, d);
        }
        return bestDistance <= Math.Max(2, word.Length / 3) ? best : null;
    }

    /// <summary>Levenshtein edit distance (insertions, deletions, substitutions, each cost 1).</summary>
    public static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    /// <summary>"; did you mean 'x'?" or "; allowed: a, b, c".</summary>
    public static string Hint(string word, IReadOnlyCollection<string> allowed)
        => Nearest(word, allowed) is { } near ? $"; did you mean '{near}'?" : $"; allowed: {string.Join(", ", allowed)}";
}
