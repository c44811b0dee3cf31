namespace Cortex.Experiments.Similarity;

/// <summary>
/// Kendall's τ_A = (C − D) / (m(m − 1)/2) over m paired values: C pairs ordered the same way by both, D ordered oppositely;
/// pairs tied in either count as neither, and the denominator counts every pair. Nili et al. (2014) recommend τ_A for
/// comparing RDMs with models that predict tied distances: unlike τ_B it does not reward a prediction for its ties.
/// MathNet.Numerics 5.0 has Pearson and Spearman correlations but no Kendall τ, hence this class.
/// </summary>
public static class KendallTau
{
    /// <summary>
    /// τ_A in O(m log m) (Knight 1966): sort the pairs by x, then y; count D as the inversions a stable merge sort of the
    /// y values removes (pairs tied in x are already in y order; equal y values are not inversions); then
    /// C + D = n₀ − n₁ − n₂ + n₃ (n₀ all pairs, n₁ tied in x, n₂ tied in y, n₃ tied in both), so C − D = n₀ − n₁ − n₂ + n₃ − 2D.
    /// NaN when a value is NaN or there are fewer than 2 pairs.
    /// </summary>
    public static double TauA(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        if (x.Length != y.Length) throw new ArgumentException($"Kendall's τ needs paired values, got {x.Length} and {y.Length}");
        int m = x.Length;
        if (m < 2) return double.NaN;
        foreach (double v in x) if (double.IsNaN(v)) return double.NaN;
        foreach (double v in y) if (double.IsNaN(v)) return double.NaN;
        var xs = x.ToArray();
        var ys = y.ToArray();
        var order = new int[m];
        for (int i = 0; i < m; i++) order[i] = i;
        Array.Sort(order, (a, b) => xs[a] != xs[b] ? xs[a].CompareTo(xs[b]) : ys[a].CompareTo(ys[b]));

        long n0 = (long)m * (m - 1) / 2, n1 = 0, n3 = 0;
        for (int i = 0, tiedX = 1, tiedBoth = 1; i < m; i++)
        {
            bool sameX = i + 1 < m && xs[order[i + 1]] == xs[order[i]];
            bool sameBoth = sameX && ys[order[i + 1]] == ys[order[i]];
            if (sameBoth) tiedBoth++;
            else { n3 += (long)tiedBoth * (tiedBoth - 1) / 2; tiedBoth = 1; }
            if (sameX) tiedX++;
            else { n1 += (long)tiedX * (tiedX - 1) / 2; tiedX = 1; }
        }

        var sequence = new double[m];
        for (int i = 0; i < m; i++) sequence[i] = ys[order[i]];
        long discordant = MergeSortCountingInversions(sequence, new double[m], 0, m);

        long n2 = 0;   // the sequence is now y sorted
        for (int i = 0, tied = 1; i < m; i++)
        {
            if (i + 1 < m && sequence[i + 1] == sequence[i]) tied++;
            else { n2 += (long)tied * (tied - 1) / 2; tied = 1; }
        }
        return (double)(n0 - n1 - n2 + n3 - 2 * discordant) / n0;
    }

    /// <summary>Sorts values[start, end) stably and returns the number of pairs i &lt; j with values[i] &gt; values[j].</summary>
    private static long MergeSortCountingInversions(double[] values, double[] scratch, int start, int end)
    {
        if (end - start < 2) return 0;
        int middle = (start + end) / 2;
        long inversions = MergeSortCountingInversions(values, scratch, start, middle) + MergeSortCountingInversions(values, scratch, middle, end);
        int left = start, right = middle, k = start;
        while (left < middle && right < end)
        {
            if (values[right] < values[left])
            {
                inversions += middle - left;   // values[right] jumps over every value left in the left half
                scratch[k++] = values[right++];
            }
            else scratch[k++] = values[left++];
        }
        while (left < middle) scratch[k++] = values[left++];
        while (right < end) scratch[k++] = values[right++];
        Array.Copy(scratch, start, values, start, end - start);
        return inversions;
    }
}
