using Cortex.Connectivity.Spec;

namespace Cortex.Connectivity.Variants;

/// <summary>A choice of channel counts, the network they make and its matched quantity.</summary>
/// <param name="Channels">Channels (or units) of each area of the base spec.</param>
/// <param name="Spec">The network with them.</param>
/// <param name="Value">Its synapses or MACs per image.</param>
internal sealed record ChannelChoice(int[] Channels, NetworkSpec Spec, long Value);

/// <summary>
/// Finds the channel counts whose network comes closest to a target number of synapses (or MACs per image): first a
/// common scale of every area's channels (a binary search over the largest area's count, with the others in proportion);
/// then, around the two scales that bracket the target, every combination of small changes (±2 channels per area for up
/// to two areas, ±1 for up to four); then one area at a time, ±1 or ±2, until nothing comes closer. Ties go to the
/// counts whose scale factors agree best (the proportions of the original). Candidates a kind refuses (a group count
/// that no longer divides the channels) are skipped.
/// </summary>
internal static class ChannelSearch
{
    private const int Radius = 2, MaxJointAreas = 4, MaxScale = 64;

    /// <param name="original">The channels of each area in the base network.</param>
    /// <param name="build">The network with given channels.</param>
    /// <param name="quantity">What is matched.</param>
    /// <param name="target">The value to come closest to.</param>
    public static ChannelChoice Closest(IReadOnlyList<int> original, Func<int[], NetworkSpec> build, MatchQuantity quantity, long target)
    {
        var seen = new Dictionary<string, ChannelChoice?>();
        ChannelChoice? Measure(int[] channels)
        {
            string key = string.Join(",", channels);
            if (seen.TryGetValue(key, out var known)) return known;
            var spec = build(channels);
            var loaded = channels.All(c => c >= 1) ? SpecEdits.TryValidate(spec) : null;
            return seen[key] = loaded is null ? null : new ChannelChoice(channels, spec, Matching.Measure(quantity, loaded.Ledger));
        }

        int lead = original.Max();
        int[] Scaled(int c) => [.. original.Select(x => Math.Max(1, (int)Math.Round((double)c * x / lead, MidpointRounding.AwayFromZero)))];
        // The smallest count of the largest area whose scaled network reaches the target (the value grows with it).
        int lo = 1, hi = MaxScale * lead;
        while (lo < hi)
        {
            int mid = lo + (hi - lo) / 2;
            if (Measure(Scaled(mid)) is { } m && m.Value < target) lo = mid + 1;
            else hi = mid;
        }
        var centres = new[] { Scaled(Math.Max(1, lo - 1)), Scaled(lo) };
        var best = centres.Select(Measure).Where(c => c is not null).MinBy(c => Rank(c!, original, target))
            ?? throw new VariantNotApplicable($"no channel counts near {string.Join(", ", centres[1])} make a valid network");

        // Every combination of small changes around the two scales (±2 per area for up to two areas, ±1 for up to four), then
        // one area at a time (±1, ±2) until nothing comes closer.
        if (original.Count <= MaxJointAreas)
            foreach (var centre in centres)
                foreach (var candidate in Box(centre, original.Count <= 2 ? Radius : 1))
                    if (Measure(candidate) is { } c && Rank(c, original, target).CompareTo(Rank(best, original, target)) < 0) best = c;
        for (bool improved = true; improved;)
        {
            improved = false;
            for (int a = 0; a < original.Count; a++)
                for (int delta = -Radius; delta <= Radius; delta++)
                {
                    if (delta == 0) continue;
                    int[] candidate = [.. best.Channels];
                    candidate[a] += delta;
                    if (Measure(candidate) is { } c && Rank(c, original, target).CompareTo(Rank(best, original, target)) < 0)
                    {
                        best = c;
                        improved = true;
                    }
                }
        }
        return best;
    }

    /// <summary>Every vector within ±<paramref name="radius"/> of <paramref name="centre"/> in each entry.</summary>
    private static IEnumerable<int[]> Box(int[] centre, int radius)
    {
        int n = centre.Length, side = 2 * radius + 1;
        int total = (int)Math.Pow(side, n);
        for (int index = 0; index < total; index++)
        {
            var v = new int[n];
            for (int a = 0, rest = index; a < n; a++, rest /= side) v[a] = centre[a] + rest % side - radius;
            yield return v;
        }
    }

    /// <summary>Closer to the target first; then the spread of the areas' scale factors (smaller keeps the proportions); then fewer channels.</summary>
    private static (long Distance, double Spread, long Channels) Rank(ChannelChoice c, IReadOnlyList<int> original, long target)
    {
        var factors = c.Channels.Select((x, i) => (double)x / original[i]).ToList();
        return (Math.Abs(c.Value - target), Math.Round(factors.Max() - factors.Min(), 9), c.Channels.Sum(x => (long)x));
    }

    /// <summary>"×2.12" — the mean scale factor of the chosen channels.</summary>
    public static string Factor(IReadOnlyList<int> original, IReadOnlyList<int> chosen) =>
        "×" + chosen.Select((x, i) => (double)x / original[i]).Average().ToString("F2", System.Globalization.CultureInfo.InvariantCulture);
}
