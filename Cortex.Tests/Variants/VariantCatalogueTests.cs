using System.Diagnostics;
using Cortex.Connectivity;
using Cortex.Connectivity.Building;
using Cortex.Connectivity.Variants;
using Cortex.Core.Backends;
using Cortex.Core.Optimisers;
using Cortex.Core.Simulation;
using Cortex.Tests.Connectivity;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Variants;

/// <summary>
/// Every variant kind applied to every shipped network: where it applies, the variant validates, reads back from its own
/// file to the same ledger, builds on the CPU and takes one training step at batch 2 with a finite loss; where it does
/// not, it says why in one line naming the network. The largest variants take seconds per step on the CPU: their
/// training steps are explicit tests (<see cref="EveryRunMacs"/>).
/// </summary>
public sealed class VariantCatalogueTests
{
    /// <summary>The variants that do not apply, by "kind network", with a fragment of the reason each gives.</summary>
    private static readonly Dictionary<string, string> Refused = new()
    {
        ["feedforward b"] = "it has no lateral or feedback projections and no leaky areas, so it is feedforward already",
        ["feedforward cornet-z"] = "it has no lateral or feedback projections and no leaky areas, so it is feedforward already",
        ["feedforward cornet-rt"] = "V1, V2, V4, IT are kind cornet-rt, whose update reads the area's own past state through its own synapses",
        ["untied cornet-z"] = "it has one step (time.steps 1)",
        ["tied-every-k cornet-z"] = "with 1 step one block of 2 is the shared network itself",
        ["wider b"] = "feedforward already; there is no recurrent network to match",
        ["wider cornet-z"] = "feedforward already; there is no recurrent network to match",
        ["wider cornet-rt"] = "kind cornet-rt, whose update reads the area's own past state",
        ["larger-kernels b"] = "feedforward already; there is no recurrent network to match",
        ["larger-kernels cornet-z"] = "feedforward already; there is no recurrent network to match",
        ["larger-kernels cornet-rt"] = "kind cornet-rt, whose update reads the area's own past state",
        ["deeper b"] = "feedforward already; there is no recurrent network to match",
        ["deeper cornet-z"] = "feedforward already; there is no recurrent network to match",
        ["deeper cornet-rt"] = "kind cornet-rt, whose update reads the area's own past state",
        ["aux-heads cornet-rt"] = "kind cornet-rt, whose update reads the area's own past state",
        ["feedback-as-lateral b"] = "it has no feedback projections",
        ["feedback-as-lateral bl"] = "it has no feedback projections",
        ["feedback-as-lateral cornet-z"] = "it has no feedback projections",
        ["feedback-as-lateral cornet-rt"] = "it has no feedback projections",
        ["lateral-as-feedback b"] = "it has no lateral projections",
        ["lateral-as-feedback bt"] = "it has no lateral projections",
        ["lateral-as-feedback cornet-z"] = "it has no lateral projections",
        ["lateral-as-feedback cornet-rt"] = "it has no lateral projections",
        ["feedforward blt-gated"] = "V1, V2 are kind gated, whose update reads the area's own past state through its own synapses",
        ["feedforward cornet-rt-fashion"] = "V1, V2 are kind cornet-rt, whose update reads the area's own past state through its own synapses",
        ["wider blt-gated"] = "V1, V2 are kind gated, whose update reads the area's own past state through its own synapses",
        ["wider cornet-rt-fashion"] = "V1, V2 are kind cornet-rt, whose update reads the area's own past state through its own synapses",
        ["larger-kernels blt-gated"] = "V1, V2 are kind gated, whose update reads the area's own past state through its own synapses",
        ["larger-kernels cornet-rt-fashion"] = "V1, V2 are kind cornet-rt, whose update reads the area's own past state through its own synapses",
        ["deeper blt-gated"] = "V1, V2 are kind gated, whose update reads the area's own past state through its own synapses",
        ["deeper cornet-rt-fashion"] = "V1, V2 are kind cornet-rt, whose update reads the area's own past state through its own synapses",
        ["aux-heads blt-gated"] = "V1, V2 are kind gated, whose update reads the area's own past state through its own synapses",
        ["aux-heads cornet-rt-fashion"] = "V1, V2 are kind cornet-rt, whose update reads the area's own past state through its own synapses",
        ["feedback-as-lateral cornet-rt-fashion"] = "it has no feedback projections",
        ["lateral-as-feedback blt-gated"] = "it has no lateral projections",
        ["lateral-as-feedback cornet-rt-fashion"] = "it has no lateral projections",
    };

    /// <summary>
    /// The most MACs per image of a variant whose training step runs in every test run (under a second at batch 2 on
    /// the CPU). Larger variants — of v1-v2-v4-it with its recurrence kept (about 5·10⁸ MACs per image over 6 steps) and of
    /// the CORnets (224×224 colour images) — take seconds per step: their steps are explicit tests (run with
    /// <c>--filter "FullyQualifiedName~BuildsAndTakesATrainingStep"</c>), while every test run validates them, reads their
    /// files back and checks their ledgers.
    /// </summary>
    private const long EveryRunMacs = 250_000_000;

    /// <summary>The variants whose step is explicit: over <see cref="EveryRunMacs"/> (the guard in the test keeps this list honest).</summary>
    private static readonly string[] Slow =
    [
        "untied v1-v2-v4-it", "tied-every-k v1-v2-v4-it", "wider v1-v2-v4-it", "larger-kernels v1-v2-v4-it", "deeper v1-v2-v4-it",
        "feedback-as-lateral v1-v2-v4-it", "lateral-as-feedback v1-v2-v4-it", "untied cornet-rt", "tied-every-k cornet-rt", "aux-heads cornet-z",
    ];

    private static IEnumerable<string> Networks() => Directory.GetFiles(Connectivity.Networks.ConfigFolder, "*.yaml").Select(Path.GetFileNameWithoutExtension).Order()!;

    public static IEnumerable<TestCaseData> Every() =>
        from kind in VariantKinds.All from network in Networks() select new TestCaseData(kind.Word, network).SetArgDisplayNames(kind.Word, network);

    public static IEnumerable<TestCaseData> Applied() =>
        from kind in VariantKinds.All from network in Networks()
        let key = $"{kind.Word} {network}"
        where !Refused.ContainsKey(key)
        let data = new TestCaseData(kind.Word, network).SetArgDisplayNames(kind.Word, network)
        select Slow.Contains(key) ? data.Explicit($"over {EveryRunMacs:N0} MACs per image: seconds per step on the CPU") : data;

    /// <summary>tied-every-k is applied with k = 2; the others with their defaults.</summary>
    internal static Variant Apply(string kind, string network) =>
        VariantKinds.All[kind].Apply(Connectivity.Networks.Config(network), new VariantSettings { K = 2 });

    [TestCaseSource(nameof(Every))]
    public void AppliesWithAValidatedNetworkOrSaysWhyNot(string kind, string network)
    {
        if (Refused.TryGetValue($"{kind} {network}", out var reason))
        {
            var e = Assert.Throws<VariantNotApplicable>(() => Apply(kind, network))!;
            Assert.That(e.Message, Does.Contain(reason));
            Assert.That(e.Message, Does.StartWith($"{(kind == "tied-every-k" ? "tied-every-2" : kind)} does not apply to {network}: "));
            Assert.That(e.Message, Does.Not.Contain('\n'), "one line");
            return;
        }
        var variant = Apply(kind, network);
        var back = NetworkLoader.Parse(variant.Yaml, "variant.yaml");
        Assert.Multiple(() =>
        {
            Assert.That(variant.Spec.Name, Does.StartWith(network + "-"));
            Assert.That(variant.Changes, Is.Not.Empty, "a variant says what it changed");
            Assert.That(variant.Yaml, Does.StartWith($"# {kind} variant of {network} ({network}.yaml)"));
            Assert.That(back.Ledger.Synapses, Is.EqualTo(variant.Network.Ledger.Synapses), "the written file reads back to the same network");
            Assert.That(back.Ledger.SynapticOpsPerStep, Is.EqualTo(variant.Network.Ledger.SynapticOpsPerStep));
            Assert.That(back.Ledger.EffectiveDepth, Is.EqualTo(variant.Network.Ledger.EffectiveDepth));
            Assert.That(back.Ledger.Parameters, Is.EqualTo(variant.Network.Ledger.Parameters));
            if (variant.Match is { } m) Assert.That(m.Within, m.Describe(network));
        });
    }

    [TestCaseSource(nameof(Applied))]
    public void BuildsAndTakesATrainingStep(string kind, string network)
    {
        var variant = Apply(kind, network);
        if (!Slow.Contains($"{kind} {network}"))
            Assert.That(variant.Network.Ledger.SynapticOpsPerImage, Is.LessThanOrEqualTo(EveryRunMacs), "a step this large belongs in Slow");
        var backend = TestBackends.Get<float>(DeviceKind.Cpu);
        var clock = Stopwatch.StartNew();
        using var net = NetworkBuilder.Build(variant.Network, backend, seed: 5);
        const int batch = 2;
        int size = net.Program.InputShape.Aggregate(1, (a, d) => a * d);
        int classes = variant.Spec.Readouts.Min(r => r.Classes);
        using var optimiser = new AdamW<float>(net.Parameters);
        using var step = new TrainingStep<float>(net, optimiser);
        var outcome = step.Run(Data.Cast<float>(Data.Random(batch * size, 7, 0, 1)), batch, [1 % classes, 3 % classes], default, 1e-3);
        TestContext.Out.WriteLine($"{variant.Spec.Name}: loss {outcome.Loss:F4} in {clock.ElapsedMilliseconds} ms");
        Assert.Multiple(() =>
        {
            Assert.That(outcome.Taken, outcome.Failure);
            Assert.That(double.IsFinite(outcome.Loss) && outcome.Loss > 0, $"loss {outcome.Loss}");
            Assert.That(double.IsFinite(outcome.GradientNorm) && outcome.GradientNorm > 0, $"gradient norm {outcome.GradientNorm}");
            Assert.That(net.Parameters.Sum(p => (long)p.Value.Length), Is.EqualTo(variant.Network.Ledger.Parameters), "the parameters the ledger counts");
        });
    }

    [Test]
    public void EveryRegisteredKindIsCoveredAndEveryNetworkHasAVariant()
    {
        var applied = Every().Select(c => $"{c.Arguments[0]} {c.Arguments[1]}").Where(k => !Refused.ContainsKey(k)).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(Refused.Keys.Select(k => k.Split(' ')[0]).Distinct(), Is.SubsetOf(VariantKinds.All.Words), "refusals name registered kinds");
            foreach (var kind in VariantKinds.All.Words) Assert.That(applied.Any(a => a.StartsWith(kind + " ")), $"{kind} applies to some shipped network");
            foreach (var network in Networks()) Assert.That(applied.Any(a => a.EndsWith(" " + network)), $"some variant applies to {network}");
        });
    }
}
