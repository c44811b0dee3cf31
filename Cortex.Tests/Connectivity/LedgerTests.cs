using Cortex.Core.Backends;
using Cortex.Tests.Infrastructure;
using Cortex.Connectivity;
using Cortex.Connectivity.Graph;

namespace Cortex.Tests.Connectivity;

/// <summary>The ledger against numbers worked out by hand.</summary>
public sealed class LedgerTests
{
    // B: image [1,28,28] → V1 [32,28,28] → V2 [64,14,14], T = 4, synchronous, both conv 3×3.
    //   image→V1: weights 32·1·9 = 288;            MACs 288·28·28 = 225,792
    //   V1→V2 (maxpool 2, then conv at 14×14): weights 64·32·9 = 18,432; MACs 18,432·14·14 = 3,612,672
    //   neurons 32·784 + 64·196 = 25,088 + 12,544 = 37,632
    //   synapses 288 + 18,432 = 18,720 (shared: counted once)
    //   both projections active at every step: ops per step 225,792 + 3,612,672 = 3,838,464; per image ×4 = 15,353,856
    //   depth: V1 = 1, V2 = 2 at every step; untied twin 18,720·4 = 74,880
    //   other parameters: no area biases (both areas normalise); per-step norm γ, β: 2·32·4 + 2·64·4 = 768; readout 64·10 + 10 = 650 → 1,418
    [Test]
    public void LedgerOfB()
    {
        var ledger = Networks.Config("b").Ledger;
        Assert.That(ledger.Neurons, Is.EqualTo(37_632));
        Assert.That(ledger.Projections.Select(p => p.WeightsPerCopy), Is.EqualTo(new long[] { 288, 18_432 }));
        Assert.That(ledger.Projections.Select(p => p.MacsPerStep), Is.EqualTo(new long[] { 225_792, 3_612_672 }));
        Assert.That(ledger.Synapses, Is.EqualTo(18_720));
        Assert.That(ledger.SynapticOpsPerStep, Is.EqualTo(new long[] { 3_838_464, 3_838_464, 3_838_464, 3_838_464 }));
        Assert.That(ledger.SynapticOpsPerImage, Is.EqualTo(15_353_856));
        Assert.That(ledger.EffectiveDepth, Is.EqualTo(new int?[] { 2, 2, 2, 2 }));
        Assert.That(ledger.Areas.Select(a => a.FirstInputStep), Is.EqualTo(new int?[] { 1, 1 }));
        Assert.That(ledger.UntiedTwinSynapses, Is.EqualTo(74_880));
        Assert.That(ledger.OtherParameters, Is.EqualTo(1_418));
        Assert.That(ledger.Parameters, Is.EqualTo(20_138));
    }

    // BL adds two lateral 3×3 convolutions (delay 1):
    //   V1→V1: 32·32·9 = 9,216 weights, MACs 9,216·784 = 7,225,344
    //   V2→V2: 64·64·9 = 36,864 weights, MACs 36,864·196 = 7,225,344
    //   synapses 18,720 + 9,216 + 36,864 = 64,800
    //   t = 1: laterals read the zero initial state → inactive: 3,838,464
    //   t ≥ 2: 3,838,464 + 2·7,225,344 = 18,289,152; per image 3,838,464 + 3·18,289,152 = 58,705,920
    //   depth: V1(t) = t (image@t + 1, or V1@t−1 + 1); V2(t) = V1(t) + 1 → effective 2, 3, 4, 5
    //   untied twin: feedforward 18,720·4 + laterals 46,080·3 (active at t = 2..4) = 74,880 + 138,240 = 213,120
    [Test]
    public void LedgerOfBL()
    {
        var ledger = Networks.Config("bl").Ledger;
        Assert.That(ledger.Neurons, Is.EqualTo(37_632));
        Assert.That(ledger.Synapses, Is.EqualTo(64_800));
        Assert.That(ledger.SynapticOpsPerStep, Is.EqualTo(new long[] { 3_838_464, 18_289_152, 18_289_152, 18_289_152 }));
        Assert.That(ledger.SynapticOpsPerImage, Is.EqualTo(58_705_920));
        Assert.That(ledger.EffectiveDepth, Is.EqualTo(new int?[] { 2, 3, 4, 5 }));
        Assert.That(ledger.Areas[0].DepthPerStep, Is.EqualTo(new int?[] { 1, 2, 3, 4 }));
        Assert.That(ledger.UntiedTwinSynapses, Is.EqualTo(213_120));
        Assert.That(ledger.Projections.Single(p => p.Name == "V1->V1").ActiveSteps, Is.EqualTo(new[] { 2, 3, 4 }));
    }

    // BLT: feedback V2→V1 by transposed conv 3×3 ×2: weights 64·32·9 = 18,432, MACs 18,432·14·14 = 3,612,672.
    //   V1(t) = max(V1(t−1), V2(t−1)) + 1 and V2(t) = V1(t) + 1 → V1: 1, 3, 5, 7; V2: 2, 4, 6, 8.
    [Test]
    public void FeedbackDeepensFasterThanLateral()
    {
        var ledger = Networks.Config("blt").Ledger;
        Assert.That(ledger.Synapses, Is.EqualTo(64_800 + 18_432));
        Assert.That(ledger.EffectiveDepth, Is.EqualTo(new int?[] { 2, 4, 6, 8 }));
        Assert.That(ledger.SynapticOpsPerStep[1], Is.EqualTo(18_289_152 + 3_612_672));
    }

    // BL with tied weights: untied keeps T = 4 copies, tied-every-3 keeps ⌈4/3⌉ = 2; the untied twin is unchanged.
    [TestCase("untied", 4)]
    [TestCase("tied-every-3", 2)]
    [TestCase("shared", 1)]
    public void WeightTyingMultipliesSynapses(string tying, int copies)
    {
        var yaml = File.ReadAllText(Path.Combine(Networks.ConfigFolder, "bl.yaml")) + $"weight_tying: {tying}\n";
        var network = NetworkLoader.Parse(yaml, "bl.yaml");
        var ledger = network.Ledger;
        Assert.That(ledger.Synapses, Is.EqualTo(64_800L * copies));
        Assert.That(ledger.UntiedTwinSynapses, Is.EqualTo(213_120));
        Assert.That(network.Spec.WeightCopyAt(4), Is.EqualTo(tying == "untied" ? 3 : tying == "shared" ? 0 : 1));
    }

    // Memory for B at batch 2, 4 bytes a value, from what each part declares (T = 4; V1 N = 32·28·28 = 25,088; V2 N = 64·14·14 = 12,544):
    //   simulator, per image: image and its gradient 2·784 + label 1 = 1,569; per area state and state gradient 2·(T + 1)·N and
    //     one input T·N: 14·25,088 + 14·12,544 = 526,848; readout logits, probabilities, logit gradients 3·T·10 + image losses T = 124
    //   V1 and V2 (per-step batch norm): normalised T·N + norm scratch N + drive gradient N = 6·N → 150,528 + 75,264 = 225,792
    //   V1->V2 (max pool): the pooled source per step T·6,272 + its gradient scratch 6,272 = 31,360
    //   readout (global average): pooled features T·64 + their gradient scratch 64 = 320
    //   → 1,569 + 526,848 + 124 + 225,792 + 31,360 + 320 = 786,013 per image
    //   unbatched: batch statistics 2·T·(32 + 64) = 768; loss weights 2·T, coarse groups 10, the readout's total 1 = 19 → 787
    //   arena at batch 2: 2·786,013 + 787 = 1,572,813 values → 6,291,252 bytes
    //   parameters 20,138 → weights 80,552, gradients 80,552, two optimiser moments 161,104 → total 6,613,460
    [Test]
    public void MemoryEstimateOfB()
    {
        var memory = Networks.Config("b").Ledger.Memory(batch: 2);
        Assert.That(memory.StateBytes, Is.EqualTo(6_291_252));
        Assert.That(memory.WeightBytes, Is.EqualTo(80_552));
        Assert.That(memory.GradientBytes, Is.EqualTo(80_552));
        Assert.That(memory.OptimiserBytes, Is.EqualTo(161_104));
        Assert.That(memory.TotalBytes, Is.EqualTo(6_613_460));
    }

    private static IEnumerable<string> Configs() => Directory.GetFiles(Networks.ConfigFolder, "*.yaml").Select(Path.GetFileNameWithoutExtension).Order()!;

    /// <summary>The ledger's memory estimate is the arena's allocation, value for value, for every shipped network (at two batch sizes).</summary>
    [TestCaseSource(nameof(Configs))]
    public void TheMemoryEstimateIsWhatTheArenaAllocates(string name)
    {
        var loaded = Networks.Config(name);
        using var net = Cortex.Connectivity.Building.NetworkBuilder.Build(loaded, TestBackends.Get<float>(DeviceKind.Cpu), seed: 1);
        foreach (int batch in new[] { 1, 3 })
        {
            net.Reserve(batch);
            Assert.That(net.ArenaValues * sizeof(float), Is.EqualTo(loaded.Ledger.Memory(batch).StateBytes), $"{name} at batch {batch}");
        }
    }

    [Test]
    public void ScheduleSaysWhichStepEachProjectionReads()
    {
        var text = Networks.Config("blt").Schedule.ToString();
        Assert.That(text, Does.Contain("t=1   V1 ← image@1 feedforward, V1@0 lateral (zero initial state: inactive), V2@0 feedback (zero initial state: inactive)"));
        Assert.That(text, Does.Contain("t=3   V1 ← image@3 feedforward, V1@2 lateral, V2@2 feedback"));
        Assert.That(text, Does.Contain("t=3   V2 ← V1@3 feedforward, V2@2 lateral"));
    }

    [Test]
    public void DenseProjectionsNeedNoSpatialMatch()
    {
        // V1 [4, 6, 6] → dense → IT [10]: weights 10·144 = 1,440; with avgpool 2 first: 10·(4·3·3) = 360.
        string Net(string resample) => $$"""
            name: dense
            time: { steps: 2 }
            input: { shape: [1, 6, 6] }
            areas:
              - { name: V1, level: 1, shape: [4, 6, 6] }
              - { name: IT, level: 2, shape: [10] }
            projections:
              - { from: image, to: V1, type: feedforward }
              - { from: V1, to: IT, type: feedforward, connectivity: dense{{resample}} }
            readout: { from: IT, classes: 3 }
            """;
        Assert.That(NetworkLoader.Parse(Net("")).Ledger.Projections[1].WeightsPerCopy, Is.EqualTo(1_440));
        Assert.That(NetworkLoader.Parse(Net(", resample: avgpool")).Ledger.Projections[1].WeightsPerCopy, Is.EqualTo(360));
        Assert.That(NetworkLoader.Parse(Net("")).Graph.Readouts[0].Parameters, Is.EqualTo(10 * 3 + 3), "a vector area's readout takes all its units");
    }
}
