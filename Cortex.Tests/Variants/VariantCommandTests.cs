using Cortex.Connectivity;
using Cortex.Tests.Connectivity;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Variants;

/// <summary><c>cortex variant</c>: both ledgers side by side, a file that loads, and one line with exit code 2 for every mistake.</summary>
[NonParallelizable]
public sealed class VariantCommandTests
{
    private string _folder = "";

    [SetUp]
    public void MakeFolder() => Directory.CreateDirectory(_folder = Path.Combine(Path.GetTempPath(), "cortex-variant-" + Guid.NewGuid().ToString("N")));

    [TearDown]
    public void RemoveFolder() => Directory.Delete(_folder, recursive: true);

    private static string Config(string name) => Path.Combine(Networks.ConfigFolder, name + ".yaml");

    [Test]
    public void WritesTheFileAndPrintsBothLedgers()
    {
        string file = Path.Combine(_folder, "blt-deeper.yaml");
        var (code, output, error) = Cli.Run("variant", "deeper", Config("blt"), "-o", file);
        Assert.That(code, Is.EqualTo(0), error);
        Assert.Multiple(() =>
        {
            Assert.That(output, Does.Contain("blt-deeper: deeper variant of blt"));
            foreach (var row in new[] { "synapses", "parameters", "neurons", "MACs per image", "MACs per step at t = 1..T", "effective depth at t = 1..T" })
                Assert.That(output, Does.Contain(row));
            Assert.That(output, Does.Contain("69,543,936").And.Contain("130,959,360"), "MACs per image of both");
            Assert.That(output, Does.Contain("2 4 6 8").And.Contain("6 6 6 6"), "effective depth of both");
            Assert.That(output, Does.Contain("matched: synapses 83,232 against blt's 83,232: residual 0 (0.00%)"));
            Assert.That(output, Does.Contain($"wrote {file}"));
        });
        var loaded = NetworkLoader.Load(file);
        Assert.Multiple(() =>
        {
            Assert.That(loaded.Spec.Name, Is.EqualTo("blt-deeper"));
            Assert.That(loaded.Ledger.Synapses, Is.EqualTo(83_232));
            Assert.That(File.ReadAllText(file), Does.StartWith("# deeper variant of blt (blt.yaml): "));
        });
    }

    [Test]
    public void WithoutAnOutputFileTheNetworkGoesToStandardOutput()
    {
        var (code, output, error) = Cli.Run("variant", "tied-every-2", Config("bl"));
        Assert.That(code, Is.EqualTo(0), error);
        var loaded = NetworkLoader.Parse(output, "stdout.yaml");
        Assert.Multiple(() =>
        {
            Assert.That(loaded.Spec.Name, Is.EqualTo("bl-tied-every-2"));
            Assert.That(loaded.Ledger.Synapses, Is.EqualTo(2 * 64_800));
            Assert.That(error, Does.Contain("bl-tied-every-2: tied-every-k variant of bl").And.Contain("129,600"), "the ledgers go to standard error");
        });
    }

    [TestCase(new[] { "variant", "feedback-as-lateral", "bl" }, "cortex: feedback-as-lateral does not apply to bl: it has no feedback projections")]
    [TestCase(new[] { "variant", "widr", "blt" }, "cortex: unknown variant 'widr'; did you mean 'wider'?")]
    [TestCase(new[] { "variant", "feedforward", "blt", "--match", "macs" }, "cortex: --match applies to wider, larger-kernels, deeper, not to feedforward")]
    [TestCase(new[] { "variant", "wider", "blt", "--match", "neurons" }, "cortex: --match: unknown value 'neurons'")]
    [TestCase(new[] { "variant", "tied-every-k", "blt" }, "cortex: tied-every-k needs k")]
    [TestCase(new[] { "variant", "tied-every-2", "blt", "--k", "3" }, "cortex: --k 3 disagrees with tied-every-2")]
    [TestCase(new[] { "variant", "tied-every-k", "blt", "--k", "0" }, "cortex: --k must be a positive whole number, got 0")]
    [TestCase(new[] { "variant", "aux-heads", "blt", "--loss", "coarse-to-fine" }, "cortex: --loss: unknown value 'coarse-to-fine'")]
    [TestCase(new[] { "variant", "untied", "cornet-z" }, "cortex: untied does not apply to cornet-z: it has one step")]
    public void MistakesAreOneLineWithExitCodeTwo(string[] args, string message)
    {
        args[2] = Config(args[2]);
        var (code, output, error) = Cli.Run(args);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(2));
            Assert.That(error, Does.StartWith(message));
            Assert.That(error.TrimEnd(), Does.Not.Contain('\n'), "one line");
            Assert.That(output, Is.Empty, "nothing half-written");
        });
    }

    [Test]
    public void AuxHeadsWithFinalLossWritesHeadsThatAreEvaluatedOnly()
    {
        string file = Path.Combine(_folder, "heads.yaml");
        var (code, output, error) = Cli.Run("variant", "aux-heads", Config("v1-v2-v4-it"), "--loss", "final", "-o", file);
        Assert.That(code, Is.EqualTo(0), error);
        var loaded = NetworkLoader.Load(file);
        Assert.Multiple(() =>
        {
            Assert.That(loaded.Spec.Readouts.Select(r => $"{r.Name}:{r.Options.LossWeight}"),
                Is.EqualTo(new[] { "readout-V1:0", "readout-V2:0", "readout-V4:0", "readout-IT:1" }));
            Assert.That(output, Does.Contain("only readout-IT trained (final), the others evaluated with loss_weight 0"));
        });
    }
}
