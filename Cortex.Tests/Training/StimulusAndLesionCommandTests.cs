using System.Text.Json;
using Cortex.Connectivity;
using Cortex.Connectivity.Building;
using Cortex.Connectivity.Lesions;
using Cortex.Core.Backends;
using Cortex.Experiments.Checkpoints;
using Cortex.Experiments.Data;
using Cortex.Experiments.Statistics;
using Cortex.Experiments.Stimuli;
using Cortex.Experiments.Training;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Training;

/// <summary>
/// <c>cortex eval --lesion … --test-stimulus … --json</c> on a tiny trained checkpoint (generated data), checked against
/// the same evaluation made through the C# API; and <c>cortex train --train-stimulus</c>: recorded, refused on a changed
/// resume, and the presentation it sets seen by eval.
/// </summary>
[NonParallelizable]
public sealed class StimulusAndLesionCommandTests
{
    private Workspace w = null!;

    [SetUp]
    public void Create() => w = new Workspace();

    [TearDown]
    public void Delete() => w.Dispose();

    private string Checkpoint(string run) => Path.Combine(w.Out, run, "checkpoint.ckpt");

    [Test]
    public void EvalComparesIntactAndLesionedWithThePairedTest()
    {
        var (code, _, error) = Cli.Run(w.Train(null, "--name", "run", "--epochs", "2"));
        Assert.That(code, Is.EqualTo(0), error);
        string json = w.PathOf("eval.json");
        (code, var output, error) = Cli.Run("eval", Checkpoint("run"), "--data", w.Data, "--device", "cpu", "--lesion", "lateral@2", "--test-stimulus", "occlusion:0.3", "--json", json);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("stimulus: occlusion:0.3; presentation: every-step").And.Contain("lesions: lateral@2 silence V1->V1 at t = 2")
            .And.Contain("intact vs lesioned (lateral@2)").And.Contain("intact − lesioned (points)").And.Contain("p (Holm)"));

        // The same evaluation through the C# API: the network from the checkpoint, the occluded test images, V1->V1 silenced at t = 2.
        var checkpoint = CheckpointFile.Read(Checkpoint("run"));
        var loaded = NetworkLoader.Parse(checkpoint.Metadata.Config);
        var test = DatasetCatalog.Load("fashion-mnist", w.Data, 0).Test;
        var backend = TestBackends.Get<float>(DeviceKind.Cpu);
        using var network = NetworkBuilder.Build(loaded, backend, checkpoint.Metadata.Seed);
        WeightLoader.Load(checkpoint, network);
        var stimulus = StimulusCondition.Parse("occlusion:0.3");
        var intact = Evaluator.Run(network, test, 500, stimulus);
        var lesioned = Evaluator.Run(network, test, 500, stimulus, LesionTable.Resolve(loaded.Graph, ["V1->V1@2"]));

        var root = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(root.GetProperty("schema").GetString(), Is.EqualTo("cortex-evaluation"));
            Assert.That(root.GetProperty("images").GetInt32(), Is.EqualTo(Workspace.TestImages));
            Assert.That(root.GetProperty("stimulus").GetString(), Is.EqualTo("occlusion:0.3"));
            Assert.That(root.GetProperty("lesions").EnumerateArray().Select(l => l.GetString()), Is.EqualTo(new[] { "lateral@2" }));
            var silenced = root.GetProperty("silenced")[0];
            Assert.That((silenced.GetProperty("projection").GetString(), silenced.GetProperty("steps")[0].GetInt32()), Is.EqualTo(("V1->V1", 2)));
            var steps = root.GetProperty("readouts")[0].GetProperty("steps").EnumerateArray().ToList();
            Assert.That(steps.Select(s => s.GetProperty("step").GetInt32()), Is.EqualTo(new[] { 1, 2 }));
            var pValues = new List<double>();
            for (int k = 0; k < 2; k++)
            {
                var step = steps[k];
                var l = step.GetProperty("lesioned");
                Assert.That(step.GetProperty("accuracy").GetDouble(), Is.EqualTo(intact.Readouts[0].Steps[k].Accuracy), $"intact at t = {k + 1}");
                Assert.That(l.GetProperty("accuracy").GetDouble(), Is.EqualTo(lesioned.Readouts[0].Steps[k].Accuracy), $"lesioned at t = {k + 1}");
                var correctIntact = Enumerable.Range(0, test.Count).Select(i => intact.Readouts[0].Predicted[k][i] == test.Labels[i]).ToArray();
                var correctLesioned = Enumerable.Range(0, test.Count).Select(i => lesioned.Readouts[0].Predicted[k][i] == test.Labels[i]).ToArray();
                var mcNemar = McNemarTest.Of(correctIntact, correctLesioned);
                Assert.That((l.GetProperty("b").GetInt64(), l.GetProperty("c").GetInt64(), l.GetProperty("p").GetDouble()), Is.EqualTo((mcNemar.B, mcNemar.C, mcNemar.PValue)));
                Assert.That(l.GetProperty("differencePoints").GetDouble(),
                    Is.EqualTo(100 * (intact.Readouts[0].Steps[k].Accuracy - lesioned.Readouts[0].Steps[k].Accuracy)).Within(1e-9), "intact − lesioned, in points");
                pValues.Add(mcNemar.PValue);
            }
            Assert.That(steps.Select(s => s.GetProperty("lesioned").GetProperty("pHolm").GetDouble()), Is.EqualTo(Holm.Adjust(pValues)));
            // At t = 1 the lateral projection reads V1's zero initial state: nothing to silence, so nothing changes.
            Assert.That(lesioned.Readouts[0].Predicted[0], Is.EqualTo(intact.Readouts[0].Predicted[0]));
            // At t = 2 it does: the lesioned network answers differently (its confidences change even where its classes do not).
            Assert.That(lesioned.Readouts[0].Confidence[1], Is.Not.EqualTo(intact.Readouts[0].Confidence[1]));
        });
    }

    [Test]
    public void TheTrainingStimulusIsRecordedAndAChangedOneRefusedOnResume()
    {
        var (code, _, error) = Cli.Run(w.Train(null, "--name", "run", "--epochs", "2", "--train-stimulus", "noise:0.2+first-1-then-mask+mask:noise"));
        Assert.That(code, Is.EqualTo(0), error);
        var checkpoint = CheckpointFile.Read(Checkpoint("run"));
        Assert.That(checkpoint.Metadata.Properties["train_stimulus"], Is.EqualTo("noise:0.2+first-1-then-mask+mask:noise"));
        Assert.That(File.ReadAllText(Path.Combine(w.Out, "run", "config.yaml")), Does.Contain("presentation: first-1-then-mask"), "the presentation is the network's");
        Assert.That(checkpoint.Metadata.Config, Does.Contain("presentation: first-1-then-mask"));
        var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(w.Out, "run", "run.json"))).RootElement;
        Assert.That(run.GetProperty("settings").GetProperty("train_stimulus").GetString(), Is.EqualTo("noise:0.2+first-1-then-mask+mask:noise"), "run.json records it too");

        (code, _, error) = Cli.Run(w.Train(null, "--resume", Checkpoint("run"), "--epochs", "3", "--train-stimulus", "occlusion:0.3+first-1-then-mask+mask:noise"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("--train-stimulus: noise:0.2+first-1-then-mask+mask:noise → occlusion:0.3+first-1-then-mask+mask:noise"));
        (code, _, error) = Cli.Run(w.Train(null, "--resume", Checkpoint("run"), "--epochs", "3", "--allow-changes"));
        Assert.That(code, Is.EqualTo(0), error);

        // Eval without --test-stimulus shows clean images, over time as the network was trained: the mask after step 1.
        (code, var output, error) = Cli.Run("eval", Checkpoint("run"), "--data", w.Data, "--device", "cpu");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("stimulus: first-1-then-mask+mask:noise; presentation: first-1-then-mask"));
        (code, output, error) = Cli.Run("eval", Checkpoint("run"), "--data", w.Data, "--device", "cpu", "--test-stimulus", "every-step");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("stimulus: every-step; presentation: every-step"));
    }

    [Test]
    public void ACleanRunRecordsACleanStimulusAndARunWithOneIsADifferentRun()
    {
        var (code, _, error) = Cli.Run(w.Train(null, "--name", "clean"));
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(CheckpointFile.Read(Checkpoint("clean")).Metadata.Properties["train_stimulus"], Is.EqualTo("clean"));
        (code, _, error) = Cli.Run(w.Train(null, "--resume", Checkpoint("clean"), "--epochs", "2", "--train-stimulus", "occlusion:0.3"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("--train-stimulus: clean → occlusion:0.3"));
    }
}
