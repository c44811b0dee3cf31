using System.Diagnostics;
using System.Text.Json;
using Cortex.Experiments.Checkpoints;
using Cortex.Experiments.Cli;
using Cortex.Experiments.Reports;
using Cortex.Tests.Experiments;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Reports;

/// <summary>
/// Run folders lose nothing: a new run gets its own folder, a resume appends to its metrics and history, a refused
/// resume or a taken name touches nothing, a resume honours --out and --name, and a kill — during a checkpoint write or
/// at any moment of training — leaves a folder a resume continues from without duplicates or stale files.
/// </summary>
[NonParallelizable]
public sealed class RunFolderIntegrityTests
{
    private Workspace w = null!;

    [SetUp]
    public void Create() => w = new Workspace();

    [TearDown]
    public void Delete() => w.Dispose();

    private (int Code, string Out, string Error) Train(params string[] flags) => Cli.Run(w.Train(null, flags));

    private string Run(string name) => Path.Combine(w.Out, name);

    private static IReadOnlyList<JsonElement> History(string folder) =>
        [.. File.ReadAllLines(Path.Combine(folder, RunFolder.HistoryFileName)).Select(l => JsonDocument.Parse(l).RootElement)];

    private static List<(int Epoch, string Split, int? T, string Metric)> Keys(string folder) =>
        [.. MetricsLog.ReadCsv(Path.Combine(folder, "metrics.csv")).Select(r => (r.Epoch, r.Split, r.T, r.Metric))];

    [Test]
    public void ANewRunMakesItsOwnFolderAndRecordsItsStart()
    {
        var (code, _, error) = Train("--name", "r");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(Directory.GetFiles(Run("r")).Select(Path.GetFileName).Order(), Is.EqualTo(new[]
        {
            "accuracy-per-step.png", "accuracy-per-step.svg", "checkpoint.ckpt", "config.yaml", "history.jsonl", "metrics.csv", "metrics.json", "run.json",
        }));
        var history = History(Run("r"));
        Assert.That(history.Select(h => h.GetProperty("event").GetString()), Is.EqualTo(new[] { "start" }));
        Assert.That(history[0].GetProperty("commandLine").GetString(), Is.Not.Empty);
        var rows = MetricsLog.ReadCsv(Path.Combine(Run("r"), "metrics.csv"));
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Run("r"), "metrics.json")));
        Assert.That(json.RootElement.GetProperty("metrics").GetArrayLength(), Is.EqualTo(rows.Count));
        Assert.That(rows.Select(r => r.Epoch).Distinct(), Is.EqualTo(new[] { 1 }));
    }

    [Test]
    public void AResumeAppendsToTheMetricsAndRecordsWhenFromWhatAndWhichFlags()
    {
        Assert.That(Train("--name", "r").Code, Is.EqualTo(0));
        string csv = File.ReadAllText(Path.Combine(Run("r"), "metrics.csv"));
        var kept = Workspace.Snapshot(Run("r")).Where(f => f.Key is "config.yaml" or "run.json").ToList();
        string checkpoint = Path.Combine(Run("r"), "checkpoint.ckpt");

        var (code, _, error) = Train("--resume", checkpoint, "--epochs", "2", "--allow-changes");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(File.ReadAllText(Path.Combine(Run("r"), "metrics.csv")), Does.StartWith(csv), "the first epoch's rows are kept as they were");
        var keys = Keys(Run("r"));
        Assert.That(keys.Select(k => k.Epoch).Distinct(), Is.EqualTo(new[] { 1, 2 }));
        Assert.That(keys, Is.Unique);
        Assert.That(Workspace.Snapshot(Run("r")).Where(f => f.Key is "config.yaml" or "run.json"), Is.EqualTo(kept), "the start's record is not rewritten");

        var history = History(Run("r"));
        Assert.That(history.Select(h => h.GetProperty("event").GetString()), Is.EqualTo(new[] { "start", "resume" }));
        var resume = history[1];
        Assert.That(resume.GetProperty("checkpoint").GetString(), Is.EqualTo(checkpoint));
        Assert.That(resume.GetProperty("step").GetInt64(), Is.EqualTo(3), "48 images in batches of 16: 3 optimiser steps");
        Assert.That(resume.GetProperty("position").GetString(), Is.EqualTo("epoch 1, batch 0"));
        Assert.That(resume.GetProperty("commandLine").GetString(), Does.Contain("--allow-changes"));
        Assert.That(resume.GetProperty("changes").EnumerateArray().Select(c => c.GetString()), Is.EqualTo(new[] { "--epochs: 1 → 2" }));
        Assert.That(resume.GetProperty("utc").GetDateTime(), Is.GreaterThan(history[0].GetProperty("utc").GetDateTime()));
    }

    [Test]
    public void ARefusedResumeTouchesNothing()
    {
        Assert.That(Train("--name", "r", "--epochs", "2").Code, Is.EqualTo(0));
        string checkpoint = Path.Combine(Run("r"), "checkpoint.ckpt");
        var before = Workspace.Snapshot(w.Out);

        string changed = w.Write("changed.yaml", Workspace.NetworkText.Replace("activation: relu", "activation: tanh").Replace("steps: 2 }", "steps: 2, unroll: biological }"));
        var (code, _, error) = Cli.Run(w.Train(changed, "--resume", checkpoint, "--epochs", "3", "--batch", "8", "--seed", "9", "--lr", "0.1"));
        Assert.That(code, Is.EqualTo(2), error);
        foreach (var difference in new[]
        {
            "network time.unroll: synchronous → biological", "network areas[0].activation: relu → tanh", "--lr: 0.003 → 0.1", "--epochs: 2 → 3",
            "--batch: 16 → 8", "--seed: 1 → 9", "pass --allow-changes",
        })
            Assert.That(error, Does.Contain(difference));
        BadInputTests.AssertNoTrace(error);

        // the checkpoint of another network passes every comparison with --allow-changes and fails only when its arrays are loaded
        string wider = w.Write("wider.yaml", Workspace.NetworkText.Replace("[2, 14, 14]", "[3, 14, 14]"));
        (code, _, error) = Cli.Run(w.Train(wider, "--resume", checkpoint, "--epochs", "3", "--allow-changes"));
        Assert.That(code, Is.EqualTo(2), error);
        Assert.That(error, Does.Contain("belongs to a different network"));
        Assert.That(Workspace.Snapshot(w.Out), Is.EqualTo(before), "nothing in the run folder was written");
    }

    [Test]
    public void AnExistingNameIsRefusedAndDefaultNamesNeverCollide()
    {
        Assert.That(Train("--name", "r").Code, Is.EqualTo(0));
        var before = Workspace.Snapshot(Run("r"));
        var (code, _, error) = Train("--name", "r");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain($"--name 'r': the run folder {Run("r")} already exists").And.Contain("--resume"));
        Assert.That(Workspace.Snapshot(Run("r")), Is.EqualTo(before));

        Assert.That(Train().Code, Is.EqualTo(0));
        Assert.That(Train().Code, Is.EqualTo(0));
        Assert.That(Directory.GetDirectories(w.Out).Select(Path.GetFileName).Count(n => n!.StartsWith("small-")), Is.EqualTo(2), "two runs, two folders");

        // runs started in the same second: every one claims its own folder
        var made = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 8, _ => made.Add(RunFolder.CreateUnique(w.Out, "same-second").Name));
        Assert.That(made.Order(), Is.EqualTo(new[] { "same-second" }.Concat(Enumerable.Range(2, 7).Select(i => $"same-second-{i}")).Order()));
    }

    [Test]
    public void AResumeHonoursOutAndNameAndNeverWritesBesideAStrayCheckpoint()
    {
        Assert.That(Train("--name", "r").Code, Is.EqualTo(0));
        var original = Workspace.Snapshot(Run("r"));
        string stray = w.PathOf("elsewhere/x.ckpt");
        Directory.CreateDirectory(Path.GetDirectoryName(stray)!);
        File.Copy(Path.Combine(Run("r"), "checkpoint.ckpt"), stray);

        // a checkpoint outside any run folder continues in a new folder under --out, not beside the file
        var (code, _, error) = Train("--resume", stray, "--epochs", "2", "--allow-changes", "--name", "continued");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(Directory.GetFiles(Path.GetDirectoryName(stray)!), Is.EqualTo(new[] { stray }));
        Assert.That(History(Run("continued")).Select(h => h.GetProperty("event").GetString()), Is.EqualTo(new[] { "branch" }));

        // a run folder's checkpoint continued under another name: a new folder that starts with the earlier metrics
        (code, _, error) = Train("--resume", Path.Combine(Run("r"), "checkpoint.ckpt"), "--epochs", "2", "--allow-changes", "--name", "branch");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(Keys(Run("branch")).Select(k => k.Epoch).Distinct(), Is.EqualTo(new[] { 1, 2 }));
        Assert.That(Workspace.Snapshot(Run("r")), Is.EqualTo(original), "the run it came from is untouched");

        // --name naming another existing run is refused
        (code, _, error) = Train("--resume", Path.Combine(Run("r"), "checkpoint.ckpt"), "--epochs", "2", "--allow-changes", "--name", "branch");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("--name 'branch': the run folder").And.Contain("already exists"));
    }

    [Test]
    public void TemporaryFilesOfAKilledCheckpointWriteAreRemovedByTheNextWrite()
    {
        Assert.That(Train("--name", "r", "--epochs", "2").Code, Is.EqualTo(0));
        string checkpoint = Path.Combine(Run("r"), "checkpoint.ckpt");
        byte[] good = File.ReadAllBytes(checkpoint);
        int dead = DeadProcessId();
        // what a writer killed mid-write leaves: a partial temporary file; and one of a writer still running (pid 1 lives)
        string killed = Path.Combine(Run("r"), $".checkpoint.ckpt.{dead}.{Guid.NewGuid():N}.tmp");
        string older = Path.Combine(Run("r"), $".checkpoint.ckpt.{Guid.NewGuid():N}.tmp");
        string running = Path.Combine(Run("r"), $".checkpoint.ckpt.1.{Guid.NewGuid():N}.tmp");
        foreach (var file in new[] { killed, older, running }) File.WriteAllBytes(file, good[..100]);

        Assert.That(CheckpointFile.Read(checkpoint).Metadata.Step, Is.EqualTo(6), "the checkpoint itself is intact");
        Assert.That(CheckpointFile.StaleTemporaries(checkpoint).Order(), Is.EqualTo(new[] { killed, older }.Order()));
        var (code, _, error) = Train("--resume", checkpoint, "--epochs", "3", "--allow-changes");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(File.Exists(killed) || File.Exists(older), Is.False, "stale temporary files are removed by the next write");
        Assert.That(File.Exists(running), Is.True, "a running writer's file is left alone");
        Assert.That(CheckpointFile.Read(checkpoint).Metadata.Step, Is.EqualTo(9));
    }

    [Test]
    public void KillNineAtAnyMomentThenResumeLosesAndRepeatsNothing()
    {
        string program = ExternalProcess.CortexProgram();
        var start = new ProcessStartInfo("dotnet", ["exec", program, .. w.Train(null, "--name", "k", "--epochs", "100000")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var child = Process.Start(start)!;
        child.OutputDataReceived += (_, _) => { };
        child.ErrorDataReceived += (_, _) => { };
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();
        string folder = Run("k"), csv = Path.Combine(folder, "metrics.csv");
        var clock = Stopwatch.StartNew();
        while (!(File.Exists(Path.Combine(folder, "checkpoint.ckpt")) && File.Exists(csv) && new FileInfo(csv).Length > 8_000))
        {
            Assert.That(child.HasExited, Is.False, "the training process ended early");
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(60)), "the training process wrote no checkpoint");
            Thread.Sleep(20);
        }
        child.Kill(entireProcessTree: true);
        child.WaitForExit();

        var checkpoint = CheckpointFile.Read(Path.Combine(folder, "checkpoint.ckpt"));
        int epochs = checkpoint.Metadata.Data.Epoch;
        Assert.That(epochs, Is.GreaterThanOrEqualTo(1));
        Assert.That(() => MetricsLog.ReadCsv(csv), Throws.Nothing, "a row torn by the kill is dropped, not an error");

        var (code, _, error) = Train("--resume", Path.Combine(folder, "checkpoint.ckpt"), "--epochs", $"{epochs + 1}", "--allow-changes");
        Assert.That(code, Is.EqualTo(0), error);
        var keys = Keys(folder);
        Assert.That(keys, Is.Unique, "no epoch is recorded twice");
        Assert.That(keys.Select(k => k.Epoch).Distinct(), Is.EqualTo(Enumerable.Range(1, epochs + 1)), "no epoch is missing");
        Assert.That(keys.Count(k => k.Metric == "loss"), Is.EqualTo(epochs + 1));
        Assert.That(Directory.GetFiles(folder, "*.tmp"), Is.Empty);
        Assert.That(History(folder).Select(h => h.GetProperty("event").GetString()), Is.EqualTo(new[] { "start", "resume" }));
    }

    /// <summary>The id of a process that has exited.</summary>
    private static int DeadProcessId()
    {
        using var process = Process.Start(new ProcessStartInfo("true") { RedirectStandardOutput = true })!;
        process.WaitForExit();
        return process.Id;
    }
}
