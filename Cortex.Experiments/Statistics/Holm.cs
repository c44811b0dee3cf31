namespace Cortex.Experiments.Statistics;

/// <summary>
/// Holm's step-down correction (Holm–Bonferroni) for a family of m tests: with the p-values sorted
/// p₍₁₎ ≤ … ≤ p₍ₘ₎, the adjusted value of the i-th is max over j ≤ i of min(1, (m − j + 1)·p₍ⱼ₎). Adjusted values
/// are monotone in the raw ones and capped at 1; rejecting where the adjusted value is below α controls the
/// family-wise error rate at α without assuming independence between the tests.
/// </summary>
public static class Holm
{
    /// <summary>The adjusted p-values, in the order of <paramref name="pValues"/> (each in [0, 1]).</summary>
    public static double[] Adjust(IReadOnlyList<double> pValues)
    {
        ArgumentNullException.ThrowIfNull(pValues);
        int m = pValues.Count;
        for (int i = 0; i < m; i++)
            if (!(pValues[i] >= 0 && pValues[i] <= 1)) throw new ArgumentException($"p-value {i} is {pValues[i]}; p-values lie in [0, 1]", nameof(pValues));
        int[] order = Enumerable.Range(0, m).OrderBy(i => pValues[i]).ThenBy(i => i).ToArray();
        var adjusted = new double[m];
        double running = 0;
        for (int rank = 0; rank < m; rank++)
        {
            int i = order[rank];
            running = Math.Max(running, Math.Min(1, (m - rank) * pValues[i]));
            adjusted[i] = running;
        }
        return adjusted;
    }
}
