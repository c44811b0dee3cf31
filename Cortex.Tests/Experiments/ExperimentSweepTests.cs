using System.Diagnostics;
using System.Text.Json;
using Cortex.Experiments.Checkpoints;
using Cortex.Experiments.Cli;
using Cortex.Experiments.Experiments;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Experiments;

/// <summary>
/// <c>cortex experiment run|status|report</c> end to end on <see cref="TinyExperiment"/>: every arm trained and tested once
/// per seed, the conditions' losses, edits and stimuli applied, lesions and statistics in the report; a second run does
/// nothing; a sweep killed with SIGKILL and finished by two worker processes redoes no finished run and reports exactly
/// what an uninterrupted sweep reports.
/// </summary>
[NonParallelizable]
public sealed class ExperimentSweepTests
{
    private Workspace w = null!;
    private string experiment = "";

    [SetUp]
    public void Create()
    {
        w = new Workspace();
        experiment = TinyExperiment.WriteInto(w);
    }

    [TearDown]
    public void Delete() => w.Dispose();

    private string Store(string name) => w.PathOf(name);

    private static string ReportOf(string store) => Path.Combine(store, "reports", "tiny-study");

    private (int Code, string Out, string Error) Sweep(string store, params string[] more) =>
        Cli.Run(["experiment", "run", experiment, "--store", store, "--device", "cpu", "--threads", "1", .. more]);

    [Test]
    public void ASweepTrainsAndTestsEveryArmOnceAndReportsIt()
    {
        string store = Store("store");
        var (code, output, error) = Sweep(store);
        Assert.That(code, Is.EqualTo(0), output + error);
        Assert.That(output, Does.Contain("tiny-study: 10 arms, 8 trainings (4 trained (network, condition) pairs × 2 seeds), 20 evaluations"));
        Assert.That(output, Does.Contain("this process: 8 trained, 20 tested, 0 failed"));

        var (_, plan) = ExperimentCommand.Plan(new FileInfo(experiment));
        var runStore = RunStore.Open(store);
        Assert.That(plan.Runs.Select(r => runStore.Status(r.Key).State), Is.All.EqualTo(RunState.Done));
        Assert.That(plan.Evaluations.Select(e => runStore.Status(e.Key).State), Is.All.EqualTo(RunState.Done));
        Assert.That(plan.Evaluations.Count(e => e.Test.IsLesion), Is.EqualTo(4), "the feedback lesion applies to BLT only");

        // The conditions reach the networks: the loss on every step and the edit of V2's norm are in the trained config,
        // and the same seed trained under the two losses ends with different weights.
        string Config(string label) => File.ReadAllText(Path.Combine(runStore.FolderOf(plan.Runs.Single(r => r.Label == label).Key), "train", "config.yaml"));
        Assert.That(Config("blt / every / seed 1"), Does.Contain("loss: every-step").And.Match(@"name: 'V2'.*norm: shared"));
        Assert.That(Config("blt / final / seed 1"), Does.Contain("loss: final").And.Match(@"name: 'V2'.*norm: per-step"));
        Assert.That(Config("b / final / seed 1"), Does.Not.Contain("feedback"), "the feedforward variant is trained");
        float[] Weights(string label) => CheckpointFile.Read(Path.Combine(runStore.FolderOf(plan.Runs.Single(r => r.Label == label).Key), "train", "checkpoint.ckpt"))
            .Arrays.First(a => a.Name.Contains("V1->V1", StringComparison.Ordinal)).Values.ToArray();
        Assert.That(Weights("blt / final / seed 1"), Is.Not.EqualTo(Weights("blt / every / seed 1")));
        Assert.That(Weights("blt / final / seed 1"), Is.Not.EqualTo(Weights("blt / final / seed 2")));

        var summary = TinyExperiment.Summary(ReportOf(store));
        var arms = summary.GetProperty("arms").EnumerateArray().ToList();
        Assert.That(arms.Select(a => a.GetProperty("name").GetString()), Is.EqualTo(new[]
        {
            "blt/final/clean", "blt/final/occluded", "blt/final/no-feedback", "blt/every/clean", "blt/every/occluded", "blt/every/no-feedback",
            "b/final/clean", "b/final/occluded", "b/every/clean", "b/every/occluded",
        }));
        foreach (var arm in arms)
        {
            string name = arm.GetProperty("name").GetString()!;
            Assert.That(arm.GetProperty("seeds").EnumerateArray().Select(s => s.GetInt32()), Is.EqualTo(new[] { 1, 2 }), name);
            Assert.That(arm.GetProperty("ledger").GetProperty("macsPerStep").GetArrayLength(), Is.EqualTo(3), name);
            var readouts = arm.GetProperty("readouts").EnumerateArray().ToList();
            Assert.That(readouts.Select(r => r.GetProperty("name").GetString()), Is.EqualTo(new[] { "readout", "readout coarse" }), name);
            foreach (var step in readouts.SelectMany(r => r.GetProperty("steps").EnumerateArray()))
            {
                var perSeed = step.GetProperty("accuracyPerSeed").EnumerateArray().Select(v => v.GetDouble()).ToArray();
                Assert.That(perSeed, Has.Length.EqualTo(2).And.All.InRange(0.0, 1.0), name);
                Assert.That(step.GetProperty("accuracy").GetProperty("mean").GetDouble(), Is.EqualTo(perSeed.Average()).Within(1e-12), name);
                Assert.That(step.GetProperty("accuracy").GetProperty("interval").ValueKind, Is.EqualTo(JsonValueKind.Object), name);
            }
        }
        long Synapses(string arm) => arms.Single(a => a.GetProperty("name").GetString() == arm).GetProperty("ledger").GetProperty("synapses").GetInt64();
        Assert.That(Synapses("b/final/clean"), Is.LessThan(Synapses("blt/final/clean")));

        // Occlusion changes what is shown: some image is answered differently occluded than clean.
        var tests = summary.GetProperty("pairedTests").EnumerateArray().ToList();
        bool Tested(string kind, string a, string b) => tests.Any(t => t.GetProperty("kind").GetString() == kind && t.GetProperty("armA").GetString() == a && t.GetProperty("armB").GetString() == b);
        Assert.That(Tested("lesion", "blt/final/clean", "blt/final/no-feedback") && Tested("lesion", "blt/every/clean", "blt/every/no-feedback"), Is.True, "every lesion is tested against the intact network");
        Assert.That(Tested("comparison", "blt/final/clean", "b/final/clean") && Tested("comparison", "blt/final/occluded", "b/final/occluded"), Is.True, "each network against the first");
        Assert.That(Tested("comparison", "blt/final/clean", "blt/every/clean"), Is.True, "each condition against the first");
        var lesion = tests.First(t => t.GetProperty("kind").GetString() == "lesion" && t.GetProperty("stepA").GetInt32() == 1);
        Assert.That(lesion.GetProperty("b").GetInt32() + lesion.GetProperty("c").GetInt32(), Is.Zero, "feedback silenced from step 2 on changes nothing at step 1");
        Assert.That(summary.GetProperty("speedAccuracy").GetArrayLength(), Is.GreaterThan(0));
        Assert.That(summary.GetProperty("robustness").GetArrayLength(), Is.GreaterThan(0));

        string report = File.ReadAllText(Path.Combine(ReportOf(store), "report.md"));
        Assert.That(report, Does.StartWith("# tiny-study").And.Contain("blt-tiny.yaml → feedforward").And.Contain("McNemar"));
        Assert.That(File.ReadAllLines(Path.Combine(ReportOf(store), "runs.csv")), Has.Length.EqualTo(1 + 8 + 20));

        // A second run finds everything done: nothing is trained, tested or written in the runs, and the report is the same.
        string firstSummary = File.ReadAllText(Path.Combine(ReportOf(store), "summary.json"));
        var before = Workspace.Snapshot(store);
        (code, output, error) = Sweep(store);
        Assert.That(code, Is.EqualTo(0), output + error);
        Assert.That(output, Does.Contain("this process: 0 trained, 0 tested, 0 failed"));
        var after = Workspace.Snapshot(store);
        foreach (var (file, state) in before.Where(f => !f.Key.Contains("reports", StringComparison.Ordinal)))
            Assert.That(after[file], Is.EqualTo(state), $"{file} was touched by a sweep that had nothing to do");
        Assert.That(File.ReadAllText(Path.Combine(ReportOf(store), "summary.json")), Is.EqualTo(firstSummary));
    }

    [Test]
    public void StatusAndPartialReportFollowAnUnfinishedSweep()
    {
        string store = Store("store");
        var (code, output, error) = Sweep(store, "--max-trainings", "3");
        Assert.That(code, Is.EqualTo(1), "an unfinished sweep exits 1: " + output + error);
        Assert.That(output, Does.Contain("this process: 3 trained").And.Contain("not complete: 12 of 20 evaluations to go"));

        (code, output, error) = Cli.Run("experiment", "status", experiment, "--store", store);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("blt / final / seed 1").And.Contain("11 done").And.Contain("17 pending"));

        (code, _, error) = Cli.Run("experiment", "report", experiment, "--store", store, "--out", w.PathOf("report"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("tiny-study:").And.Contain("--partial"));

        (code, output, error) = Cli.Run("experiment", "report", experiment, "--store", store, "--out", w.PathOf("report"), "--partial");
        Assert.That(code, Is.EqualTo(0), output + error);
        var arms = TinyExperiment.Summary(w.PathOf("report")).GetProperty("arms").EnumerateArray().ToList();
        Assert.That(arms.Select(a => a.GetProperty("seeds").GetArrayLength()), Is.All.EqualTo(1), "each arm over its one finished seed");
        Assert.That(arms.Select(a => a.GetProperty("name").GetString()), Does.Contain("blt/final/clean").And.Not.Contain("b/every/clean"));
    }

    [Test]
    public void AKilledSweepFinishedByTwoWorkersRedoesNothingAndReportsAsAnUninterruptedOne()
    {
        // The reference: one process, uninterrupted.
        string reference = Store("reference");
        var (code, output, error) = Sweep(reference);
        Assert.That(code, Is.EqualTo(0), output + error);

        // The same sweep in a cortex process, killed with SIGKILL once a training is done and the next one has a checkpoint.
        string store = Store("store");
        var (_, plan) = ExperimentCommand.Plan(new FileInfo(experiment));
        var start = new ProcessStartInfo(ExternalProcess.Dotnet, ["exec", ExternalProcess.CortexProgram(), "experiment", "run", experiment, "--store", store, "--device", "cpu", "--threads", "1"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = w.Root,
        };
        foreach (var (name, value) in ExternalProcess.DotnetEnvironment()) start.Environment[name] = value;
        RunStore? runStore = null;
        using (var child = Process.Start(start)!)
        {
            child.OutputDataReceived += (_, _) => { };
            child.ErrorDataReceived += (_, _) => { };
            child.BeginOutputReadLine();
            child.BeginErrorReadLine();
            var clock = Stopwatch.StartNew();
            while (true)
            {
                Assert.That(child.HasExited, Is.False, "the sweep ended before it could be killed");
                Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(120)), "the sweep made no progress");
                if (Directory.Exists(store))
                {
                    runStore ??= RunStore.Open(store);
                    var states = plan.Runs.Select(r => runStore.Status(r.Key)).ToList();
                    if (states.Count(s => s.State == RunState.Done) >= 1 && states.Any(s => s.State == RunState.Running && s.HasCheckpoint)) break;
                }
                Thread.Sleep(5);
            }
            child.Kill(entireProcessTree: true);
            child.WaitForExit();
        }
        runStore ??= RunStore.Open(store);
        var doneBefore = plan.Runs.Concat<object>(plan.Evaluations).Select(KeyOf).Where(k => runStore.Status(k).State == RunState.Done)
            .ToDictionary(k => k, k => File.ReadAllText(Path.Combine(runStore.FolderOf(k), RunStore.DoneFileName)));
        Assert.That(doneBefore, Is.Not.Empty);
        Assert.That(plan.Runs.Count(r => runStore.Status(r.Key).State == RunState.Done), Is.LessThan(plan.Runs.Count), "killed before the end");

        // Finished by two worker processes sharing the store.
        var (finish, log) = ExternalProcess.Run(ExternalProcess.Dotnet, ["exec", ExternalProcess.CortexProgram(), "experiment", "run", experiment, "--store", store, "--device", "cpu", "--workers", "2", "--threads", "1"],
            w.Root, ExternalProcess.DotnetEnvironment(), timeoutSeconds: 300);
        Assert.That(finish, Is.EqualTo(0), log);
        Assert.That(log, Does.Contain("[worker 1]").And.Contain("[worker 2]").And.Contain("resuming"));

        foreach (var (key, done) in doneBefore)
            Assert.That(File.ReadAllText(Path.Combine(runStore.FolderOf(key), RunStore.DoneFileName)), Is.EqualTo(done), $"{key} was done before the kill and was redone");
        foreach (var run in plan.Runs)
        {
            var events = File.ReadAllLines(Path.Combine(runStore.FolderOf(run.Key), "train", "history.jsonl"))
                .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("event").GetString()).ToList();
            Assert.That(events.Count(e => e == "start"), Is.EqualTo(1), $"{run.Label} was started once ({string.Join(", ", events)})");
        }
        foreach (string file in TinyExperiment.DeterministicReportFiles)
            Assert.That(File.ReadAllText(Path.Combine(ReportOf(store), file)), Is.EqualTo(File.ReadAllText(Path.Combine(ReportOf(reference), file))), file);
    }

    private static RunKey KeyOf(object run) => run switch
    {
        Cortex.Experiments.Experiments.Planning.TrainingRun r => r.Key,
        Cortex.Experiments.Experiments.Planning.PlannedEvaluation e => e.Key,
        _ => throw new ArgumentException("not a run", nameof(run)),
    };
}
