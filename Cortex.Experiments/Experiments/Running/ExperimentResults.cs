using System.Globalization;
using Cortex.Experiments.Data;
using Cortex.Experiments.Experiments.Planning;
using Cortex.Experiments.Reports;
using Cortex.Experiments.Statistics;

namespace Cortex.Experiments.Experiments.Running;

/// <summary>
/// Turns the finished evaluations of an experiment into the plain data of its report (<see cref="ExperimentSummary"/>):
/// every arm's accuracy per readout, step and seed; the paired tests of every planned comparison at every shared step
/// (or last step against last step when the arms read different steps); early-exit curves with the MACs each stopping
/// point costs; and robustness curves over the levels of each stimulus the tests vary. It reads only the store's
/// per-image outcome files, so a report depends on nothing but finished runs: an interrupted sweep, finished later,
/// reports exactly what an uninterrupted one does.
/// </summary>
public static class ExperimentResults
{
    /// <summary>The name of the readout built from an aux-heads network's heads, in order of depth.</summary>
    public const string HeadsReadout = "heads";

    /// <summary>Evaluations not finished, by label (empty when the sweep is complete).</summary>
    public static IReadOnlyList<string> Missing(ExperimentPlan plan, RunStore store) =>
        [.. plan.Evaluations.Where(e => store.Status(e.Key).State != RunState.Done).Select(e => e.Label)];

    /// <summary>
    /// The summary of every arm. With <paramref name="partial"/>, arms are summarised over the seeds whose evaluations are
    /// done (arms with none are left out, and so are the comparisons and curves that need them); otherwise an unfinished
    /// evaluation is an error.
    /// </summary>
    public static ExperimentSummary Summarise(ExperimentPlan plan, RunStore store, bool partial = false)
    {
        var missing = Missing(plan, store);
        if (missing.Count > 0 && !partial)
            throw new InvalidOperationException($"{missing.Count} of {plan.Evaluations.Count} evaluations are not done (first: {missing[0]}); " +
                "finish the sweep with cortex experiment run, or report what is done with --partial");

        var coarse = plan.Definition.Report.Coarse ? plan.Test.Coarse : null;
        var outcomes = new Dictionary<PlannedArm, List<SeedOutcomes>>();
        foreach (var arm in plan.Arms)
        {
            var seeds = new List<SeedOutcomes>();
            foreach (var evaluation in arm.Evaluations)
            {
                if (store.Status(evaluation.Key).State != RunState.Done) continue;
                var read = PerImageOutcomes.Read(Path.Combine(store.FolderOf(evaluation.Key), ExperimentRunner.OutcomesFile));
                seeds.Add(new SeedOutcomes(evaluation.Run.Seed, WithDerived(read, arm, coarse)));
            }
            if (seeds.Count > 0) outcomes[arm] = seeds;
        }
        var arms = plan.Arms.Where(outcomes.ContainsKey).ToList();
        if (arms.Count == 0) throw new InvalidOperationException("no evaluation is done yet; nothing to report");

        var results = arms.Select(arm => Arm(arm, outcomes[arm])).ToList();
        var tests = new List<PairedTest>();
        foreach (var comparison in plan.Comparisons.Where(c => outcomes.ContainsKey(c.A) && outcomes.ContainsKey(c.B)))
        {
            var (a, b) = (outcomes[comparison.A], outcomes[comparison.B]);
            foreach (var readout in a[0].Outcomes.Readouts.Select(r => r.Name).Where(n => b[0].Outcomes.Readouts.Any(r => r.Name == n)))
            {
                var stepsA = a[0].Outcomes.Readout(readout).Steps;
                var stepsB = b[0].Outcomes.Readout(readout).Steps;
                if (!a.Select(s => s.Seed).Intersect(b.Select(s => s.Seed)).Any()) continue;
                var steps = stepsA.SequenceEqual(stepsB)
                    ? PairedComparison.AcrossSteps(a, readout, b, readout)
                    : PairedComparison.AcrossSteps(a, readout, b, readout, [new StepPair(stepsA[^1], stepsB[^1])]);
                tests.AddRange(PairedTest.Of(comparison.A.Name, readout, comparison.B.Name, readout, steps, comparison.Kind));
            }
        }

        var thresholds = plan.Definition.Report.Thresholds ?? EarlyExit.DefaultThresholds;
        var speed = new List<SpeedAccuracyCurve>();
        if (thresholds.Count > 0)
            foreach (var arm in arms.Where(a => !a.Test.IsLesion))
            {
                var cumulative = EarlyExit.Cumulative(arm.Pair.Network0.Ledger.SynapticOpsPerStep);
                var heads = HeadMacs(arm);
                foreach (var readout in outcomes[arm][0].Outcomes.Readouts.Where(r => r.Steps.Count > 1))
                {
                    var macs = readout.Name == HeadsReadout ? heads! : cumulative;
                    var perSeed = outcomes[arm].Select(s => EarlyExit.Evaluate(s.Outcomes.Readout(readout.Name), thresholds, macs)).ToList();
                    speed.Add(new SpeedAccuracyCurve(arm.Name, readout.Name, EarlyExit.OverSeeds(perSeed)));
                }
            }

        return new ExperimentSummary
        {
            Experiment = plan.Definition.Name,
            Description = plan.Definition.Description,
            Arms = results,
            PairedTests = tests,
            SpeedAccuracy = speed,
            Robustness = Robustness(plan, arms, outcomes),
        };
    }

    private static ArmResult Arm(PlannedArm arm, List<SeedOutcomes> seeds)
    {
        var ledger = arm.Pair.Network0.Ledger;
        var readouts = seeds[0].Outcomes.Readouts.Select(r => new ReadoutAccuracy(r.Name, [.. r.Steps],
            [.. seeds.Select(s => (IReadOnlyList<double>)[.. r.Steps.Select(step => s.Outcomes.Readout(r.Name).Accuracy(step))])])).ToList();
        string condition = arm.Pair.Condition.Name + (arm.Test.Name != "clean" || arm.Test.IsLesion ? $", test {arm.Test.Name}" : "");
        return new ArmResult
        {
            Name = arm.Name,
            Network = arm.Pair.Network.Describe(),
            Condition = condition,
            Family = arm.Pair.Network.Family,
            Ledger = new LedgerFigures(ledger.Synapses, ledger.SynapticOpsPerStep),
            Seeds = [.. seeds.Select(s => s.Seed)],
            Readouts = readouts,
        };
    }

    /// <summary>
    /// The outcomes with the readouts the report derives: for a network with several readouts read at one step (an
    /// aux-heads control), the heads in order of depth as one readout "heads" (head h at step h, for early exit); and with
    /// coarse groups, each readout scored on them ("name coarse").
    /// </summary>
    private static PerImageOutcomes WithDerived(PerImageOutcomes outcomes, PlannedArm arm, ClassGroups? coarse)
    {
        var readouts = outcomes.Readouts.ToList();
        if (HeadOrder(arm) is { } order)
        {
            var heads = order.Select(name => outcomes.Readout(name)).ToList();
            var labels = Enumerable.Range(0, outcomes.Images).Select(i => heads[0].Label(i)).ToArray();
            var combined = new ReadoutOutcomes(HeadsReadout, heads[0].Classes, [.. Enumerable.Range(1, heads.Count)], labels);
            for (int h = 0; h < heads.Count; h++)
                for (int i = 0; i < outcomes.Images; i++)
                    combined.Set(h + 1, i, heads[h].Predicted(heads[h].Steps[0], i), heads[h].Confidence(heads[h].Steps[0], i));
            readouts.Add(combined);
        }
        if (coarse is not null)
            foreach (var readout in readouts.ToList())
            {
                if (readout.Classes != coarse.FineToCoarse.Count) continue;
                var labels = Enumerable.Range(0, readout.Images).Select(i => coarse.CoarseOf(readout.Label(i))).ToArray();
                var grouped = new ReadoutOutcomes($"{readout.Name} coarse", coarse.Count, readout.Steps, labels);
                foreach (int step in readout.Steps)
                    for (int i = 0; i < readout.Images; i++)
                        grouped.Set(step, i, coarse.CoarseOf(readout.Predicted(step, i)), readout.Confidence(step, i));
                readouts.Add(grouped);
            }
        return readouts.Count == outcomes.Readouts.Count ? outcomes : new PerImageOutcomes(readouts, outcomes.TestSet);
    }

    /// <summary>The readouts of a one-step network with several readouts of the same classes, from the shallowest area to the deepest; null otherwise.</summary>
    private static IReadOnlyList<string>? HeadOrder(PlannedArm arm)
    {
        var ledger = arm.Pair.Network0.Ledger;
        if (ledger.Steps != 1 || ledger.Readouts.Count < 2 || ledger.Readouts.Select(r => r.Classes).Distinct().Count() != 1) return null;
        int Depth(string area) => ledger.Areas.First(a => a.Name == area).DepthPerStep[0] ?? int.MaxValue;
        return [.. ledger.Readouts.OrderBy(r => Depth(r.From)).Select(r => r.Name)];
    }

    /// <summary>The MACs per image spent through each head of an aux-heads network: every area up to the head's depth, with the projections into them.</summary>
    private static long[]? HeadMacs(PlannedArm arm)
    {
        if (HeadOrder(arm) is not { } order) return null;
        var ledger = arm.Pair.Network0.Ledger;
        int Depth(string area) => ledger.Areas.First(a => a.Name == area).DepthPerStep[0] ?? int.MaxValue;
        return [.. order.Select(head =>
        {
            int depth = Depth(ledger.Readouts.First(r => r.Name == head).From);
            var areas = ledger.Areas.Where(a => (a.DepthPerStep[0] ?? int.MaxValue) <= depth).Select(a => a.Name).ToHashSet();
            return ledger.Areas.Where(a => areas.Contains(a.Name)).Sum(a => a.MacsPerStep)
                + ledger.Projections.Where(p => areas.Contains(p.To) && p.ActiveSteps.Contains(1)).Sum(p => p.MacsPerStep);
        })];
    }

    /// <summary>
    /// Accuracy against the level of each stimulus the tests vary: tests with one transform of a kind (occlusion:0.2,
    /// occlusion:0.4, …) and clean tests (level 0) make a curve per trained pair, at the first readout's last step, when
    /// there are at least two levels.
    /// </summary>
    private static IReadOnlyList<RobustnessCurve> Robustness(ExperimentPlan plan, List<PlannedArm> arms, Dictionary<PlannedArm, List<SeedOutcomes>> outcomes)
    {
        var levels = new List<(string Kind, double Level, string Test)>();
        foreach (var test in plan.Definition.Tests.Where(t => t.IsIntact && t.Stimulus?.Presentation is null))
        {
            var s = test.Stimulus;
            if (s is null || s.Transforms.Count == 0) levels.Add(("", 0, test.Name));
            else if (s.Transforms.Count == 1) levels.Add((s.Transforms[0].Kind.Word, s.Transforms[0].Level, test.Name));
        }
        var curves = new List<RobustnessCurve>();
        foreach (var kind in levels.Where(l => l.Kind.Length > 0).Select(l => l.Kind).Distinct())
        {
            var points = levels.Where(l => l.Kind == kind || l.Kind.Length == 0).Select(l => (Level: l.Kind.Length == 0 ? 0 : l.Level, l.Test))
                .GroupBy(p => p.Level).Select(g => g.First()).OrderBy(p => p.Level).ToList();
            if (points.Count < 2) continue;
            foreach (var pair in plan.Pairs)
            {
                var byLevel = points.Select(p => (p.Level, Arm: arms.FirstOrDefault(a => a.Pair == pair && a.Test.Name == p.Test))).Where(x => x.Arm is not null).ToList();
                if (byLevel.Count < 2) continue;
                var first = outcomes[byLevel[0].Arm!][0].Outcomes.Readouts[0];
                int step = first.Steps[^1];
                var curve = byLevel.Select(x => new RobustnessPoint(x.Level,
                    MeanEstimate.OfAccuracies([.. outcomes[x.Arm!].Select(s => s.Outcomes.Readout(first.Name).Accuracy(step))]))).ToList();
                curves.Add(new RobustnessCurve(byLevel[0].Arm!.Name, first.Name, step, kind, curve));
            }
        }
        return curves;
    }

    /// <summary>One line per run and evaluation with its state and, when done, its time (<c>runs.csv</c> beside a report).</summary>
    public static IEnumerable<string> RunLines(ExperimentPlan plan, RunStore store)
    {
        yield return "kind,network,condition,test,seed,key,state,host,device,seconds";
        foreach (var run in plan.Runs)
        {
            yield return Line("train", run, "", run.Key, Path.Combine(store.FolderOf(run.Key), RunStore.TrainingFolderName, "training.json"));
            foreach (var e in plan.EvaluationsOf(run))
                yield return Line("test", run, e.Test.Name, e.Key, Path.Combine(store.FolderOf(e.Key), ExperimentRunner.EvaluationFile));
        }

        string Line(string kind, TrainingRun run, string test, RunKey key, string record)
        {
            var status = store.Status(key);
            var (device, seconds) = DeviceAndSeconds(record);
            return string.Join(',', kind, run.Pair.Network.Name, run.Pair.Condition.Name, test, run.Seed.ToString(CultureInfo.InvariantCulture), key,
                status.State, status.Done?.Host ?? "", Csv(device), seconds);
        }
    }

    private static string Csv(string text) => text.Contains(',') || text.Contains('"') ? $"\"{text.Replace("\"", "\"\"")}\"" : text;

    /// <summary>The device and wall time a training.json or evaluation.json records (empty where it is missing).</summary>
    private static (string Device, string Seconds) DeviceAndSeconds(string jsonFile)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(jsonFile));
            var root = document.RootElement;
            return (root.TryGetProperty("device", out var d) ? d.GetString() ?? "" : "",
                root.TryGetProperty("seconds", out var s) ? s.GetDouble().ToString("0.0", CultureInfo.InvariantCulture) : "");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or InvalidOperationException)
        {
            return ("", "");
        }
    }
}
