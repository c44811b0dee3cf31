namespace Cortex.Experiments.Statistics;

/// <summary>
/// Confidence-threshold early exit from stored outcomes: for each threshold, each image stops at the first read
/// step whose confidence reaches the threshold (else at the last read step) and is scored there. The cost of
/// stopping at step t is the caller's cumulative count of synaptic operations per image through t (from the
/// network's ledger); for a feedforward network with auxiliary heads the steps are heads and the counts are
/// through each head, and the same function serves. Confidences are stored in single precision, so the
/// comparison "confidence ≥ threshold" is made in single precision too (a stored 0.6 reaches a threshold of 0.6).
/// </summary>
public static class EarlyExit
{
    /// <summary>The thresholds reported unless others are asked for.</summary>
    public static readonly IReadOnlyList<double> DefaultThresholds = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99];

    /// <summary>
    /// The operating points of <paramref name="readout"/> at each of <paramref name="thresholds"/>.
    /// <paramref name="cumulativeMacsByStep"/>[t − 1] is the synaptic operations per image spent through step t
    /// (non-decreasing, covering the readout's last read step); see <see cref="Cumulative"/>.
    /// </summary>
    public static IReadOnlyList<SpeedAccuracyPoint> Evaluate(ReadoutOutcomes readout, IReadOnlyList<double> thresholds, IReadOnlyList<long> cumulativeMacsByStep)
    {
        ArgumentNullException.ThrowIfNull(readout);
        ArgumentNullException.ThrowIfNull(thresholds);
        ArgumentNullException.ThrowIfNull(cumulativeMacsByStep);
        var steps = readout.Steps;
        int last = steps[^1];
        if (cumulativeMacsByStep.Count < last)
            throw new ArgumentException($"readout '{readout.Name}' reads up to step {last}, but MACs are given for {cumulativeMacsByStep.Count} steps", nameof(cumulativeMacsByStep));
        for (int t = 0; t < cumulativeMacsByStep.Count; t++)
            if (cumulativeMacsByStep[t] < 0 || (t > 0 && cumulativeMacsByStep[t] < cumulativeMacsByStep[t - 1]))
                throw new ArgumentException($"cumulative MACs must be non-negative and non-decreasing; step {t + 1} has {cumulativeMacsByStep[t]}", nameof(cumulativeMacsByStep));
        foreach (double threshold in thresholds)
            if (!double.IsFinite(threshold)) throw new ArgumentException($"threshold {threshold} is not a number", nameof(thresholds));
        int images = readout.Images;
        if (images == 0) throw new ArgumentException($"readout '{readout.Name}' has no images", nameof(readout));
        var points = new SpeedAccuracyPoint[thresholds.Count];
        for (int i = 0; i < thresholds.Count; i++)
        {
            float threshold = (float)thresholds[i];
            long correct = 0;
            double stepSum = 0, macSum = 0;
            for (int n = 0; n < images; n++)
            {
                int stop = last;
                foreach (int step in steps)
                    if (readout.Confidence(step, n) >= threshold)
                    {
                        stop = step;
                        break;
                    }
                if (readout.Correct(stop, n)) correct++;
                stepSum += stop;
                macSum += cumulativeMacsByStep[stop - 1];
            }
            points[i] = new SpeedAccuracyPoint(thresholds[i], (double)correct / images, stepSum / images, macSum / images);
        }
        return points;
    }

    /// <summary>Running sums: element t − 1 of the result is Σ of <paramref name="macsPerStep"/> over steps 1..t.</summary>
    public static long[] Cumulative(IReadOnlyList<long> macsPerStep)
    {
        ArgumentNullException.ThrowIfNull(macsPerStep);
        var cumulative = new long[macsPerStep.Count];
        long sum = 0;
        for (int t = 0; t < cumulative.Length; t++)
        {
            if (macsPerStep[t] < 0) throw new ArgumentException($"step {t + 1} has {macsPerStep[t]} MACs", nameof(macsPerStep));
            cumulative[t] = sum = checked(sum + macsPerStep[t]);
        }
        return cumulative;
    }

    /// <summary>
    /// Summarises the operating points of several seeds threshold by threshold: <paramref name="perSeed"/>[k] holds
    /// seed k's points, all for the same thresholds in the same order.
    /// </summary>
    public static IReadOnlyList<SpeedAccuracySummary> OverSeeds(IReadOnlyList<IReadOnlyList<SpeedAccuracyPoint>> perSeed, double level = MeanEstimate.DefaultLevel)
    {
        ArgumentNullException.ThrowIfNull(perSeed);
        if (perSeed.Count == 0) throw new ArgumentException("no seeds to summarise", nameof(perSeed));
        var first = perSeed[0];
        foreach (var seed in perSeed)
            if (seed.Count != first.Count || seed.Select(p => p.Threshold).Where((t, i) => t != first[i].Threshold).Any())
                throw new ArgumentException("every seed must have points for the same thresholds, in the same order", nameof(perSeed));
        return Enumerable.Range(0, first.Count).Select(i => new SpeedAccuracySummary(first[i].Threshold,
            MeanEstimate.OfAccuracies(perSeed.Select(s => s[i].Accuracy).ToArray(), level),
            MeanEstimate.Of(perSeed.Select(s => s[i].MeanStep).ToArray(), level),
            MeanEstimate.Of(perSeed.Select(s => s[i].MeanMacsPerImage).ToArray(), level))).ToArray();
    }
}
