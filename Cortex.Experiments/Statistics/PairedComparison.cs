namespace Cortex.Experiments.Statistics;

/// <summary>
/// Paired comparisons of two arms A and B evaluated on the same test images: seed by seed (A's seed s
/// against B's seed s) with the exact McNemar test, pooled over the seed pairs, with effect sizes in
/// percentage points, and Holm's correction over the steps of the comparison. See docs/experiments.md.
/// </summary>
public static class PairedComparison
{
    /// <summary>
    /// Compares A and B at one step from the per-image correctness of each seed pair:
    /// <paramref name="correctA"/>[k] and <paramref name="correctB"/>[k] belong to seed <paramref name="seeds"/>[k].
    /// The adjusted p-value of a single step is its pooled p-value (a family of one).
    /// </summary>
    public static StepComparison AtStep(int stepA, int stepB, IReadOnlyList<int> seeds, IReadOnlyList<bool[]> correctA, IReadOnlyList<bool[]> correctB,
        double level = MeanEstimate.DefaultLevel)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        ArgumentNullException.ThrowIfNull(correctA);
        ArgumentNullException.ThrowIfNull(correctB);
        if (seeds.Count == 0) throw new ArgumentException("a paired comparison needs at least one seed pair", nameof(seeds));
        if (correctA.Count != seeds.Count || correctB.Count != seeds.Count)
            throw new ArgumentException($"{seeds.Count} seeds, but A has correctness for {correctA.Count} and B for {correctB.Count}");
        if (seeds.Distinct().Count() != seeds.Count) throw new ArgumentException($"seeds [{string.Join(", ", seeds)}] repeat; each seed pair is compared once", nameof(seeds));
        var perSeed = new SeedComparison[seeds.Count];
        for (int k = 0; k < seeds.Count; k++)
        {
            if (correctA[k].Length != correctB[k].Length)
                throw new ArgumentException($"seed {seeds[k]}: A was scored on {correctA[k].Length} images and B on {correctB[k].Length}; a paired test needs the same images");
            if (correctA[k].Length == 0) throw new ArgumentException($"seed {seeds[k]}: no images to compare");
            perSeed[k] = new SeedComparison(seeds[k], McNemarTest.Of(correctA[k], correctB[k]));
        }
        var pooled = McNemarTest.Pool(perSeed.Select(s => s.Test));
        return new StepComparison(stepA, stepB, perSeed, pooled, pooled.PValue,
            MeanEstimate.Of(perSeed.Select(s => s.DifferencePoints).ToArray(), level), PooledDifference.Of(pooled, level));
    }

    /// <summary>
    /// Compares readout <paramref name="readoutA"/> of arm A with <paramref name="readoutB"/> of arm B at every step
    /// both read (the same step numbers), over the seeds both arms have; pooled p-values are Holm-adjusted over those steps.
    /// </summary>
    public static IReadOnlyList<StepComparison> AcrossSteps(IReadOnlyList<SeedOutcomes> a, string readoutA, IReadOnlyList<SeedOutcomes> b, string readoutB,
        double level = MeanEstimate.DefaultLevel)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count == 0 || b.Count == 0) throw new ArgumentException($"a paired comparison needs runs of both arms; A has {a.Count}, B has {b.Count}");
        var common = a[0].Outcomes.Readout(readoutA).Steps.Intersect(b[0].Outcomes.Readout(readoutB).Steps).Select(s => new StepPair(s, s)).ToArray();
        if (common.Length == 0)
            throw new ArgumentException($"readouts '{readoutA}' and '{readoutB}' share no read step; name the steps to compare");
        return AcrossSteps(a, readoutA, b, readoutB, common, level);
    }

    /// <summary>
    /// Compares readout <paramref name="readoutA"/> of arm A with <paramref name="readoutB"/> of arm B at the given
    /// <paramref name="steps"/> (A's step against B's), over the seeds both arms have (paired by seed number, in
    /// increasing order); pooled p-values are Holm-adjusted over the steps. Each seed pair must have been scored
    /// on the same images: the same number and the same labels.
    /// </summary>
    public static IReadOnlyList<StepComparison> AcrossSteps(IReadOnlyList<SeedOutcomes> a, string readoutA, IReadOnlyList<SeedOutcomes> b, string readoutB,
        IReadOnlyList<StepPair> steps, double level = MeanEstimate.DefaultLevel)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(steps);
        if (steps.Count == 0) throw new ArgumentException("no steps to compare", nameof(steps));
        var bySeedA = BySeed(a, "A");
        var bySeedB = BySeed(b, "B");
        int[] seeds = bySeedA.Keys.Intersect(bySeedB.Keys).Order().ToArray();
        if (seeds.Length == 0)
            throw new ArgumentException($"A (seeds {string.Join(", ", bySeedA.Keys.Order())}) and B (seeds {string.Join(", ", bySeedB.Keys.Order())}) share no seed to pair");
        var pairs = seeds.Select(s => (Seed: s, A: bySeedA[s].Readout(readoutA), B: bySeedB[s].Readout(readoutB))).ToArray();
        foreach (var (seed, ra, rb) in pairs)
            if (ra.Images != rb.Images || !ra.SameLabels(rb))
                throw new ArgumentException($"seed {seed}: readout '{readoutA}' of A and '{readoutB}' of B were not scored on the same test images ({ra.Images} and {rb.Images} images{(ra.Images == rb.Images ? ", different labels" : "")})");
        var comparisons = steps.Select(step => AtStep(step.A, step.B, seeds,
            pairs.Select(p => p.A.CorrectAt(step.A)).ToArray(), pairs.Select(p => p.B.CorrectAt(step.B)).ToArray(), level)).ToArray();
        double[] adjusted = Holm.Adjust(comparisons.Select(c => c.Pooled.PValue).ToArray());
        return comparisons.Select((c, i) => c with { AdjustedP = adjusted[i] }).ToArray();
    }

    private static Dictionary<int, PerImageOutcomes> BySeed(IReadOnlyList<SeedOutcomes> runs, string arm)
    {
        var bySeed = new Dictionary<int, PerImageOutcomes>();
        foreach (var run in runs)
            if (!bySeed.TryAdd(run.Seed, run.Outcomes)) throw new ArgumentException($"{arm} has two runs with seed {run.Seed}");
        return bySeed;
    }
}
