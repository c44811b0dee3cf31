using System.Diagnostics;
using Cortex.Experiments.Checkpoints;
using Cortex.Experiments.Experiments;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Distributed;

/// <summary>
/// Real MPI: 2 ranks started by <c>mpiexec.mpich</c> on this machine — the sweep shared between them, data-parallel training of a
/// BLT network with batch norm against one process, resuming on 2 ranks (from a 2-rank and from a 1-rank checkpoint), and a
/// rank killed with SIGKILL. Ignored, with the reason, where MPICH is not installed.
/// </summary>
[NonParallelizable]
public sealed class MpiProcessTests
{
    // BLT in small: per-step batch norm in V1, shared in V2, lateral recurrence in both, transposed-convolution feedback.
    private const string Blt = """
        name: blt-small
        time: { steps: 3, unroll: synchronous }
        input: { shape: [1, 28, 28] }
        areas:
          - { name: V1, level: 1, shape: [4, 14, 14], activation: relu, norm: per-step }
          - { name: V2, level: 2, shape: [6, 7, 7], activation: relu, norm: shared }
        projections:
          - { from: image, to: V1, type: feedforward, kernel: 3, resample: maxpool, factor: 2 }
          - { from: V1, to: V1, type: lateral, kernel: 3 }
          - { from: V1, to: V2, type: feedforward, kernel: 3, resample: maxpool, factor: 2 }
          - { from: V2, to: V2, type: lateral, kernel: 3 }
          - { from: V2, to: V1, type: feedback, connectivity: transposed-conv, kernel: 3, factor: 2 }
        readout: { from: V2, classes: 10, steps: all }
        """;

    private Workspace w = null!;
    private string network = "";

    [SetUp]
    public void Create()
    {
        if (Which("mpiexec.mpich") is null) Assert.Ignore("mpiexec.mpich is not installed (apt-get install mpich libmpich-dev)");
        w = new Workspace();
        network = w.Write("blt-small.yaml", Blt);
    }

    [TearDown]
    public void Delete() => w?.Dispose();

    private static string? Which(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);

    /// <summary><c>mpiexec.mpich -n ranks dotnet cortex.dll args</c>.</summary>
    private (int Code, string Output) Mpi(int ranks, params string[] args) =>
        ExternalProcess.Run("mpiexec.mpich", ["-n", $"{ranks}", ExternalProcess.Dotnet, "exec", ExternalProcess.CortexProgram(), .. args], w.Root,
            ExternalProcess.DotnetEnvironment(), timeoutSeconds: 120);

    /// <summary>Flags of every training run here: constant learning rate (so that a run resumed with more epochs continues the same schedule), clipping, augmentation.</summary>
    private string[] Train(string name, int epochs, params string[] more) =>
        w.Train(network, ["--name", name, "--epochs", $"{epochs}", "--batch", "12", "--schedule", "constant", "--lr", "0.01", "--clip", "1", "--shift", "1", "--seed", "4", .. more]);

    private Checkpoint Checkpoint(string name) => CheckpointFile.Read(Path.Combine(w.Out, name, "checkpoint.ckpt"));

    private static void AssertWeights(Checkpoint actual, Checkpoint expected, double? tolerance, string what)
    {
        var names = expected.Arrays.Select(a => a.Name).ToArray();
        Assert.That(actual.Arrays.Select(a => a.Name), Is.EqualTo(names), what);
        Assert.That(actual.Metadata.Step, Is.EqualTo(expected.Metadata.Step), what);
        for (int i = 0; i < names.Length; i++)
        {
            var a = actual.Arrays[i].Values.ToArray();
            var e = expected.Arrays[i].Values.ToArray();
            if (tolerance is { } t) Data.AssertClose(Array.ConvertAll(a, v => (double)v), Array.ConvertAll(e, v => (double)v), t, $"{what}: {names[i]}");
            else Assert.That(a, Is.EqualTo(e), $"{what}: {names[i]}");
        }
    }

    [Test]
    public void EachRankOwnsItsShareOfASevenRunSweep()
    {
        string assembly = typeof(MpiRankProcess).Assembly.Location;
        string host = Path.ChangeExtension(assembly, null);
        string[] test = ["--filter", $"FullyQualifiedName={typeof(MpiRankProcess).FullName}.{nameof(MpiRankProcess.ReportShare)}",
            "--results-directory", w.PathOf("results")];
        var environment = ExternalProcess.DotnetEnvironment();
        foreach (var name in Environment.GetEnvironmentVariables().Keys.Cast<string>().Where(k => k.StartsWith("TESTINGPLATFORM_", StringComparison.Ordinal)))
            environment[name] = null;
        environment[MpiRankProcess.OutVariable] = w.Root;
        string[] command = File.Exists(host) ? [host, .. test] : [ExternalProcess.Dotnet, "exec", assembly, .. test];
        var (code, output) = ExternalProcess.Run("mpiexec.mpich", ["-n", "2", .. command], w.Root, environment, timeoutSeconds: 120);
        Assert.That(code, Is.EqualTo(0), output);

        var keys = MpiRankProcess.Sweep.Select(d => RunKey.Of(d).Value).ToArray();
        var reports = Enumerable.Range(0, 2).Select(r => File.ReadAllLines(w.PathOf($"rank-{r}.txt"))).ToArray();
        Assert.That(reports[0][0], Is.EqualTo("0 2 0 2"), "rank 0 of 2 owns share 0 of 2");
        Assert.That(reports[1][0], Is.EqualTo("1 2 1 2"));
        Assert.That(reports[0][1], Does.Contain("libmpich.so.12"));
        string[] owned0 = reports[0][2..], owned1 = reports[1][2..];
        Assert.That(owned0, Is.EqualTo(new[] { keys[0], keys[2], keys[4], keys[6] }));
        Assert.That(owned1, Is.EqualTo(new[] { keys[1], keys[3], keys[5] }));
        Assert.That(owned0.Intersect(owned1), Is.Empty, "no run is done by both ranks");
        Assert.That(owned0.Concat(owned1).Order(), Is.EqualTo(keys.Order()), "every run is done by one rank");
    }

    [Test]
    public void ASweepOnTwoRanksDoesEveryRunOnceAndReportsAsOneProcess()
    {
        string experiment = Cortex.Tests.Experiments.TinyExperiment.WriteInto(w);
        string[] run = ["experiment", "run", experiment, "--device", "cpu", "--threads", "1", "--store"];
        var (code, output) = ExternalProcess.Run(ExternalProcess.Dotnet, ["exec", ExternalProcess.CortexProgram(), .. run, w.PathOf("one")], w.Root, ExternalProcess.DotnetEnvironment());
        Assert.That(code, Is.EqualTo(0), output);
        (code, output) = Mpi(2, [.. run, w.PathOf("two")]);
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("this process: share 0 of 2").And.Contain("this process: share 1 of 2"), "each rank says its share");

        // Every training started once, on one of the ranks; between them, every run.
        var (_, plan) = Cortex.Experiments.Cli.ExperimentCommand.Plan(new FileInfo(experiment));
        var store = RunStore.Open(w.PathOf("two"));
        var starts = plan.Runs.Select(r => File.ReadAllLines(Path.Combine(store.FolderOf(r.Key), RunStore.TrainingFolderName, "history.jsonl"))
            .Count(l => l.Contains("\"event\":\"start\"", StringComparison.Ordinal))).ToList();
        Assert.That(starts, Is.All.EqualTo(1));
        var pids = plan.Runs.Select(r => System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(store.FolderOf(r.Key), RunStore.DoneFileName)))
            .RootElement.GetProperty("processId").GetInt32()).Distinct().ToList();
        Assert.That(pids, Has.Count.EqualTo(2), "both ranks trained");
        foreach (string file in Cortex.Tests.Experiments.TinyExperiment.DeterministicReportFiles)
            Assert.That(File.ReadAllText(Path.Combine(w.PathOf("two"), "reports", "tiny-study", file)),
                Is.EqualTo(File.ReadAllText(Path.Combine(w.PathOf("one"), "reports", "tiny-study", file))), file);
    }

    [Test]
    public void TheShippedBltOnTwoRanksTrainsAsOneProcessOnTheGlobalBatch()
    {
        // configs/networks/blt.yaml as shipped (per-step batch norm in V1 and V2), 3 global batches of 16, 8 images per rank.
        // SGD, whose update is proportional to the gradient, so that the tolerance bounds the gradients' rounding; AdamW divides
        // by √v, and a parameter whose gradient is a sum that nearly cancels (a β of batch norm) can move by a visible fraction
        // of a learning-rate step on rounding alone (measured: 2.6·10⁻⁴ at lr 3·10⁻³ after 3 steps; the small network below
        // is compared under AdamW).
        string blt = Path.Combine(Cortex.Tests.Connectivity.Networks.ConfigFolder, "blt.yaml");
        string[] flags = ["--epochs", "1", "--batch", "16", "--seed", "2", "--clip", "1", "--optimiser", "sgd"];
        var (code, output, error) = Cli.Run(w.Train(blt, ["--name", "blt-one", .. flags]));
        Assert.That(code, Is.EqualTo(0), output + error);
        (code, var mpiOutput) = Mpi(2, [.. w.Train(blt, ["--name", "blt-two", .. flags]), "--distributed"]);
        Assert.That(code, Is.EqualTo(0), mpiOutput);
        AssertWeights(Checkpoint("blt-two"), Checkpoint("blt-one"), 2e-4, "BLT on 2 ranks against 1 process");
    }

    [Test]
    public void TwoRanksTrainAsOneProcessOnTheGlobalBatchAndResumeExactly()
    {
        // One process, global batches of 12; then 2 ranks, 6 images each of the same batches.
        var (code, output, error) = Cli.Run(Train("one", 2));
        Assert.That(code, Is.EqualTo(0), output + error);
        (code, var mpiOutput) = Mpi(2, [.. Train("two", 2), "--distributed"]);
        Assert.That(code, Is.EqualTo(0), mpiOutput);
        Assert.That(mpiOutput, Does.Contain("--distributed: 2 ranks, 6 images of each batch of 12 per rank"));
        Assert.That(Directory.GetDirectories(w.Out).Select(Path.GetFileName).Order(), Is.EqualTo(new[] { "one", "two" }), "rank 1 writes no run folder");
        AssertWeights(Checkpoint("two"), Checkpoint("one"), 2e-4, "2 ranks against 1 process");
        Assert.That(File.ReadAllText(Path.Combine(w.Out, "two", "history.jsonl")), Does.Contain("data-parallel over 2 MPI ranks"));

        // 2 ranks for one epoch, resumed on 2 ranks for the second: the weights of the uninterrupted 2-rank run, bit for bit.
        (code, mpiOutput) = Mpi(2, [.. Train("half", 1), "--distributed"]);
        Assert.That(code, Is.EqualTo(0), mpiOutput);
        (code, mpiOutput) = Mpi(2, [.. Train("half", 2), "--distributed", "--resume", Path.Combine(w.Out, "half", "checkpoint.ckpt"), "--allow-changes"]);
        Assert.That(code, Is.EqualTo(0), mpiOutput);
        AssertWeights(Checkpoint("half"), Checkpoint("two"), null, "2 ranks resumed on 2 ranks");

        // One process for one epoch, resumed on 2 ranks: one process's weights, to within rounding.
        (code, output, error) = Cli.Run(Train("single", 1));
        Assert.That(code, Is.EqualTo(0), output + error);
        (code, mpiOutput) = Mpi(2, [.. Train("single", 2), "--distributed", "--resume", Path.Combine(w.Out, "single", "checkpoint.ckpt"), "--allow-changes"]);
        Assert.That(code, Is.EqualTo(0), mpiOutput);
        AssertWeights(Checkpoint("single"), Checkpoint("one"), 2e-4, "1 process resumed on 2 ranks");
    }

    [Test]
    public void ABatchThatDoesNotSplitOverTheRanksIsRefused()
    {
        // Every rank makes the check; rank 0 prints its message and aborts the job, which may end another rank before it
        // gets as far (under load it does), so only rank 0's message is certain.
        var (code, output) = Mpi(2, [.. w.Train(network, "--name", "odd", "--batch", "7"), "--distributed"]);
        Assert.That(code, Is.EqualTo(2), output);
        Assert.That(output, Does.Contain("cortex (rank 0 of 2): --batch 7: --distributed splits every batch evenly over the 2 ranks; use a multiple of 2"));
        Assert.That(output, Does.Not.Contain("   at "), "no stack trace");
        Assert.That(Directory.Exists(Path.Combine(w.Out, "odd")), Is.False, "nothing is written");
    }

    [Test]
    public void KillNineOfOneRankEndsTheJobAndLeavesAResumableRun()
    {
        string marker = Guid.NewGuid().ToString("N");
        var start = new ProcessStartInfo("mpiexec.mpich", ["-n", "2", ExternalProcess.Dotnet, "exec", ExternalProcess.CortexProgram(), .. Train("k", 100000), "--distributed"])
        {
            WorkingDirectory = w.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in ExternalProcess.DotnetEnvironment())
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        start.Environment["CORTEX_TEST_JOB"] = marker;
        using var job = Process.Start(start)!;
        job.OutputDataReceived += (_, _) => { };
        job.ErrorDataReceived += (_, _) => { };
        job.BeginOutputReadLine();
        job.BeginErrorReadLine();
        string folder = Path.Combine(w.Out, "k"), checkpoint = Path.Combine(folder, "checkpoint.ckpt");
        var clock = Stopwatch.StartNew();
        while (!(File.Exists(checkpoint) && CheckpointFile.Read(checkpoint).Metadata.Data.Epoch >= 1))
        {
            Assert.That(job.HasExited, Is.False, "the job ended early");
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(90)), "no checkpoint was written");
            Thread.Sleep(50);
        }
        int rank1 = RankProcess(marker, 1);
        Process.GetProcessById(rank1).Kill();   // SIGKILL
        bool ended = job.WaitForExit(30_000);
        if (!ended) job.Kill(entireProcessTree: true);
        Assert.That(ended, Is.True, "rank 0 waited forever for the killed rank");
        Assert.That(job.ExitCode, Is.Not.EqualTo(0));

        var left = CheckpointFile.Read(checkpoint);
        int epochs = left.Metadata.Data.Epoch + 1;
        var (code, output) = Mpi(2, [.. Train("k", epochs), "--distributed", "--resume", checkpoint, "--allow-changes"]);
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(CheckpointFile.Read(checkpoint).Metadata.Data.Epoch, Is.EqualTo(epochs));
        Assert.That(File.ReadAllLines(Path.Combine(folder, "history.jsonl")).Select(l => l.Contains("\"resume\"")), Is.EqualTo(new[] { false, true }));
    }

    /// <summary>The process of rank <paramref name="rank"/> of the job whose environment carries <paramref name="marker"/>.</summary>
    private static int RankProcess(string marker, int rank)
    {
        foreach (var entry in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out int pid)) continue;
            string environment;
            try { environment = File.ReadAllText(Path.Combine(entry, "environ")); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { continue; }
            var variables = environment.Split('\0');
            if (variables.Contains($"CORTEX_TEST_JOB={marker}") && variables.Contains($"PMI_RANK={rank}")
                && File.ReadAllText(Path.Combine(entry, "cmdline")).Contains("cortex.dll"))
                return pid;
        }
        Assert.Fail($"no process of rank {rank} found");
        return 0;
    }
}
