using Cortex.Tests.Experiments;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Training;

[NonParallelizable]
public sealed class TrainCommandTests
{
    private Workspace w = null!;

    [SetUp]
    public void Create() => w = new Workspace();

    [TearDown]
    public void Delete() => w.Dispose();

    [Test]
    public void TrainWritesAReportAndEvalReadsItsCheckpoint()
    {
        var (code, output, error) = Cli.Run(w.Train(null, "--name", "run", "--loss", "every-step"));
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("test accuracy per time step").And.Contain("report:"));
        var run = Path.Combine(w.Out, "run");
        foreach (var file in new[] { "config.yaml", "run.json", "history.jsonl", "metrics.csv", "metrics.json", "accuracy-per-step.png", "accuracy-per-step.svg", "checkpoint.ckpt" })
            Assert.That(File.Exists(Path.Combine(run, file)), Is.True, file);
        Assert.That(File.ReadAllText(Path.Combine(run, "metrics.csv")), Does.Contain("test").And.Contain("accuracy"));
        Assert.That(output, Does.Contain("precision: convolutions fp32 (the CPU path computes in fp32) (the device's default)"));
        using (var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "run.json"))))
            Assert.That(json.RootElement.ToString(), Does.Contain("fp32 (the CPU path computes in fp32)"), "run.json says the precision");

        (code, output, error) = Cli.Run("eval", Path.Combine(run, "checkpoint.ckpt"), "--data", w.Data, "--device", "cpu", "--precision", "fp32");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("t = 2").And.Contain("early exit"));
        Assert.That(output, Does.Contain("precision: convolutions fp32 (the CPU path computes in fp32) (--precision)"));
    }

    [Test]
    public void ANetworkNameThatIsNoFolderNameGivesASafeRunFolder()
    {
        string network = w.Write("odd.yaml", Workspace.NetworkText.Replace("name: small", "name: \"../a/b[red]\""));
        var (code, output, error) = Cli.Run(w.Train(network));
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(Directory.GetDirectories(w.Out).Select(Path.GetFileName), Has.One.Match(@"^a-b-red--\d{8}-\d{6}$"));
        Assert.That(output, Does.Contain("../a/b[red]"), "the network keeps its name in the report");
    }

    [Test]
    public void NetworkFileErrorsAreListed()
    {
        var broken = w.Write("broken.yaml", "name: x\ntime: { steps: 2, unrol: synchronous }\n");
        var (code, _, error) = Cli.Run(w.Train(broken));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("broken.yaml:2").And.Contain("did you mean 'unroll'"));
        BadInputTests.AssertNoTrace(error);
    }
}
