using Cortex.Experiments.Cli;
using Cortex.Experiments.Data;

using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Training;

[NonParallelizable]
public sealed class TrainCommandTests
{
    private DirectoryInfo folder = null!;

    [SetUp]
    public void MakeFolder() => folder = Directory.CreateTempSubdirectory("cortex-train-cli");

    [TearDown]
    public void RemoveFolder() => folder.Delete(recursive: true);

    private static (int Code, string Out, string Error) Run(params string[] args) => Cli.Run(args);

    /// <summary>A tiny Fashion-MNIST-shaped dataset (IDX, gzip) and a tiny 28×28 network in the temporary folder.</summary>
    private (string Network, string Data) Files()
    {
        var random = new Random(3);
        foreach (var (prefix, count) in new[] { ("train", 48), ("t10k", 16) })
        {
            var pixels = new byte[count * 28 * 28];
            random.NextBytes(pixels);
            var labels = new byte[count];
            for (int i = 0; i < count; i++) labels[i] = (byte)random.Next(10);
            Idx.WriteImages(Path.Combine(folder.FullName, $"{prefix}-images-idx3-ubyte.gz"), new IdxImages(count, 28, 28, pixels), gzip: true);
            Idx.WriteLabels(Path.Combine(folder.FullName, $"{prefix}-labels-idx1-ubyte.gz"), labels, gzip: true);
        }
        string network = Path.Combine(folder.FullName, "small.yaml");
        File.WriteAllText(network, """
            name: small
            time: { steps: 2 }
            input: { shape: [1, 28, 28] }
            areas:
              - { name: V1, level: 1, shape: [2, 14, 14], activation: relu }
            projections:
              - { from: image, to: V1, type: feedforward, kernel: 3, resample: maxpool, factor: 2 }
              - { from: V1, to: V1, type: lateral, kernel: 3 }
            readout: { from: V1, classes: 10, steps: all }
            """);
        return (network, folder.FullName);
    }

    [Test]
    public void TrainWritesAReportAndEvalReadsItsCheckpoint()
    {
        var (network, data) = Files();
        var (code, output, error) = Run("train", network, "--data", data, "--epochs", "1", "--batch", "16", "--device", "cpu",
            "--out", folder.FullName, "--name", "run", "--loss", "every-step");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("test accuracy per time step").And.Contain("report:"));
        var run = Path.Combine(folder.FullName, "run");
        foreach (var file in new[] { "config.yaml", "run.json", "metrics.csv", "metrics.json", "accuracy-per-step.png", "accuracy-per-step.svg", "checkpoint.ckpt" })
            Assert.That(File.Exists(Path.Combine(run, file)), Is.True, file);
        Assert.That(File.ReadAllText(Path.Combine(run, "metrics.csv")), Does.Contain("test").And.Contain("accuracy"));

        (code, output, error) = Run("eval", Path.Combine(run, "checkpoint.ckpt"), "--data", data, "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("t = 2").And.Contain("early exit"));
    }

    [Test]
    public void UnknownLossScheduleIsOneLine()
    {
        var (network, data) = Files();
        var (code, _, error) = Run("train", network, "--data", data, "--loss", "sometimes");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("--loss: unknown loss schedule 'sometimes'").And.Not.Contain("   at "));
    }

    [Test]
    public void MissingDataFolderNamesIt()
    {
        var (network, _) = Files();
        var missing = Path.Combine(folder.FullName, "nowhere");
        var (code, _, error) = Run("train", network, "--data", missing, "--device", "cpu");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("nowhere").And.Not.Contain("   at "));
    }

    [Test]
    public void CorruptedCheckpointNamesTheFile()
    {
        var (_, data) = Files();
        var bad = Path.Combine(folder.FullName, "bad.ckpt");
        File.WriteAllText(bad, "not a checkpoint");
        var (code, _, error) = Run("eval", bad, "--data", data, "--device", "cpu");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("bad.ckpt").And.Not.Contain("   at "));
    }

    [Test]
    public void NetworkFileErrorsAreListed()
    {
        var (_, data) = Files();
        var broken = Path.Combine(folder.FullName, "broken.yaml");
        File.WriteAllText(broken, "name: x\ntime: { steps: 2, unrol: synchronous }\n");
        var (code, _, error) = Run("train", broken, "--data", data);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("broken.yaml:2").And.Contain("did you mean 'unroll'"));
    }
}
