using Cortex.Connectivity.Validation;
using Cortex.Experiments.Experiments.Definition;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Experiments;

/// <summary>
/// Experiment files as read and planned: every mistake reported at its key with what is allowed, all of them together,
/// exit 2 and no stack trace, before anything is trained; <c>set</c> edits of network files.
/// </summary>
[NonParallelizable]
public sealed class ExperimentFileTests
{
    private Workspace w = null!;

    [SetUp]
    public void Create()
    {
        w = new Workspace();
        TinyExperiment.WriteInto(w);
    }

    [TearDown]
    public void Delete() => w.Dispose();

    /// <summary>Runs <c>cortex experiment status</c> on <paramref name="text"/>; returns the error output of a refused file.</summary>
    private string Refused(string text)
    {
        string file = w.Write("bad.yaml", text);
        var (code, output, error) = Cli.Run("experiment", "status", file, "--store", w.PathOf("store"));
        Assert.That(code, Is.EqualTo(2), output + error);
        Assert.That(error, Does.Not.Contain("   at "), "no stack trace");
        Assert.That(Directory.Exists(w.PathOf("store")) ? Directory.GetFileSystemEntries(w.PathOf("store")) : [], Is.Empty, "nothing is run or written");
        return error;
    }

    private static string With(string find, string replace)
    {
        Assert.That(TinyExperiment.Experiment, Does.Contain(find));
        return TinyExperiment.Experiment.Replace(find, replace, StringComparison.Ordinal);
    }

    [Test]
    public void EveryMistakeOfTheFileIsListedAtItsKey()
    {
        string error = Refused("""
            name: bad
            seeds: [1, 2, 1]
            trainig: { epochs: 1 }
            networks:
              - { name: blt, file: blt-tiny.yaml, variant: widest }
              - { name: blt2, file: missing.yaml }
            conditions:
              - { name: final, loss: last-step, train_stimulus: "occlusion:1.5" }
            tests:
              - { name: no-fb, lesions: ["feedback@0"] }
              - { name: odd, statistics: mean }
            arms:
              - { network: bltt, condition: final }
            """);
        Assert.That(error, Does.Contain("bad.yaml: ").And.Contain(" errors"));
        string[] expected =
        [
            "bad.yaml:2:", "seeds repeat: [1, 2, 1]",
            "bad.yaml:3:1 trainig: unknown key; did you mean 'training'?",
            "unknown variant 'widest'; allowed:", "feedforward",
            "no network file", "missing.yaml",
            "unknown loss schedule 'last-step'; allowed:",
            "occlusion:1.5",
            "feedback@0",
            "statistics: unknown", "'mean'",
            "no network named 'bltt'",
        ];
        foreach (string part in expected) Assert.That(error, Does.Contain(part));
    }

    [Test]
    public void ProblemsFoundWhenPlanningAreLocatedToo()
    {
        // An edit that matches nothing; a lesion that silences nothing in any network; a network file with an error of its own.
        w.Write("broken.yaml", TinyExperiment.Network.Replace("factor: 2 }\n  - { from: V1, to: V1", "factor: 3 }\n  - { from: V1, to: V1", StringComparison.Ordinal));
        string error = Refused(With("set: { areas.V2.norm: shared }", "set: { areas.V9.norm: shared }"));
        Assert.That(error, Does.Contain("bad.yaml:11:5 conditions[1]: network 'blt' under condition 'every': set areas.V9.norm: shared: 'areas.V9' matches nothing in the network file"));

        error = Refused(With("""lesions: ["feedback@2-"]""", """lesions: ["in:V7"]"""));
        Assert.That(error, Does.Contain("test 'no-feedback' applies to no network").And.Contain("V7"));

        error = Refused(With("""lesions: ["feedback@2-"]""", """lesions: ["feedback"], networks: [b]"""));
        Assert.That(error, Does.Contain("test 'no-feedback' on network 'b':"), "a test naming a network where it silences nothing");

        error = Refused(With("file: blt-tiny.yaml }\n  - { name: b,", "file: broken.yaml }\n  - { name: b,"));
        Assert.That(error, Does.Contain("bad.yaml:7:5 networks[0]: network 'blt': broken.yaml:8:58 projections[0].resample:"), "the network file's own error, at its line");
        Assert.That(error.Split("broken.yaml:").Length - 1, Is.EqualTo(1), "the file's error is said once, not once per condition");
    }

    [Test]
    public void AVariantThatDoesNotApplySaysWhy()
    {
        w.Write("one-area.yaml", Workspace.NetworkText);
        string error = Refused("""
            name: one
            data: { path: data }
            networks:
              - { name: heads, file: one-area.yaml, variant: aux-heads }
            """);
        Assert.That(error, Does.Contain("network 'heads' under condition 'default'").And.Contain("aux-heads does not apply").And.Contain("one area"));
    }

    [Test]
    public void AGoodFileIsPlannedAsWritten()
    {
        var definition = ExperimentReader.Load(w.PathOf("tiny-study.yaml"));
        Assert.That(definition.Name, Is.EqualTo("tiny-study"));
        Assert.That(definition.Seeds, Is.EqualTo(new[] { 1, 2 }));
        Assert.That(definition.Networks.Select(n => n.Describe()), Is.EqualTo(new[] { "blt-tiny.yaml", "blt-tiny.yaml → feedforward" }));
        Assert.That(definition.Pairs, Has.Count.EqualTo(4));
        Assert.That(definition.Conditions[1].Edits.Select(e => e.ToString()), Is.EqualTo(new[] { "areas.V2.norm: shared" }));
        Assert.That(definition.Tests.Select(t => (t.Name, t.IsLesion)), Is.EqualTo(new[] { ("clean", false), ("occluded", false), ("no-feedback", true) }));
        Assert.That(definition.Training.Epochs, Is.EqualTo(3));
        Assert.That(definition.Training.CheckpointEveryBatches, Is.EqualTo(1));
        Assert.That(definition.Report.Thresholds, Is.EqualTo(new[] { 0.3, 0.9 }));
    }

    [Test]
    public void CheckpointingInTimeIsATrainingKeyDistinctFromTrainingCheckpoints()
    {
        string file = w.Write("kept.yaml", With("checkpoint_every: 1 }", "checkpoint_every: 1, bptt_checkpoint_every: 2 }"));
        var definition = ExperimentReader.Load(file);
        Assert.That((definition.Training.KeepStatesEvery, definition.Training.CheckpointEveryBatches), Is.EqualTo((2, 1)));
        file = w.Write("budget.yaml", With("checkpoint_every: 1 }", "checkpoint_every: 1, memory_budget: 2GiB }"));
        Assert.That(ExperimentReader.Load(file).Training.MemoryBudgetBytes, Is.EqualTo(2L << 30));
        Assert.That(Refused(With("checkpoint_every: 1 }", "checkpoint_every: 1, memory_budget: lots }")), Does.Contain("memory_budget").And.Contain("'lots'"));
        Assert.That(Refused(With("checkpoint_every: 1 }", "checkpoint_every: 1, memory_budget: 1G, bptt_checkpoint_every: 4 }")), Does.Contain("not both"));
    }

    [Test]
    public void EditsReachListItemsByNameByEndpointsAndByStar()
    {
        string Edit(params (string Path, string Value)[] edits) => NetworkEdits.Apply(TinyExperiment.Network,
            [.. edits.Select(e => new NetworkEdit(e.Path, e.Value, new Cortex.Connectivity.Spec.SpecLocation("x.yaml", 1, 1, "")))]);

        string all = Edit(("areas.*.norm", "shared"));
        Assert.That(System.Text.RegularExpressions.Regex.Matches(all, "norm: shared").Count, Is.EqualTo(2));
        Assert.That(all, Does.Not.Contain("per-step"));

        string one = Edit(("projections.V2->V1.mode", "multiplicative"), ("time.steps", "5"), ("areas.V1.level", "1"), ("weight_tying", "untied"));
        var spec = Cortex.Connectivity.NetworkLoader.Parse(one, "edited.yaml").Spec;
        Assert.That(spec.Time.Steps, Is.EqualTo(5));
        Assert.That(spec.Projections.Single(p => p.From == "V2").Mode.Word, Is.EqualTo("multiplicative"));
        Assert.That(spec.Projections.Where(p => p.From != "V2").Select(p => p.Mode.Word), Is.All.Not.EqualTo("multiplicative"));
        Assert.That(spec.WeightTying, Is.EqualTo(Cortex.Connectivity.Spec.WeightTying.Untied));

        Assert.That(() => Edit(("areas.V1.shape.x", "3")), Throws.ArgumentException.With.Message.Contains("is not a mapping"));
        Assert.That(() => Edit(("readouts.*.classes", "3")), Throws.ArgumentException.With.Message.Contains("'readouts' matches nothing"));
    }

    [Test]
    public void ATestWithBatchStatisticsIsAnEvaluationOfItsOwnAndLesionsPairWithTheTestThatSharesTheirStatistics()
    {
        var data = Cortex.Tests.Datasets.TinyData.Numbered(40, size: 28);
        Cortex.Experiments.Experiments.Planning.ExperimentPlan Plan(string text) =>
            Cortex.Experiments.Experiments.Planning.ExperimentPlan.Create(ExperimentReader.Load(w.Write("study.yaml", text)), data, data, "tiny");
        var before = Plan(TinyExperiment.Experiment);
        var after = Plan(With("  - { name: clean }\n", "  - { name: clean }\n  - { name: batch, statistics: batch }\n  - { name: batch-no-feedback, statistics: batch, lesions: [\"feedback@2-\"] }\n"));

        Assert.That(after.Definition.Tests.Single(t => t.Name == "batch").Statistics, Is.EqualTo(Cortex.Core.Simulation.InferenceStatistics.Batch));
        Assert.That(after.Definition.Tests.Single(t => t.Name == "clean").Statistics, Is.EqualTo(Cortex.Core.Simulation.InferenceStatistics.Running));
        var keysBefore = before.Evaluations.Select(e => e.Key).ToHashSet();
        var running = after.Evaluations.Where(e => e.Test.Statistics == Cortex.Core.Simulation.InferenceStatistics.Running).Select(e => e.Key).ToHashSet();
        Assert.That(running, Is.EquivalentTo(keysBefore), "the running-statistics evaluations keep their keys");
        var batch = after.Evaluations.Where(e => e.Test.Name == "batch").ToList();
        Assert.That(batch, Has.Count.EqualTo(after.Runs.Count));
        Assert.That(batch.Select(e => e.Key), Has.None.AnyOf(keysBefore.ToArray()), "batch statistics key evaluations of their own");
        Assert.That(batch.Select(e => e.Description), Has.All.Contain("statistics: batch"));

        var lesions = after.Comparisons.Where(c => c.Kind == Cortex.Experiments.Reports.PairedTestKind.Lesion).ToList();
        Assert.That(lesions.Where(c => c.B.Test.Name == "batch-no-feedback").Select(c => c.A.Test.Name), Is.Not.Empty.And.All.EqualTo("batch"));
        Assert.That(lesions.Where(c => c.B.Test.Name == "no-feedback").Select(c => c.A.Test.Name), Is.Not.Empty.And.All.EqualTo("clean"));
    }

    [Test]
    public void TheExperimentsShippedInConfigsArePlannedWithoutErrors()
    {
        string folder = Path.Combine(Cortex.Tests.Connectivity.Networks.RepoRoot(), "configs", "experiments");
        var files = Directory.GetFiles(folder, "*.yaml");
        Assert.That(files, Is.Not.Empty);
        foreach (string file in files)
        {
            var definition = ExperimentReader.Load(file);
            Assert.That(Path.GetFileNameWithoutExtension(file), Is.EqualTo(definition.Name), file);
            // Planned on a tiny stand-in of Fashion-MNIST (the shipped files train on the full set).
            var data = Cortex.Tests.Datasets.TinyData.Numbered(300, size: 28);
            var plan = Cortex.Experiments.Experiments.Planning.ExperimentPlan.Create(definition with { Data = definition.Data with { TrainLimit = 0, TestLimit = 0 } }, data, data, "tiny");
            Assert.That(plan.Runs.Count, Is.EqualTo(plan.Pairs.Count * definition.Seeds.Count), file);
            Assert.That(definition.Seeds.Count, Is.GreaterThanOrEqualTo(3), $"{file}: at least 3 seeds per arm");
        }
    }
}
