namespace Cortex.Connectivity.Reading;

/// <summary>"Did you mean …?": the allowed word nearest to a misspelt one (Levenshtein distance).</summary>
public static class Suggestions
{
    /// <summary>The nearest of <paramref name="allowed"/> when it is close enough to be a typo (distance ≤ max(1, |word|/3) and &lt; |word|), else null.</summary>
    public static string? Nearest(string word, IEnumerable<string> allowed)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var candidate in allowed)
        {
            int d = Distance(word.ToLowerInvariant(), candidate.ToLowerInvariant());
            if (d < bestDistance) (best, bestDistance) = (candidate, d);
        }
        return bestDistance <= Math.Max(1, word.Length / 3) && bestDistance < word.Length ? best : null;
    }

    /// <summary>
    /// Levenshtein edit distance (insertions, deletions, substitutions, each cost 1), with a swap of two
    /// neighbouring letters also costing 1 (optimal string alignment), so that "rleu" is one edit from "relu".
    /// </summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
            for (int j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }

    /// <summary>"; did you mean 'x'?" or "; allowed: a, b, c".</summary>
    public static string Hint(string word, IReadOnlyCollection<string> allowed)
        => Nearest(word, allowed) is { } near ? $"; did you mean '{near}'?" : $"; allowed: {string.Join(", ", allowed)}";
}
