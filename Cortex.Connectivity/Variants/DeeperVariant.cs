using Cortex.Areas.Projections;
using Cortex.Connectivity.Spec;

namespace Cortex.Connectivity.Variants;

/// <summary>
/// <c>deeper</c>: Spoerer et al. 2017's B-D control — the network's feedforward form with extra stages: area A is
/// followed by d_A areas of A's shape and kind (A b, A c, …, each reading the one before through a 3×3 convolution, or a
/// dense projection for a vector area), and what read A (higher areas, readouts) reads its last stage. The counts
/// d_A ∈ 0..4 (every combination for up to four areas, the same d for all beyond) are chosen to come closest to the
/// recurrent network's synapses (or MACs per image), then fewer stages, then the most in any one area the least; when
/// none is within 2%, the counts that stay closest below the target are kept and the channels close the gap
/// (<see cref="ChannelSearch"/>).
/// </summary>
public sealed class DeeperVariant : VariantKind
{
    private const int MaxStages = 4, MaxJointAreas = 4, StageKernel = 3;

    /// <inheritdoc/>
    public override string Word => "deeper";

    /// <inheritdoc/>
    public override string Summary => "the feedforward network with extra stages (areas of the same shape) after its areas (Spoerer et al. 2017's B-D)";

    /// <inheritdoc/>
    public override string MatchingRule => "0–4 extra 3×3 stages after each area, the counts closest to the recurrent network's synapses (or MACs per image); if none is within 2%, the closest below and channels scaled to close the gap";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Settings => ["match"];

    /// <inheritdoc/>
    protected override VariantEdit Transform(LoadedNetwork original, VariantSettings settings)
    {
        var form = FeedforwardForm.Of(original, Word).Recurrent(Word, "; there is no recurrent network to match");
        var spec = form.Spec;
        long target = Matching.Measure(settings.Match, original.Ledger);
        int n = spec.Areas.Count;
        var candidates = n <= MaxJointAreas
            ? Enumerable.Range(1, (int)Math.Pow(MaxStages + 1, n) - 1).Select(index =>
            {
                var d = new int[n];
                for (int a = 0, rest = index; a < n; a++, rest /= MaxStages + 1) d[a] = rest % (MaxStages + 1);
                return d;
            })
            : Enumerable.Range(1, MaxStages).Select(d => Enumerable.Repeat(d, n).ToArray());
        var measured = Measure(spec, candidates.ToList(), settings.Match, target);

        var changes = form.Changes.ToList();
        var within = measured.Where(m => Math.Abs(m.Value - target) <= Matching.Tolerance * target).ToList();
        if (within.Count > 0)
        {
            var best = within.OrderBy(m => Math.Abs(m.Value - target)).ThenBy(m => m.Stages.Sum()).ThenBy(m => m.Stages.Max()).First();
            changes.Add(StageChange(spec, best.Stages));
            return new VariantEdit(Deepen(spec, best.Stages) with { Name = $"{original.Spec.Name}-{Word}" }, changes, settings.Match);
        }
        var below = measured.Where(m => m.Value <= target).ToList();
        var kept = below.Count > 0
            ? below.OrderByDescending(m => m.Value).ThenBy(m => m.Stages.Sum()).First()
            : measured.OrderBy(m => m.Value).ThenBy(m => m.Stages.Sum()).First();
        changes.Add(StageChange(spec, kept.Stages));
        changes.Add($"no stage counts come within 2%: these give {Matching.Count(kept.Value)} against {Matching.Count(target)} {Matching.Words(settings.Match)} "
            + $"({Matching.Percent(Matching.Fraction(target, kept.Value))}), so the channels close the gap");
        int[] channels = [.. spec.Areas.Select(a => a.Shape.Channels)];
        var choice = ChannelSearch.Closest(channels, c => Deepen(SpecEdits.WithChannels(spec, c), kept.Stages), settings.Match, target);
        changes.Add($"channels {ChannelSearch.Factor(channels, choice.Channels)} (each stage as its area): {SpecEdits.ChannelChanges(spec, choice.Channels)}");
        return new VariantEdit(choice.Spec with { Name = $"{original.Spec.Name}-{Word}" }, changes, settings.Match);
    }

    /// <summary>
    /// The exact values of the candidates that may be chosen: each area's stage cost is measured alone and the candidates
    /// ranked by the sum of their stages' costs (exact for synapses, and for MACs under a synchronous unroll, where every
    /// stage is active at every step); the closest few, and the closest few below the target, are then measured exactly.
    /// </summary>
    private static List<(int[] Stages, long Value)> Measure(NetworkSpec spec, List<int[]> candidates, MatchQuantity quantity, long target)
    {
        const int Shortlist = 12;
        int n = spec.Areas.Count;
        long Exact(int[] stages) => Matching.Measure(quantity, NetworkLoader.Validate(Deepen(spec, stages)).Ledger);
        if (candidates.Count <= 2 * Shortlist) return [.. candidates.Select(d => (d, Exact(d)))];
        long baseline = Exact(new int[n]);
        var cost = Enumerable.Range(0, n).Select(a =>
        {
            var one = new int[n];
            one[a] = 1;
            return Exact(one) - baseline;
        }).ToArray();
        var estimated = candidates.Select(d => (Stages: d, Estimate: baseline + d.Select((x, a) => x * cost[a]).Sum())).ToList();
        var shortlist = estimated.OrderBy(e => Math.Abs(e.Estimate - target)).ThenBy(e => e.Stages.Sum()).Take(Shortlist)
            .Concat(estimated.Where(e => e.Estimate <= target).OrderByDescending(e => e.Estimate).ThenBy(e => e.Stages.Sum()).Take(Shortlist))
            .Select(e => e.Stages).Distinct().ToList();
        return [.. shortlist.Select(d => (d, Exact(d)))];
    }

    /// <summary>The network with <paramref name="stages"/>[i] extra stages after area i, levels renumbered so that every stage sits between its area and the next level.</summary>
    private static NetworkSpec Deepen(NetworkSpec spec, int[] stages)
    {
        var names = StageNames(spec, stages);
        var rank = spec.Areas.SelectMany((a, i) => Enumerable.Range(0, stages[i] + 1).Select(s => (a.Level, s))).Distinct().Order()
            .Select((key, r) => (key, r)).ToDictionary(x => x.key, x => x.r + 1);
        var last = spec.Areas.Select((a, i) => (a.Name, Last: names[i].Count == 0 ? a.Name : names[i][^1])).ToDictionary(x => x.Name, x => x.Last);

        var areas = new List<AreaSpec>();
        var chains = new Dictionary<string, List<ProjectionSpec>>();
        foreach (var (a, i) in spec.Areas.Select((a, i) => (a, i)))
        {
            areas.Add(a with { Level = rank[(a.Level, 0)] });
            var chain = chains[a.Name] = [];
            string previous = a.Name;
            for (int s = 1; s <= stages[i]; s++)
            {
                string stage = names[i][s - 1];
                areas.Add(a with { Name = stage, Level = rank[(a.Level, s)] });
                ProjectionOptions options = a.Shape.IsSpatial ? SpecEdits.SameConv(StageKernel) : new DenseProjection.Options(SourceResampling.None);
                chain.Add(SpecEdits.Projection($"{previous}->{stage}", previous, stage, ProjectionType.Feedforward,
                    ProjectionTypes.DefaultDelay(ProjectionType.Feedforward, spec.Time.Unroll, fromInput: false), options));
                previous = stage;
            }
        }
        // Each area's chain of stages goes after the last projection into the area.
        var projections = new List<ProjectionSpec>();
        var placed = new HashSet<string>();
        var lastInto = spec.Projections.Select((p, i) => (p.To, i)).GroupBy(x => x.To).ToDictionary(g => g.Key, g => g.Max(x => x.i));
        foreach (var (p, i) in spec.Projections.Select((p, i) => (p, i)))
        {
            string from = last.GetValueOrDefault(p.From, p.From);
            projections.Add(p with { From = from, Name = SpecEdits.HasDefaultName(p) ? $"{from}->{p.To}" : p.Name });
            if (lastInto[p.To] == i && placed.Add(p.To)) projections.AddRange(chains[p.To]);
        }
        foreach (var a in spec.Areas.Where(a => placed.Add(a.Name))) projections.AddRange(chains[a.Name]);
        return SpecEdits.Recomplete(spec with
        {
            Areas = areas, Projections = projections,
            Readouts = [.. spec.Readouts.Select(r => r with { From = last[r.From] })],
        });
    }

    /// <summary>Stage names: V1b, V1c, … (V1-2, V1-3, … where those are taken).</summary>
    private static List<string>[] StageNames(NetworkSpec spec, int[] stages)
    {
        var taken = spec.Areas.Select(a => a.Name).Append(spec.Input.Name).ToHashSet();
        return [.. spec.Areas.Select((a, i) =>
        {
            var letters = Enumerable.Range(1, stages[i]).Select(s => $"{a.Name}{(char)('a' + s)}").ToList();
            return letters.Any(taken.Contains) ? Enumerable.Range(1, stages[i]).Select(s => $"{a.Name}-{s + 1}").ToList() : letters;
        })];
    }

    private static string StageChange(NetworkSpec spec, int[] stages) =>
        "extra stages (3×3 convolutions between areas of the same shape and kind): " + string.Join(", ", spec.Areas.Select((a, i) => (a, i)).Where(x => stages[x.i] > 0)
            .Select(x => $"{x.a.Name} + {stages[x.i]} ({string.Join(" → ", StageNames(spec, stages)[x.i].Prepend(x.a.Name))})"));
}
