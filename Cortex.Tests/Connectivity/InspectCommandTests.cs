using System.Text.Json;
using Cortex.Experiments.Cli;

using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Connectivity;

[NonParallelizable]
public sealed class InspectCommandTests
{
    private string _folder = "";

    [SetUp]
    public void MakeFolder() => Directory.CreateDirectory(_folder = Path.Combine(Path.GetTempPath(), "cortex-inspect-" + Guid.NewGuid().ToString("N")));

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_folder, recursive: true);

    private static (int Code, string Out, string Error) Run(params string[] args) => Cli.Run(args);

    private static string Config(string name) => Path.Combine(Networks.ConfigFolder, name + ".yaml");

    [Test]
    public void PrintsTheLedgerAndWritesThePicture()
    {
        string svg = Path.Combine(_folder, "blt.svg");
        var (code, output, error) = Run("inspect", Config("blt"), "--svg", svg, "--schedule");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("83,232").And.Contain("V2->V1").And.Contain("t=2   V1 ← image@2 feedforward"));
        Assert.That(output, Does.Contain($"picture: {svg}"));
        var picture = File.ReadAllText(svg);
        Assert.That(picture, Does.StartWith("<?xml").And.Contain("<svg"));
        foreach (var name in new[] { "image", "V1", "V2", "feedforward", "lateral", "feedback", "d=1" })
            Assert.That(picture, Does.Contain(name), $"the picture names {name}");
    }

    [Test]
    public void JsonHoldsTheLedger()
    {
        var (code, output, error) = Run("inspect", Config("bl"), "--json", "--svg", Path.Combine(_folder, "bl.svg"), "--batch", "2");
        Assert.That(code, Is.EqualTo(0), error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.That(root.GetProperty("network").GetString(), Is.EqualTo("bl"));
        Assert.That(root.GetProperty("synapses").GetInt64(), Is.EqualTo(64_800));
        Assert.That(root.GetProperty("effective_depth").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 2, 3, 4, 5 }));
        Assert.That(root.GetProperty("synaptic_ops_per_image").GetInt64(), Is.EqualTo(58_705_920));
        Assert.That(root.GetProperty("areas")[1].GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 64, 14, 14 }));
        Assert.That(root.GetProperty("projections")[1].GetProperty("type").GetString(), Is.EqualTo("lateral"));
        Assert.That(root.GetProperty("memory").GetProperty("batch").GetInt32(), Is.EqualTo(2));
        Assert.That(error, Does.Contain("picture:"), "messages go to standard error so that standard output stays JSON");
    }

    [Test]
    public void NoPictureUnlessAsked()
    {
        var old = Environment.CurrentDirectory;
        Environment.CurrentDirectory = _folder;
        try
        {
            var (code, output, error) = Run("inspect", Config("b"));
            Assert.That(code, Is.EqualTo(0), error);
            Assert.That(Directory.GetFiles(_folder), Is.Empty, "nothing is written to the current folder");
            Assert.That(output + error, Does.Not.Contain("picture:"));
        }
        finally { Environment.CurrentDirectory = old; }
    }

    /// <summary>The table, the JSON and the picture name the kinds, modes and norms a network uses.</summary>
    [Test]
    public void ShowsKindsModesAndNorms()
    {
        string file = Path.Combine(_folder, "kinds.yaml"), svg = Path.Combine(_folder, "kinds.svg");
        File.WriteAllText(file, Cortex.Tests.Conformance.KindCatalogue.Gated);
        var (code, output, error) = Run("inspect", file, "--svg", svg);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("gated").And.Contain("ConvGRU 3×3").And.Contain("per-step batch norm").And.Contain("group norm (2 groups)")
            .And.Contain("÷ divisive"));
        Assert.That(File.ReadAllText(svg), Does.Contain("gated").And.Contain("÷"));
        (code, output, error) = Run("inspect", file, "--json");
        Assert.That(code, Is.EqualTo(0), error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.That(root.GetProperty("areas")[0].GetProperty("kind").GetString(), Is.EqualTo("gated"));
        Assert.That(root.GetProperty("areas")[1].GetProperty("computes").GetString(), Does.Contain("group norm (2 groups)"));
        Assert.That(root.GetProperty("projections")[2].GetProperty("mode").GetString(), Is.EqualTo("divisive"));
        Assert.That(root.GetProperty("areas")[0].GetProperty("synapses").GetInt64(), Is.EqualTo(2 * 4 + 3 * 36), "the gated area's own synapses");
    }

    [Test]
    public void ConfigErrorsAreListedWithoutAStackTrace()
    {
        string file = Path.Combine(_folder, "broken.yaml");
        File.WriteAllText(file, ReaderErrorTests.SeveralMistakes);
        var (code, output, error) = Run("inspect", file);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(output, Is.Empty);
        Assert.That(error, Does.StartWith("cortex: broken.yaml: 5 errors"));
        foreach (var at in new[] { "broken.yaml:8:5 ", "broken.yaml:14:17 ", "broken.yaml:15:25 ", "broken.yaml:16:5 ", "broken.yaml:16:40 " })
            Assert.That(error, Does.Contain(at));
        Assert.That(error, Does.Not.Contain("   at "));
        Assert.That(File.Exists(Path.Combine(_folder, "broken.svg")), Is.False);
    }

    [Test]
    public void ActiveStepsPrintAsRanges()
    {
        Assert.That(InspectCommand.Ranges([]), Is.EqualTo("never"));
        Assert.That(InspectCommand.Ranges([1, 2, 3, 5, 7, 8]), Is.EqualTo("1–3, 5, 7, 8"));
    }

    [Test]
    public void MissingFileAndBadBatch()
    {
        var (code, _, error) = Run("inspect", Path.Combine(_folder, "none.yaml"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("none.yaml:1:1 (document): cannot read the file").And.Not.Contain("   at "));
        (code, _, error) = Run("inspect", Config("b"), "--batch", "0");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("--batch must be positive, got 0"));
    }
}
