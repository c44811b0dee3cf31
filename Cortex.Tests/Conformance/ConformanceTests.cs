using Cortex.Areas.Activations;
using Cortex.Areas.Dynamics;
using Cortex.Areas.Modes;
using Cortex.Areas.Norms;
using Cortex.Areas.Options;
using Cortex.Areas.Projections;
using Cortex.Areas.Readouts;
using Cortex.Connectivity;
using Cortex.Connectivity.Reading;
using Cortex.Connectivity.Spec;
using Cortex.Core.Backends;
using Cortex.Core.Checking;
using Cortex.Tests.Connectivity;
using Cortex.Tests.Infrastructure;
using Cortex.Tests.Simulation;

namespace Cortex.Tests.Conformance;

/// <summary>
/// The generic tests over <see cref="KindCatalogue"/>: every registered word has an entry whose networks use it;
/// backpropagation through time matches finite differences (double precision, every backend); ILGPU agrees with the
/// CPU path; every area kind matches its plain reference; each invalid spec fails with its message; YAML round-trips;
/// and the gradient checker itself rejects a wrong backward.
/// </summary>
public sealed class ConformanceTests
{
    /// <summary>Each registry with the key its words are written under.</summary>
    private static readonly (string Family, string Key, IReadOnlyList<string> Words)[] Registries =
    [
        (AreaKinds.All.Family, "kind", AreaKinds.All.Words), (ProjectionKinds.All.Family, "connectivity", ProjectionKinds.All.Words),
        (ProjectionModes.All.Family, "mode", ProjectionModes.All.Words), (NormKinds.All.Family, "norm", NormKinds.All.Words),
        (ActivationFunctions.All.Family, "activation", ActivationFunctions.All.Words), (ReadoutKinds.All.Family, "kind", ReadoutKinds.All.Words),
        (ProjectionTypes.All.Family, "type", ProjectionTypes.All.Words),
    ];

    [Test]
    public void EveryRegisteredWordHasAnEntryWhoseNetworksUseIt()
    {
        Assert.Multiple(() =>
        {
            foreach (var (family, key, words) in Registries)
                foreach (var word in words)
                {
                    var entry = KindCatalogue.Entries.SingleOrDefault(e => e.Family == family && e.Word == word);
                    Assert.That(entry, Is.Not.Null, $"{family} '{word}' has no catalogue entry");
                    if (entry is null) continue;
                    Assert.That(entry.Networks, Is.Not.Empty, $"{entry}: no network uses it");
                    foreach (var name in entry.Networks)
                        Assert.That(NetworkWriter.Write(NetworkLoader.Parse(KindCatalogue.Networks[name], name + ".yaml").Spec), Does.Contain($" {key}: {word}"),
                            $"{entry}: network {name} does not use it");
                }
            Assert.That(KindCatalogue.Entries.Select(e => (e.Family, e.Word)), Is.Unique);
        });
    }

    /// <summary>The configuration reference names every registered word and every key a kind reads, so a new kind is not done until it is documented.</summary>
    [Test]
    public void TheConfigReferenceDocumentsEveryWordAndKey()
    {
        string page = File.ReadAllText(Path.Combine(Networks.RepoRoot(), "docs", "config-reference.md"));
        IEnumerable<(string Owner, IReadOnlyList<OptionKey> Keys)> keyed =
        [
            .. AreaKinds.All.Select(k => ($"area kind {k.Word}", k.Keys)), .. ProjectionKinds.All.Select(k => ($"connectivity {k.Word}", k.Keys)),
            .. NormKinds.All.Select(k => ($"norm {k.Word}", k.Keys)), .. ReadoutKinds.All.Select(k => ($"readout kind {k.Word}", k.Keys)),
        ];
        Assert.Multiple(() =>
        {
            foreach (var (family, _, words) in Registries)
                foreach (var word in words)
                    Assert.That(page, Does.Contain($"`{word}`"), $"{family} '{word}' is not in docs/config-reference.md");
            foreach (var (owner, keys) in keyed)
                foreach (var key in keys)
                    Assert.That(page, Does.Contain($"`{key.Name}`"), $"{owner}: key '{key.Name}' is not in docs/config-reference.md");
        });
    }

    private static IEnumerable<string> NetworkNames() => KindCatalogue.Networks.Keys;

    private static IEnumerable<TestCaseData> OnEveryBackend() =>
        from kind in TestBackends.All
        from name in NetworkNames()
        select new TestCaseData(kind, name).SetArgDisplayNames(kind.ToString(), name);

    private static IEnumerable<TestCaseData> OnIlgpu() =>
        from kind in TestBackends.Ilgpu
        from name in NetworkNames()
        select new TestCaseData(kind, name).SetArgDisplayNames(kind.ToString(), name);

    /// <summary>Backpropagation through time against central finite differences, every parameter and the image, through every readout.</summary>
    [TestCaseSource(nameof(OnEveryBackend))]
    public void BackpropagationThroughTimeMatchesFiniteDifferences(DeviceKind kind, string name)
        => NetworkHarness.CheckGradients(kind, KindCatalogue.Networks[name]);

    /// <summary>ILGPU's kernels give the CPU path's logits and gradients in float.</summary>
    [TestCaseSource(nameof(OnIlgpu))]
    public void IlgpuAgreesWithTheCpuPathInFloat(DeviceKind kind, string name)
    {
        var yaml = KindCatalogue.Networks[name];
        var image = Data.Random(3 * NetworkHarness.InputSize(NetworkHarness.Build(TestBackends.Get<double>(DeviceKind.Cpu), yaml)), 4);
        var (cpuLogits, cpuGradients) = Run(TestBackends.Get<float>(DeviceKind.Cpu), yaml, image);
        var (logits, gradients) = Run(TestBackends.Get<float>(kind), yaml, image);
        double tolerance = TestBackends.AgreementTolerance<float>();
        Data.AssertClose(logits, cpuLogits, tolerance, "logits");
        foreach (var (parameter, values) in gradients) Data.AssertClose(values, cpuGradients[parameter], tolerance * 10, parameter);
    }

    private static (double[] Logits, Dictionary<string, double[]> Gradients) Run(IBackend<float> backend, string yaml, double[] image)
    {
        using var net = NetworkHarness.Build(backend, yaml, seed: 8);
        var logits = NetworkHarness.Outputs(net.Forward(Data.Cast<float>(image), 3, training: true));
        var dLogits = net.Readouts.Select((r, i) =>
        {
            var d = backend.Allocate(new Cortex.Core.Tensors.Shape(r.Steps.Count, 3, r.Classes));
            d.CopyFrom(Data.Cast<float>(Data.Random(d.Length, 20 + i)));
            return d;
        }).ToList();
        net.ZeroGradients();
        net.Backward(dLogits, inputGradient: true);
        var gradients = net.Parameters.ToDictionary(p => p.Name, p => Data.Read(p.Gradient));
        gradients["input"] = Data.Read(net.InputGradient);
        foreach (var d in dLogits) d.Dispose();
        return (logits, gradients);
    }

    /// <summary>Every area's state at every step, against the plain reference of its kind given what it received (CPU, double, training mode).</summary>
    [TestCaseSource(nameof(NetworkNames))]
    public void EveryAreaMatchesTheReferenceOfItsKind(string name)
    {
        var yaml = KindCatalogue.Networks[name];
        var loaded = NetworkLoader.Parse(yaml, name + ".yaml");
        var backend = TestBackends.Get<double>(DeviceKind.Cpu);
        using var net = NetworkHarness.Build(backend, yaml);
        NetworkHarness.Upload(net, NetworkHarness.RandomParameters(net, 13));
        const int batch = 3;
        net.Forward(Data.Random(batch * NetworkHarness.InputSize(net), 7), batch, training: true);
        var parameters = net.Parameters.ToDictionary(p => p.Name, p => Data.Read(p.Value));
        foreach (var node in loaded.Graph.Areas)
        {
            var memory = net.Simulator!.Areas[node.Index - 1];
            for (int t = 1; t <= loaded.Spec.Time.Steps; t++)
            {
                var inputs = new AreaReferences.StepInputs(node.Name, node.Shape.Dimensions, batch, [.. memory.Inputs.Select(i => Data.Read(i[t]))],
                    Data.Read(memory.State[t - 1]), parameters, t, loaded.Spec.Time.Dt, loaded.Graph.ModesInto(node), node.Model!.Context.DriveAt[t],
                    loaded.Spec.WeightCopyAt(t));
                var expected = AreaReferences.Step(node.Area!.Options, inputs);
                Data.AssertClose(Data.Read(memory.State[t]), expected, 1e-9, $"{name}: {node.Name} ({node.Area.Kind.Word}) at t = {t}");
            }
        }
    }

    private static IEnumerable<TestCaseData> InvalidSpecs() =>
        KindCatalogue.Entries.SelectMany(e => e.Invalid.Select((x, i) => new TestCaseData(x.Yaml, x.Message).SetArgDisplayNames(e.Family, e.Word, $"{i}")));

    /// <summary>Each invalid spec fails with its message, placed at a line and column of the file.</summary>
    [TestCaseSource(nameof(InvalidSpecs))]
    public void InvalidSpecsFailWithTheirMessage(string yaml, string message)
    {
        var errors = Networks.Errors(yaml, "invalid.yaml");
        Assert.That(errors, Has.Some.Contains(message));
        Assert.That(errors, Has.All.Match(@"^invalid\.yaml:\d+:\d+ "));
    }

    /// <summary>Written back with every default resolved and read again, a network is the same: the same text and the same ledger.</summary>
    [TestCaseSource(nameof(NetworkNames))]
    public void YamlRoundTrips(string name)
    {
        var first = NetworkLoader.Parse(KindCatalogue.Networks[name], name + ".yaml");
        var text = NetworkWriter.Write(first.Spec);
        var second = NetworkLoader.Parse(text, "written.yaml");
        Assert.Multiple(() =>
        {
            Assert.That(NetworkWriter.Write(second.Spec), Is.EqualTo(text));
            Assert.That(second.Ledger.Parameters, Is.EqualTo(first.Ledger.Parameters));
            Assert.That(second.Ledger.SynapticOpsPerStep, Is.EqualTo(first.Ledger.SynapticOpsPerStep));
            Assert.That(second.Ledger.EffectiveDepth, Is.EqualTo(first.Ledger.EffectiveDepth));
            Assert.That(second.Ledger.Memory(2).TotalBytes, Is.EqualTo(first.Ledger.Memory(2).TotalBytes));
        });
    }

    /// <summary>
    /// The checker can fail: an analytic gradient wrong by 1% in one element of one parameter, or one whose input
    /// gradient is dropped, is rejected (and the same networks pass with the true gradients, above).
    /// </summary>
    [TestCase("gated", 1.01, TestName = "TheGradientCheckRejectsAGradientOnePercentOff")]
    [TestCase("cornet-rt", 0.0, TestName = "TheGradientCheckRejectsAMissingGradient")]
    public void TheGradientCheckRejectsAWrongBackward(string name, double factor)
    {
        double[]?[] Corrupt(double[]?[] gradients)
        {
            var target = factor == 0 ? gradients.Length - 1 : Array.FindIndex(gradients, g => g is { } v && v.Any(x => Math.Abs(x) > 1e-3));
            var g = (double[])gradients[target]!.Clone();
            int i = Array.FindIndex(g, x => Math.Abs(x) > 1e-3);
            if (factor == 0) Array.Clear(g);
            else g[i] *= factor;
            gradients[target] = g;
            return gradients;
        }
        Assert.Throws<GradientCheckException>(() => NetworkHarness.CheckGradients(DeviceKind.Cpu, KindCatalogue.Networks[name], corrupt: Corrupt));
    }

    /// <summary>
    /// State gradients are not cleared before backward (each one's first contribution writes over it): with every state
    /// gradient set to NaN beforehand, the parameter and input gradients come out exactly as from clean memory.
    /// </summary>
    [TestCaseSource(nameof(NetworkNames))]
    public void StaleStateGradientsDoNotLeakIntoBackward(string name)
    {
        var backend = TestBackends.Get<double>(DeviceKind.Cpu);
        using var net = NetworkHarness.Build(backend, KindCatalogue.Networks[name]);
        NetworkHarness.Upload(net, NetworkHarness.RandomParameters(net, 11));
        var image = Data.Random(2 * NetworkHarness.InputSize(net), 5);
        var dLogits = net.Forward(image, 2, training: true).Select((l, i) =>
        {
            var d = backend.Allocate(l.Shape);
            d.CopyFrom(Data.Random(d.Length, 6 + i));
            return d;
        }).ToList();
        double[][] Gradients()
        {
            net.Forward(image, 2, training: true);
            net.ZeroGradients();
            net.Backward(dLogits, inputGradient: true);
            return [.. net.Parameters.Select(p => Data.Read(p.Gradient)), Data.Read(net.InputGradient)];
        }
        var clean = Gradients();
        foreach (var area in net.Simulator!.Areas) backend.Fill(area.DState.All, double.NaN);
        var stale = Gradients();
        for (int i = 0; i < clean.Length; i++)
            Assert.That(stale[i], Is.EqualTo(clean[i]), i < net.Parameters.Count ? net.Parameters[i].Name : "input");
        foreach (var d in dLogits) d.Dispose();
    }

    /// <summary>
    /// Checkpointing in time gives every kind exactly the gradients of storing every step, with the state gradients' ring
    /// filled with NaN first (a slot reused for another step must be written before it is read).
    /// </summary>
    [TestCaseSource(nameof(NetworkNames))]
    public void CheckpointingInTimeGivesTheSameGradients(string name)
    {
        var backend = TestBackends.Get<double>(DeviceKind.Cpu);
        double[][] Gradients(int keepEvery)
        {
            using var net = NetworkHarness.Build(backend, KindCatalogue.Networks[name]);
            net.KeepStatesEvery = keepEvery;
            NetworkHarness.Upload(net, NetworkHarness.RandomParameters(net, 11));
            var image = Data.Random(2 * NetworkHarness.InputSize(net), 5);
            var dLogits = net.Forward(image, 2, training: true).Select((l, i) =>
            {
                var d = backend.Allocate(l.Shape);
                d.CopyFrom(Data.Random(d.Length, 6 + i));
                return d;
            }).ToList();
            foreach (var area in net.Simulator!.Areas) backend.Fill(area.DState.All, double.NaN);
            net.ZeroGradients();
            net.Backward(dLogits, inputGradient: true);
            double[][] gradients = [.. net.Parameters.Select(p => Data.Read(p.Gradient)), Data.Read(net.InputGradient)];
            foreach (var d in dLogits) d.Dispose();
            return gradients;
        }
        using (var probe = NetworkHarness.Build(backend, KindCatalogue.Networks[name]))
        {
            probe.KeepStatesEvery = 1;
            if (!probe.Storage.Checkpointed) Assert.Ignore($"{name}: T = {probe.Steps} is too short for checkpointing in time");
        }
        var full = Gradients(0);
        var kept = Gradients(1);
        for (int i = 0; i < full.Length; i++) Assert.That(kept[i], Is.EqualTo(full[i]), $"{name}: gradient {i}");
    }
}
