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

/// <summary>The CORnet configs against the published models (dicarlolab/CORnet: cornet_rt.py, cornet_z.py), layer by layer.</summary>
public sealed class CornetTests
{
    // CORnet-RT: each CORblock_RT(in, out) has conv_input (in·out·k² weights + out bias), GroupNorm(32, out) (2·out), conv1
    // (out·out·9, no bias) and another GroupNorm (2·out); the decoder is Linear(512, 1000).
    //   V1 (3 → 64, k 7):    9,408 + 64 + 128 + 36,864 + 128          =    46,592
    //   V2 (64 → 128, k 3):  73,728 + 128 + 256 + 147,456 + 256       =   221,824
    //   V4 (128 → 256):      294,912 + 256 + 512 + 589,824 + 512      =   886,016
    //   IT (256 → 512):      1,179,648 + 512 + 1,024 + 2,359,296 + 1,024 = 3,541,504
    //   decoder:             512,000 + 1,000                          =   513,000
    //   total 5,208,936; synapses (the convolutions' weights) 4,691,136.
    // CORnet-Z: each CORblock_Z(in, out) is conv (in·out·k² + out) → ReLU → MaxPool(3, 2, 1); decoder Linear(512, 1000).
    //   V1 9,472; V2 73,856; V4 295,168; IT 1,180,160; decoder 513,000 → total 2,071,656; synapses 1,557,696.
    [TestCase("cornet-rt", 5_208_936L, 4_691_136L)]
    [TestCase("cornet-z", 2_071_656L, 1_557_696L)]
    public void ParameterCountsAreThePublishedModels(string name, long parameters, long synapses)
    {
        var ledger = Networks.Config(name).Ledger;
        Assert.That(ledger.Parameters, Is.EqualTo(parameters));
        Assert.That(ledger.Synapses, Is.EqualTo(synapses));
    }

    [Test]
    public void CornetRtLayersHaveThePublishedShapesAndTiming()
    {
        var ledger = Networks.Config("cornet-rt").Ledger;
        Assert.That(ledger.Areas.Select(a => a.Shape.ToString()), Is.EqualTo(new[] { "[64, 56, 56]", "[128, 28, 28]", "[256, 14, 14]", "[512, 7, 7]" }));
        Assert.That(ledger.Areas.Select(a => a.Kind), Is.All.EqualTo("cornet-rt"));
        Assert.That(ledger.Areas.Select(a => a.FirstInputStep), Is.EqualTo(new int?[] { 1, 2, 3, 4 }), "one area per step, as CORnet_RT.forward");
        Assert.That(ledger.Readouts.Single().Steps, Is.EqualTo(new[] { 5 }), "times = 5: the decoder reads IT at the last step");
    }

    [Test]
    public void CornetZPoolsAsThePublishedBlocks()
    {
        var loaded = Networks.Config("cornet-z");
        // The conv outputs of V1..IT are 112, 56, 28, 14; each block's 3×3 stride-2 padding-1 max pool halves them, the last one
        // before the decoder: 14 → 7.
        Assert.That(loaded.Ledger.Areas.Select(a => a.Shape.ToString()), Is.EqualTo(new[] { "[64, 112, 112]", "[128, 56, 56]", "[256, 28, 28]", "[512, 14, 14]" }));
        Assert.That(loaded.Ledger.Projections.Skip(1).Select(p => p.Connectivity), Is.All.EqualTo("conv 3×3 maxpool 3×3 s2 p1"));
        Assert.That(loaded.Ledger.Readouts.Single().Describe, Does.StartWith("maxpool 3×3 s2 p1 then global average → 1000 classes"));
    }
}
