using Cortex.Connectivity;
using Cortex.Connectivity.Building;
using Cortex.Core.Backends;
using Cortex.Experiments.Cli;
using Cortex.Experiments.Data;
using Cortex.Experiments.Recording;
using Cortex.Experiments.Training;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Recording;

[NonParallelizable]
public sealed class RecordCommandTests
{
    private DirectoryInfo folder = null!;

    [SetUp]
    public void MakeFolder() => folder = Directory.CreateTempSubdirectory("cortex-record-cli");

    [TearDown]
    public void RemoveFolder() => folder.Delete(recursive: true);

    private const string Network = """
        name: small
        time: { steps: 2 }
        input: { shape: [1, 28, 28] }
        areas:
          - { name: V1, level: 1, shape: [2, 14, 14], activation: relu, norm: per-step }
          - { name: IT, level: 2, shape: [5], activation: relu }
        projections:
          - { from: image, to: V1, type: feedforward, kernel: 3, resample: maxpool, factor: 2 }
          - { from: V1, to: V1, type: lateral, kernel: 3 }
          - { from: V1, to: IT, type: feedforward, connectivity: dense }
        readout: { from: IT, classes: 10, steps: all }
        """;

    /// <summary>
    /// A checkpoint whose weights and normalisation statistics are not the ones the seed would give (so a network that
    /// ignored them would record other states), and a tiny dataset of 28×28 IDX images (12 test images).
    /// </summary>
    private (string Checkpoint, string Data, Dataset Test) Files()
    {
        var random = new Random(9);
        var pixels = new byte[12 * 28 * 28];
        random.NextBytes(pixels);
        Idx.WriteImages(Path.Combine(folder.FullName, "t10k-images-idx3-ubyte.gz"), new IdxImages(12, 28, 28, pixels), gzip: true);
        Idx.WriteLabels(Path.Combine(folder.FullName, "t10k-labels-idx1-ubyte.gz"), [.. Enumerable.Range(0, 12).Select(i => (byte)(i % 10))], gzip: true);
        Idx.WriteImages(Path.Combine(folder.FullName, "train-images-idx3-ubyte.gz"), new IdxImages(2, 28, 28, pixels[..(2 * 28 * 28)]), gzip: true);
        Idx.WriteLabels(Path.Combine(folder.FullName, "train-labels-idx1-ubyte.gz"), [0, 1], gzip: true);
        var source = DataLocator.Locate(DatasetKind.FashionMnist, folder.FullName);

        using var backend = new CpuBackend<float>();
        var loaded = NetworkLoader.Parse(Network, "small.yaml");
        using var network = NetworkBuilder.Build(loaded, backend, seed: 3);
        foreach (var p in network.Parameters)
            p.Value.CopyFrom([.. Enumerable.Range(0, p.Value.Length).Select(_ => (float)(random.NextDouble() - 0.4))]);
        foreach (var (_, tensor) in network.Buffers)
            tensor.CopyFrom([.. Enumerable.Range(0, tensor.Length).Select(_ => (float)(0.5 + random.NextDouble()))]);
        using var trainer = new Trainer(network, new TrainingOptions { BatchSize = 4, Seed = 3 }, Cortex.Connectivity.Reading.NetworkWriter.Write(loaded.Spec));
        string checkpoint = Path.Combine(folder.FullName, "small.ckpt");
        trainer.Save(checkpoint, default);
        return (checkpoint, folder.FullName, source.LoadTest());
    }

    [TestCase("npy", "out")]
    [TestCase("hdf5", "out.h5")]
    public void RecordsTheCheckpointsNetworkOnTestImages(string format, string name)
    {
        var (checkpoint, data, test) = Files();
        string output = Path.Combine(folder.FullName, name);
        var (code, stdout, error) = Cli.Run("record", checkpoint, "--data", data, "--images", "1:4", "--areas", "IT,V1", "--steps", "2",
            "--format", format, "-o", output, "--batch", "2", "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(stdout, Does.Contain("recorded IT [5], V1 [2, 14, 14] at steps 2 of 3 images"));

        var recording = RecordingFiles.Read(output);
        Assert.That(recording.Layout.Areas.Select(a => a.Name), Is.EqualTo(new[] { "IT", "V1" }));
        Assert.That(recording.Layout.Images, Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(recording.Layout.Labels, Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(recording.Layout.Steps, Is.EqualTo(new[] { 2 }));

        // The same network with the checkpoint's arrays, built here, gives the same states.
        using var backend = new CpuBackend<float>();
        var stored = Cortex.Experiments.Checkpoints.CheckpointFile.Read(checkpoint);
        using var network = NetworkBuilder.Build(NetworkLoader.Parse(stored.Metadata.Config), backend, seed: 99);
        foreach (var p in network.Parameters) stored.CopyInto("param/" + p.Name, p.Value);
        foreach (var (bufferName, tensor) in network.Buffers) stored.CopyInto("buffer/" + bufferName, tensor);
        for (int i = 0; i < 3; i++)
        {
            network.Forward(test.Image(i + 1), 1, training: false);
            Assert.That(recording.State("V1", i, 2).ToArray(), Is.EqualTo(network.State("V1", 2).ToArray()).Within(1e-5f), $"V1 image {i}");
            Assert.That(recording.State("IT", i, 2).ToArray(), Is.EqualTo(network.State("IT", 2).ToArray()).Within(1e-5f), $"IT image {i}");
        }
        Assert.That(recording.Values("IT"), Has.Some.Not.EqualTo(0f));
    }

    [TestCase("--images", "10:20", "--images: '10:20' runs past the 12 test images")]
    [TestCase("--images", "abc", "--images: 'abc' is neither a count N nor a range A:B")]
    [TestCase("--steps", "3", "--steps: step 3 is past the network's 2 steps")]
    [TestCase("--areas", "V4", "no area 'V4'; its areas: V1, IT")]
    [TestCase("--format", "csv", "--format: unknown format 'csv'; allowed: npy | hdf5")]
    public void MistakesAreOneLineErrors(string option, string value, string message)
    {
        var (checkpoint, data, _) = Files();
        var (code, _, error) = Cli.Run("record", checkpoint, "--data", data, option, value, "-o", Path.Combine(folder.FullName, "x"), "--device", "cpu");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain(message));
        Assert.That(error, Does.Not.Contain("   at "));
    }

    [Test]
    public void SelectionsOfImagesAndSteps()
    {
        Assert.That(RecordCommand.ImageSelection("3", 10), Is.EqualTo(new[] { 0, 1, 2 }));
        Assert.That(RecordCommand.ImageSelection("7:10", 10), Is.EqualTo(new[] { 7, 8, 9 }));
        Assert.That(() => RecordCommand.ImageSelection("4:4", 10), Throws.ArgumentException.With.Message.Contains("selects no images"));
        Assert.That(RecordCommand.StepSelection("all", 4), Is.EqualTo(new[] { 1, 2, 3, 4 }));
        Assert.That(RecordCommand.StepSelection("4,1:2,2", 4), Is.EqualTo(new[] { 1, 2, 4 }));
        Assert.That(RecordCommand.StepSelection("0", 4), Is.EqualTo(new[] { 0 }));
        Assert.That(() => RecordCommand.StepSelection("3:2", 4), Throws.ArgumentException.With.Message.Contains("empty"));
    }
}
