using Cortex.Connectivity;
using Cortex.Connectivity.Building;
using Cortex.Core.Backends;
using Cortex.Experiments.Checkpoints;
using Cortex.Experiments.Data;
using Cortex.Experiments.Training;
using Cortex.Tests.Experiments;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Training;

/// <summary>A divergence names where the non-finite values first appear and says truthfully what checkpoint is left.</summary>
public sealed class DivergenceTests
{
    // V1 with lateral recurrence, V2 with feedback to V1: a feedback weight reaches V1 only from t = 2.
    private const string Network = """
        name: loop
        time: { steps: 3 }
        input: { shape: [1, 6, 6] }
        areas:
          - { name: V1, level: 1, shape: [3, 6, 6], activation: relu }
          - { name: V2, level: 2, shape: [4, 3, 3], activation: relu }
        projections:
          - { from: image, to: V1, type: feedforward, kernel: 3 }
          - { from: V1, to: V2, type: feedforward, kernel: 3, resample: maxpool, factor: 2 }
          - { from: V2, to: V1, type: feedback, kernel: 3, resample: upsample-nearest, factor: 2 }
        readout: { from: V2, classes: 10, steps: all }
        """;

    [Test]
    public void TheFirstNonFiniteAreaAndStepAreNamed()
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        using var network = NetworkBuilder.Build(NetworkLoader.Parse(Network, "loop.yaml"), cpu, 1);
        var images = Data.Cast<float>(Data.Random(2 * 36, seed: 5, lo: 0, hi: 1));
        network.Forward(images, 2, training: true);
        Assert.That(Divergence.FirstNonFinite(network), Is.Null);
        Assert.That(Divergence.LargestLogits(network), Does.StartWith("the logits of readout 'readout' at t = "));

        var feedback = network.Parameters.Single(p => p.Name.StartsWith("V2->V1") && p.Name.EndsWith("weight"));
        feedback.Value.CopyFrom(Enumerable.Repeat(float.PositiveInfinity, feedback.Shape.Size).ToArray());
        network.Forward(images, 2, training: true);
        Assert.That(Divergence.FirstNonFinite(network), Is.EqualTo("area V1 at t = 2"), "V1 at t = 1 is finite: feedback arrives one step later");
        var e = Divergence.Stopped(network, new DataPosition(0, 4), 5, "the loss is NaN", null);
        Assert.That(e.Message, Is.EqualTo("training stopped at epoch 0, batch 4 (optimiser step 5): the loss is NaN; the first non-finite values are in " +
            "area V1 at t = 2. This run writes no checkpoints. Lower the learning rate or turn on gradient clipping (--clip)."));
    }

    [Test]
    public void ItSaysWhetherACheckpointWasWritten()
    {
        using var w = new Workspace();
        Assert.That(Divergence.Kept(w.PathOf("never.ckpt")), Is.EqualTo($"No checkpoint had been written to {w.PathOf("never.ckpt")}."));
        string checkpoint = BadInputCorpus.TrainedCheckpoint(w);
        Assert.That(Divergence.Kept(checkpoint), Is.EqualTo($"The last checkpoint, {checkpoint} (optimiser step 3, next epoch 1, batch 0), is kept."));
    }

    [Test]
    public void TheCommandLineExitsWithThreeAndNoTrace()
    {
        using var w = new Workspace();
        var (code, _, error) = Cli.Run(w.Train(null, "--name", "d", "--lr", "1e30", "--schedule", "constant"));
        Assert.That(code, Is.EqualTo(3), error);
        // Where the run diverges first depends on the dynamics; the message names the place either way.
        Assert.That(error, Does.Match(@"^cortex: training stopped at epoch 0, batch \d+ \(optimiser step \d+\): the loss is NaN; " +
            @"(the first non-finite values are in area V\d at t = \d+|nothing in the network is non-finite, but .* so the softmax saturates)"));
        Assert.That(error, Does.Contain($"No checkpoint had been written to {Path.Combine(w.Out, "d", "checkpoint.ckpt")}"));
        BadInputTests.AssertNoTrace(error);
        Assert.That(File.Exists(Path.Combine(w.Out, "d", "checkpoint.ckpt")), Is.False);
    }
}
