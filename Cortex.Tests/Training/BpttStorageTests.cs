using Cortex.Experiments.Checkpoints;
using Cortex.Experiments.Training;
using Cortex.Tests.Infrastructure;
using Cortex.Tests.Simulation;

namespace Cortex.Tests.Training;

/// <summary>Checkpointing in time from the command line: the flags, the budget that chooses k, and a run that trains to the same weights.</summary>
public sealed class BpttStorageTests
{
    private const string Recurrent = """
        name: recurrent
        time: { steps: 7, unroll: biological }
        input: { shape: [1, 28, 28] }
        areas:
          - { name: V1, level: 1, shape: [2, 14, 14], norm: per-step }
          - { name: V2, level: 2, shape: [3, 7, 7], tau: 2.0 }
        projections:
          - { from: image, to: V1, type: feedforward, kernel: 3, resample: maxpool, factor: 2 }
          - { from: V1, to: V1, type: lateral, kernel: 3 }
          - { from: V1, to: V2, type: feedforward, kernel: 3, resample: maxpool, factor: 2 }
          - { from: V2, to: V1, type: feedback, kernel: 1, resample: upsample-nearest, factor: 2, delay: 2 }
        readout: { from: V2, classes: 10, steps: all }
        """;

    [TestCase("512MiB", 512L << 20)]
    [TestCase("2GiB", 2L << 30)]
    [TestCase("1.5G", 3L << 29)]
    [TestCase("800MB", 800_000_000L)]
    [TestCase("4096", 4096L)]
    public void ABudgetReadsAsBytes(string text, long bytes) => Assert.That(BpttStorage.ParseBytes(text), Is.EqualTo(bytes));

    [Test]
    public void ABudgetThatIsNotASizeIsRefused()
    {
        Assert.That(() => BpttStorage.ParseBytes("2 parsecs"), Throws.ArgumentException.With.Message.Contains("unknown unit 'parsecs'"));
        Assert.That(() => BpttStorage.ParseBytes("-1G"), Throws.ArgumentException.With.Message.Contains("positive size"));
    }

    [Test]
    public void TheBudgetChoosesKAndSaysSo()
    {
        var ledger = CheckpointingInTimeTests.Shipped("v1-v2-v4-it", steps: 64, biological: true).Ledger;
        long budget = ledger.Memory(4).TotalBytes / 3;
        var (k, said) = BpttStorage.Choose(ledger, 4, 0, budget);
        Assert.Multiple(() =>
        {
            Assert.That(k, Is.EqualTo(ledger.KeepEveryWithin(budget, 4)).And.GreaterThan(0));
            Assert.That(said, Does.StartWith("--memory-budget").And.Contain($"k = {k}"));
            Assert.That(() => BpttStorage.Choose(ledger, 4, 2, budget), Throws.ArgumentException.With.Message.Contains("not both"));
            Assert.That(() => BpttStorage.Choose(ledger, 4, 0, 1 << 20), Throws.ArgumentException.With.Message.Contains("raise the budget"));
        });
    }

    [Test]
    public void InspectShowsTheEstimateUnderTheSetting()
    {
        using var w = new Workspace();
        string network = w.Write("recurrent.yaml", Recurrent);
        var (code, output, error) = Cli.Run("inspect", network, "--batch", "4", "--bptt-checkpoint-every", "2");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("states kept every 2 steps").And.Contain("recomputes 6 of 7 steps in backward"));
        (code, output, error) = Cli.Run("inspect", network, "--batch", "4", "--json", "--bptt-checkpoint-every", "2");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("\"bptt_checkpoint_every\": 2"));
    }

    [Test]
    public void TheMemoryBenchmarkComparesEveryStepWithKeptStates()
    {
        using var w = new Workspace();
        string network = w.Write("recurrent.yaml", Recurrent);
        string json = w.PathOf("memory.json");
        var (code, output, error) = Cli.Run("bench", "memory", "--network", network, "--device", "cpu", "--steps", "3,9", "--batch", "2", "--repeats", "1",
            "--json", json);
        Assert.That(code, Is.EqualTo(0), error + output);
        var rows = System.Text.Json.JsonDocument.Parse(File.ReadAllText(json)).RootElement.EnumerateArray().ToList();
        Assert.That(rows.Select(r => (r.GetProperty("Steps").GetInt32(), r.GetProperty("KeepEvery").GetInt32() > 0)),
            Is.EqualTo(new[] { (3, false), (9, false), (9, true) }), "T = 3 is too short to save memory with a reach of 2");
        Assert.That(rows[2].GetProperty("ArenaRatio").GetDouble(), Is.LessThan(1));
    }

    /// <summary>Training with checkpointing in time writes the same weights as storing every step, bit for bit.</summary>
    [Test]
    public void TrainingWithCheckpointingInTimeReachesTheSameWeights()
    {
        using var w = new Workspace();
        string network = w.Write("recurrent.yaml", Recurrent);
        float[][] Train(string name, params string[] extra)
        {
            var (code, output, error) = Cli.Run(["train", network, "--data", w.Data, "--device", "cpu", "--out", w.Out, "--name", name, "--epochs", "1",
                "--batch", "8", "--limit", "24", .. extra]);
            Assert.That(code, Is.EqualTo(0), error + output);
            if (extra.Length > 0) Assert.That(output, Does.Contain("recomputes"));
            return [.. CheckpointFile.Read(Path.Combine(w.Out, name, "checkpoint.ckpt")).Arrays.Select(a => a.Values.ToArray())];
        }
        var ledger = Cortex.Connectivity.NetworkLoader.Parse(Recurrent).Ledger;
        long budget = ledger.Memory(8, keepEvery: 2).TotalBytes;
        Assert.That(budget, Is.LessThan(ledger.Memory(8).TotalBytes));
        var full = Train("full");
        Assert.That(Train("kept", "--bptt-checkpoint-every", "3"), Is.EqualTo(full));
        Assert.That(Train("budget", "--memory-budget", budget.ToString(System.Globalization.CultureInfo.InvariantCulture)), Is.EqualTo(full));
    }
}
