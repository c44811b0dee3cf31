using System.Text.Json;
using Cortex.Experiments.Reports;
using Cortex.Tests.Datasets;
using Spectre.Console;

namespace Cortex.Tests.Reports;

public sealed class ReportTests
{
    private TinyData folder = null!;

    [SetUp]
    public void Create() => folder = new TinyData();

    [TearDown]
    public void Delete() => folder.Dispose();

    private static MetricsLog Sample()
    {
        var log = new MetricsLog("blt");
        log.AddSteps(1, "test", "accuracy", [(1, 0.5), (2, 0.75)]);
        log.Add(1, "train", null, "images/s", 1234.5);
        log.Add(2, "test", 1, "a,b \"quoted\"", 0.1);
        return log;
    }

    [Test]
    public void CsvHasOneRowPerEpochStepAndMetric()
    {
        Assert.That(Sample().ToCsv(), Is.EqualTo(
            "epoch,split,t,metric,value\n" +
            "1,test,1,accuracy,0.5\n" +
            "1,test,2,accuracy,0.75\n" +
            "1,train,,images/s,1234.5\n" +
            "2,test,1,\"a,b \"\"quoted\"\"\",0.1\n"));
    }

    [Test]
    public void JsonHoldsTheSameRecords()
    {
        using var json = JsonDocument.Parse(Sample().ToJson());
        Assert.That(json.RootElement.GetProperty("run").GetString(), Is.EqualTo("blt"));
        var metrics = json.RootElement.GetProperty("metrics");
        Assert.That(metrics.GetArrayLength(), Is.EqualTo(4));
        var second = metrics[1];
        Assert.That(second.GetProperty("epoch").GetInt32(), Is.EqualTo(1));
        Assert.That(second.GetProperty("split").GetString(), Is.EqualTo("test"));
        Assert.That(second.GetProperty("t").GetInt32(), Is.EqualTo(2));
        Assert.That(second.GetProperty("metric").GetString(), Is.EqualTo("accuracy"));
        Assert.That(second.GetProperty("value").GetDouble(), Is.EqualTo(0.75));
        Assert.That(metrics[2].GetProperty("t").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }

    [Test]
    public void PerStepPicksTheLastEpochByDefault()
    {
        var log = Sample();
        log.AddSteps(3, "test", "accuracy", [(1, 0.6), (2, 0.8), (3, 0.9)]);
        Assert.That(log.PerStep("test", "accuracy"), Is.EqualTo(new[] { 0.6, 0.8, 0.9 }));
        Assert.That(log.PerStep("test", "accuracy", epoch: 1), Is.EqualTo(new[] { 0.5, 0.75 }));
        Assert.That(log.PerStep("validation", "accuracy"), Is.Empty);
    }

    [Test]
    public void RunFolderWritesConfigEnvironmentAndMetrics()
    {
        var run = RunFolder.CreateNew(folder.Directory, "blt-seed1");
        Assert.That(run.Path, Is.EqualTo(Path.Combine(folder.Directory, "blt-seed1")));
        var environment = RunEnvironment.Capture("cpu (2 threads)", seed: 1, repository: folder.Directory);
        Assert.That(environment.Commit, Is.EqualTo("unknown"), "a folder outside any repository has no commit");
        run.WriteRun("name: blt\n", environment);
        run.WriteMetrics(Sample());
        Assert.That(File.ReadAllText(run.ConfigFile), Is.EqualTo("name: blt\n"));
        using var json = JsonDocument.Parse(File.ReadAllText(run.RunFile));
        Assert.That(json.RootElement.GetProperty("config").GetString(), Is.EqualTo("name: blt\n"));
        var env = json.RootElement.GetProperty("environment");
        Assert.That(env.GetProperty("device").GetString(), Is.EqualTo("cpu (2 threads)"));
        Assert.That(env.GetProperty("seed").GetInt32(), Is.EqualTo(1));
        Assert.That(env.GetProperty("dotNet").GetString(), Does.StartWith(".NET"));
        Assert.That(env.GetProperty("machine").GetString(), Is.Not.Empty);
        Assert.That(File.ReadAllText(run.MetricsCsv), Is.EqualTo(Sample().ToCsv()));
        Assert.That(File.ReadAllText(run.MetricsJson), Is.EqualTo(Sample().ToJson()));
        Assert.That(Directory.GetFiles(run.Path).Select(Path.GetFileName).Order(),
            Is.EqualTo(new[] { "config.yaml", "history.jsonl", "metrics.csv", "metrics.json", "run.json" }), "no temporary files stay behind");
        Assert.Throws<RunFolderError>(() => RunFolder.CreateNew(folder.Directory, "../escape"));
    }

    [Test]
    public void MetricsCsvReadsBackWhatWasWritten()
    {
        var log = Sample();
        log.Add(2, "test, occluded", null, "say \"hi\"", double.NaN);
        string path = folder.PathOf("metrics.csv");
        log.WriteCsv(path);
        Assert.That(MetricsLog.ReadCsv(path), Is.EqualTo(log.Records));

        File.AppendAllText(path, "3,test,1,accur");
        Assert.That(MetricsLog.ReadCsv(path), Is.EqualTo(log.Records), "a row torn by a kill is dropped");

        File.WriteAllText(path, "epoch,split,t,metric,value\n1,test,1,accuracy,0.5\n1,test,x,accuracy,0.5\n");
        Assert.That(Assert.Throws<RunFolderError>(() => MetricsLog.ReadCsv(path))!.Message, Does.StartWith($"{path}:3: not a metrics row"));
    }

    [Test]
    public void AppendedRowsReachTheFileAsTheyAreAdded()
    {
        string path = folder.PathOf("live/metrics.csv");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var log = new MetricsLog("live");
        log.AppendTo(path);
        log.Add(1, "train", null, "loss", 2.5);
        Assert.That(File.ReadAllText(path), Is.EqualTo("epoch,split,t,metric,value\n1,train,,loss,2.5\n"));
        log.AddSteps(1, "test", "accuracy", [(1, 0.25), (2, 0.5)]);
        Assert.That(MetricsLog.ReadCsv(path), Is.EqualTo(log.Records));
    }

    [TestCase("blt-seed1", null)]
    [TestCase("", "is empty")]
    [TestCase(" x", "starts or ends with a space")]
    [TestCase("..", "is not a folder name")]
    [TestCase(".hidden", "starts with '.'")]
    [TestCase("a/b", "contains a slash")]
    [TestCase("a\\b", "contains a slash")]
    [TestCase("a\tb", "contains a control character")]
    public void RunNamesAreOneFolderName(string name, string? problem)
    {
        if (problem is null) Assert.That(RunFolder.NameProblem(name), Is.Null);
        else Assert.That(RunFolder.NameProblem(name), Does.StartWith(problem));
    }

    [Test]
    public void DefaultNamesAreMadeSafeFromAnyNetworkName()
    {
        var at = new DateTime(2026, 12, 2, 19, 55, 3, DateTimeKind.Utc);
        Assert.That(RunFolder.DefaultName("blt", at), Is.EqualTo("blt-20261202-195503"));
        Assert.That(RunFolder.DefaultName("a/b", at), Is.EqualTo("a-b-20261202-195503"));
        Assert.That(RunFolder.DefaultName("../..", at), Is.EqualTo("run-20261202-195503"));
        Assert.That(RunFolder.DefaultName(new string('n', 300), at), Has.Length.EqualTo(60 + 16));
        Assert.That(RunFolder.NameProblem(RunFolder.DefaultName("ä/\t..", at)), Is.Null);
        Assert.That(RunFolder.NameProblem(new string('x', RunFolder.MaxNameLength + 1)), Does.Contain("the limit is 100"));
    }

    [Test]
    public void GitCommitIsFoundInsideARepository()
    {
        string commit = RunEnvironment.GitCommit(TestContext.CurrentContext.TestDirectory);
        if (commit == "unknown") Assert.Ignore("the tests are not running inside a git checkout (or git is missing)");
        Assert.That(commit, Does.Match("^[0-9a-f]{40}$"));
    }

    [Test]
    public void AccuracyPlotIsWrittenAsPngAndSvg()
    {
        string png = folder.PathOf("plots/accuracy.png"), svg = folder.PathOf("plots/accuracy.svg");
        AccuracyPlot.Save([new AccuracyCurve("B", [(1, 0.61), (2, 0.70), (3, 0.72), (4, 0.74)]), new AccuracyCurve("BLT", [(1, 0.55), (2, 0.79), (3, 0.86), (4, 0.88)])], png, svg);
        var pngBytes = File.ReadAllBytes(png);
        Assert.That(pngBytes.Length, Is.GreaterThan(1000));
        Assert.That(pngBytes[..4], Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }));
        string svgText = File.ReadAllText(svg);
        Assert.That(svgText, Does.Contain("<svg").And.Contain("BLT"));
        Assert.Throws<ArgumentException>(() => AccuracyPlot.Create([]));
    }

    [Test]
    public void PlainProgressPrintsPeriodicLines()
    {
        var output = new StringWriter();
        var now = TimeSpan.Zero;
        var progress = TrainingProgress.Plain("B", epochs: 2, imagesPerEpoch: 1000, output, () => now);
        progress.Update(1, 0, 2.3, 0.1);
        now = TimeSpan.FromSeconds(4);
        progress.Update(1, 400, 1.1, 0.6);
        Assert.That(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(1), "no second line within 10 s");
        now = TimeSpan.FromSeconds(10);
        progress.Update(1, 1000, 0.8, 0.7);
        Assert.That(progress.ImagesPerSecond, Is.EqualTo(100));
        Assert.That(progress.Remaining, Is.EqualTo(TimeSpan.FromSeconds(10)));
        progress.Line("epoch 1: test accuracy 71.0%");
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(3));
        Assert.That(lines[1].TrimEnd(), Is.EqualTo("B  epoch 1/2  1,000/2,000 (50%)  loss 0.800  acc 70.0%  100 img/s  left 0:10"));
        Assert.That(lines[2].TrimEnd(), Is.EqualTo("epoch 1: test accuracy 71.0%"));
    }

    [Test]
    public void LiveProgressRendersOnAnInteractiveConsole()
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(writer),
        });
        int result = TrainingProgress.Run("training B", 1, 100, progress =>
        {
            for (int i = 1; i <= 4; i++) progress.Update(1, 25 * i, 1.0 / i, 0.2 * i);
            progress.Line("done");
            return 7;
        }, console);
        Assert.That(result, Is.EqualTo(7));
        Assert.That(writer.ToString(), Does.Contain("training B").And.Contain("epoch 1/1"));
        Assert.That(writer.ToString(), Does.Contain("done"));
    }
}
