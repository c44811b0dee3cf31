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
        var ledger = network.Ledger;
        Assert.That(ledger.Synapses, Is.GreaterThan(0));
        Assert.That(ledger.EffectiveDepth[^1], Is.GreaterThan(0), "the readout is reached by the last step");
        Assert.That(network.Schedule.ToString(), Does.Contain("t=1"));
    }

    [Test]
    public void TheExpectedNetworksArePresent()
    {
        Assert.That(Files(), Is.SupersetOf(new[] { "b.yaml", "bl.yaml", "bt.yaml", "blt.yaml", "v1-v2-v4-it.yaml", "cornet-z.yaml", "cornet-rt.yaml" }));
    }

    [TestCase("config-reference.md")]
    [TestCase("time-semantics.md")]
    public void NetworksShownInTheDocsLoad(string page)
    {
        var text = File.ReadAllText(Path.Combine(Networks.RepoRoot(), "docs", page));
        var blocks = text.Split("```yaml").Skip(1).Select(b => b[..b.IndexOf("```", StringComparison.Ordinal)]).Where(b => b.Contains("areas:")).ToList();
        if (page == "config-reference.md") Assert.That(blocks, Is.Not.Empty);
        foreach (var yaml in blocks)
            Assert.DoesNotThrow(() => NetworkLoader.Parse(yaml, page), yaml);
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

/// <summary>The resolved YAML a run saves beside its results reads back to the same network.</summary>
public sealed class ResolvedConfigTests
{
    [TestCaseSource(typeof(ConfigFileTests), nameof(ConfigFileTests.Files))]
    public void WrittenSpecReadsBackTheSame(string file)
    {
        var first = NetworkLoader.Load(Path.Combine(Networks.ConfigFolder, file));
        string text = Cortex.Connectivity.Reading.NetworkWriter.Write(first.Spec);
        var second = NetworkLoader.Parse(text, "resolved.yaml");
        Assert.That(Cortex.Connectivity.Reading.NetworkWriter.Write(second.Spec), Is.EqualTo(text));
        var (a, b) = (first.Ledger, second.Ledger);
        Assert.That(b.Synapses, Is.EqualTo(a.Synapses));
        Assert.That(b.SynapticOpsPerStep, Is.EqualTo(a.SynapticOpsPerStep));
        Assert.That(b.EffectiveDepth, Is.EqualTo(a.EffectiveDepth));
        Assert.That(b.OtherParameters, Is.EqualTo(a.OtherParameters));
    }

    [Test]
    public void DefaultsAreWrittenOut()
    {
        var yaml = Networks.Chain("{ steps: 3, unroll: biological }", "  - { from: C, to: A, type: feedback, mode: multiplicative, resample: none }")
            .Replace("readout: { from: C, classes: 2 }", "readouts:\n  - { from: C, classes: 2, steps: [1, 3] }\n  - { from: B, classes: 4, steps: final, name: coarse }");
        string text = Cortex.Connectivity.Reading.NetworkWriter.Write(NetworkLoader.Parse(yaml).Spec);
        Assert.That(text, Does.Contain("{ name: 'A->B', from: 'A', to: 'B', type: feedforward, connectivity: conv, kernel: 3, stride: 1, padding: 1, resample: none, delay: 1, mode: additive, init: kaiming, gain: 1, sign: none }"));
        Assert.That(text, Does.Contain("{ name: 'image->A', from: 'image', to: 'A', type: feedforward,").And.Contain("delay: 0, mode: additive"));
        Assert.That(text, Does.Contain("type: feedback, connectivity: conv, kernel: 3, stride: 1, padding: 1, resample: none, delay: 1, mode: multiplicative"));
        Assert.That(text, Does.Contain("{ name: 'readout-C', from: 'C', kind: linear, classes: 2, steps: [1, 3], pooling: global-average, resample: none, loss_weight: 1 }"));
        Assert.That(text, Does.Contain("{ name: 'coarse', from: 'B', kind: linear, classes: 4, steps: final, pooling: global-average, resample: none, loss_weight: 1 }"));
        Assert.That(text, Does.Contain("tau: 1, tau_trainable: false, bias: true, initial_state: zero"));
    }
}
