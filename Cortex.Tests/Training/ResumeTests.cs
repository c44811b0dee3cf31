using System.Text.Json;
using Cortex.Connectivity;
using Cortex.Experiments.Checkpoints;
using Cortex.Experiments.Data;
using Cortex.Experiments.Reports;
using Cortex.Experiments.Training;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Training;

/// <summary>
/// What a resume continues with: the optimiser and every setting not given, taken from the checkpoint; every
/// difference named; allowed ones recorded; weights evaluated without any optimiser.
/// </summary>
[NonParallelizable]
public sealed class ResumeTests
{
    private Workspace w = null!;

    [SetUp]
    public void Create() => w = new Workspace();

    [TearDown]
    public void Delete() => w.Dispose();

    private string Checkpoint(string run) => Path.Combine(w.Out, run, "checkpoint.ckpt");

    private static IReadOnlyDictionary<string, string> Properties(string checkpoint) => CheckpointFile.Read(checkpoint).Metadata.Properties;

    [Test]
    public void AnSgdCheckpointEvaluatesAndResumesWithoutNamingItsOptimiser()
    {
        var (code, _, error) = Cli.Run(w.Train(null, "--name", "s", "--optimiser", "sgd", "--momentum", "0.5"));
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(CheckpointFile.Read(Checkpoint("s")).Arrays.Select(a => a.Name), Has.Some.StartsWith("optimiser/sgd.velocity/"));

        (code, var output, error) = Cli.Run("eval", Checkpoint("s"), "--data", w.Data, "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("t = 2").And.Contain("early exit"));

        (code, _, error) = Cli.Run(w.Train(null, "--resume", Checkpoint("s"), "--epochs", "2", "--allow-changes"));
        Assert.That(code, Is.EqualTo(0), error);
        var properties = Properties(Checkpoint("s"));
        Assert.That((properties["optimiser"], properties["momentum"], properties["epochs"]), Is.EqualTo(("sgd", "0.5", "2")));
    }

    [Test]
    public void EverySettingNotGivenIsTakenFromTheCheckpoint()
    {
        string[] settings = ["--lr", "0.01", "--batch", "8", "--seed", "7", "--loss", "every-step:1,3", "--shift", "2", "--schedule", "constant",
            "--warmup", "2", "--weight-decay", "0.001", "--clip", "1", "--limit", "40"];
        var (code, _, error) = Cli.Run(w.Train(null, ["--name", "r", .. settings]));
        Assert.That(code, Is.EqualTo(0), error);
        var before = Properties(Checkpoint("r"));
        Assert.That(before.Keys, Is.SupersetOf(RunSettings.All.Where(s => s.Key != "momentum").Select(s => s.Key)));

        (code, _, error) = Cli.Run("train", w.Network, "--data", w.Data, "--device", "cpu", "--resume", Checkpoint("r"), "--epochs", "2", "--allow-changes");
        Assert.That(code, Is.EqualTo(0), error);
        var after = Properties(Checkpoint("r"));
        Assert.That(after.Where(p => p.Key != "epochs"), Is.EquivalentTo(before.Where(p => p.Key != "epochs")));
        var resume = File.ReadAllLines(Path.Combine(w.Out, "r", RunFolder.HistoryFileName))[^1];
        Assert.That(JsonDocument.Parse(resume).RootElement.GetProperty("changes").EnumerateArray().Select(c => c.GetString()),
            Is.EqualTo(new[] { "--epochs: 1 → 2" }), "nothing but the one flag given differs");
    }

    [Test]
    public void OtherDataIsNamed()
    {
        Assert.That(Cli.Run(w.Train(null, "--name", "r", "--epochs", "2")).Code, Is.EqualTo(0));
        string other = w.PathOf("other");
        Workspace.WriteData(other, Workspace.TrainImages, Workspace.TestImages, 28, seed: 4);
        var (code, _, error) = Cli.Run(w.Train(null, "--resume", Checkpoint("r"), "--data", other, "--epochs", "2"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("the training data: Fashion-MNIST train: 48 images [1, 28, 28], sha256:").And.Contain("the test data:"));
        Assert.That(error, Does.Not.Contain("--epochs:"), "the epochs were taken from the checkpoint");
    }

    [Test]
    public void ACheckpointOfAnOlderCortexResumesAndSaysWhatItCouldNotCompare()
    {
        Assert.That(Cli.Run(w.Train(null, "--name", "r")).Code, Is.EqualTo(0));
        var current = CheckpointFile.Read(Checkpoint("r"));
        string[] older = ["network", "optimiser", "learning_rate", "loss", "epochs", "batch"];
        var properties = current.Metadata.Properties.Where(p => older.Contains(p.Key)).ToDictionary(p => p.Key, p => p.Value);
        CheckpointFile.Write(Checkpoint("r"), new Checkpoint(current.Metadata with { Properties = properties }, current.Arrays));

        var (code, _, error) = Cli.Run(w.Train(null, "--resume", Checkpoint("r"), "--epochs", "2", "--allow-changes"));
        Assert.That(code, Is.EqualTo(0), error);
        string note = JsonDocument.Parse(File.ReadAllLines(Path.Combine(w.Out, "r", RunFolder.HistoryFileName))[^1]).RootElement
            .GetProperty("notes")[0].GetString()!;
        Assert.That(note, Does.Contain("does not record --schedule, --warmup, --weight-decay, --clip, --shift, --dataset, --limit, the training data, the test data"));
    }

    [TestCase(0, 2, 16, 16, 48, 0, 2, TestName = "Position(same batch size: unchanged)")]
    [TestCase(0, 3, 16, 16, 48, 1, 0, TestName = "Position(past the last batch: the next epoch)")]
    [TestCase(0, 2, 16, 8, 48, 0, 4, TestName = "Position(smaller batches: as many images in)")]
    [TestCase(0, 1, 16, 32, 48, 0, 0, TestName = "Position(larger batches: the batch that holds the next image)")]
    [TestCase(1, 2, 16, 32, 48, 2, 0, TestName = "Position(larger batches past the end: the next epoch)")]
    public void APositionContinuesInBatchesOfAnotherSize(int epoch, int batch, int recordedBatch, int newBatch, int images, int nextEpoch, int nextBatch) =>
        Assert.That(ResumeCheck.Position(new DataPosition(epoch, batch), recordedBatch, newBatch, images), Is.EqualTo(new DataPosition(nextEpoch, nextBatch)));

    [Test]
    public void NetworkDifferencesNameEachKey()
    {
        var tiny = NetworkLoader.Parse(Workspace.NetworkText, "small.yaml");
        Assert.That(NetworkDifferences.Between(Workspace.NetworkText, tiny, "checkpoint"), Is.Empty);
        var changed = NetworkLoader.Parse(Workspace.NetworkText.Replace("activation: relu", "activation: tanh")
            .Replace("type: lateral, kernel: 3", "type: lateral, kernel: 5"), "changed.yaml");
        var differences = NetworkDifferences.Between(Workspace.NetworkText, changed, "checkpoint");
        Assert.That(differences, Has.Member("areas[0].activation: relu → tanh"));
        Assert.That(differences, Has.Some.Match(@"^projections\[1\]\.kernel: \[?3.* → \[?5"));
    }
}
