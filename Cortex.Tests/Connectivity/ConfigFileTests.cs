using Cortex.Connectivity;
using Cortex.Connectivity.Validation;

namespace Cortex.Tests.Connectivity;

/// <summary>Every network file under configs/ loads and validates, so the examples cannot rot.</summary>
public sealed class ConfigFileTests
{
    public static IEnumerable<string> Files() =>
        Directory.EnumerateFiles(Networks.ConfigFolder, "*.yaml").Select(Path.GetFileName).Order()!;

    [TestCaseSource(nameof(Files))]
    public void LoadsAndValidatesWithoutWarnings(string file)
    {
        LoadedNetwork network;
        try { network = NetworkLoader.Load(Path.Combine(Networks.ConfigFolder, file)); }
        catch (ConfigErrors e) { Assert.Fail($"{file} has errors:\n{e.Message}"); return; }
        Assert.That(network.Warnings, Is.Empty, string.Join("\n", network.Warnings));
        var ledger = network.Ledger();
        Assert.That(ledger.Synapses, Is.GreaterThan(0));
        Assert.That(ledger.EffectiveDepth[^1], Is.GreaterThan(0), "the readout is reached by the last step");
        Assert.That(network.Schedule().ToString(), Does.Contain("t=1"));
    }

    [Test]
    public void TheExpectedNetworksArePresent()
    {
        Assert.That(Files(), Is.SupersetOf(new[] { "b.yaml", "bl.yaml", "bt.yaml", "blt.yaml", "v1-v2-v4-it.yaml", "cornet-z.yaml", "cornet-rt.yaml" }));
    }

    [TestCase("b", "Feedforward")]
    [TestCase("bl", "Feedforward,Lateral")]
    [TestCase("bt", "Feedback,Feedforward")]
    [TestCase("blt", "Feedback,Feedforward,Lateral")]
    public void TheSpoererFamilyDiffersOnlyInProjectionTypes(string name, string types)
    {
        var graph = Networks.Config(name).Graph;
        Assert.That(string.Join(",", graph.Projections.Select(p => p.Type.ToString()).Distinct().Order()), Is.EqualTo(types));
        Assert.That(graph.Areas.Select(a => $"{a.Name}{a.Shape}"), Is.EqualTo(new[] { "V1[32, 28, 28]", "V2[64, 14, 14]" }));
        Assert.That(graph.Readouts.Single().From.Name, Is.EqualTo("V2"));
    }
}
