using Cortex.Core.Backends;
using Cortex.Core.Optimisers;
using Cortex.Core.Simulation;
using Cortex.Tests.Connectivity;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Simulation;

/// <summary>
/// The modes of the training step: eager (host checks between phases), device-resident (the host's inputs staged first,
/// the finiteness checks on the device, one read at the end) and CUDA graphs (device-resident work captured once per
/// batch size and lesion, and replayed). Every mode must compute the same values — with masks shown and reads silenced
/// too; graphs themselves need a GPU (skipped here). Data-parallel steps run eagerly on every backend.
/// </summary>
public sealed class TrainingStepModeTests
{
    /// <summary>Two areas with a norm (per-step statistics and running averages), a lateral and a readout over every step.</summary>
    private const string Yaml = """
        name: modes
        time: { steps: 3 }
        input: { name: image, shape: [1, 5, 4] }
        areas:
          - { name: V1, level: 1, shape: [3, 5, 4], norm: per-step }
          - { name: V2, level: 2, shape: [2, 5, 4] }
        projections:
          - { from: image, to: V1, type: feedforward, kernel: 3 }
          - { from: V1, to: V1, type: lateral, kernel: 3 }
          - { from: V1, to: V2, type: feedforward, kernel: 3 }
        readout: { from: V2, classes: 3, steps: all }
        """;

    /// <summary>The same network shown the image at step 1 and a mask at steps 2 and 3.</summary>
    private const string MaskedYaml = """
        name: modes-masked
        time: { steps: 3 }
        input: { name: image, shape: [1, 5, 4], presentation: first-1-then-mask }
        areas:
          - { name: V1, level: 1, shape: [3, 5, 4], norm: per-step }
          - { name: V2, level: 2, shape: [2, 5, 4] }
        projections:
          - { from: image, to: V1, type: feedforward, kernel: 3 }
          - { from: V1, to: V1, type: lateral, kernel: 3 }
          - { from: V1, to: V2, type: feedforward, kernel: 3 }
        readout: { from: V2, classes: 3, steps: all }
        """;

    private static IEnumerable<TestCaseData> Optimisers()
    {
        foreach (var kind in TestBackends.Ilgpu)
            foreach (var (name, clip) in new[] { ("adamw", 0.0), ("adamw", 0.05), ("sgd", 0.0) })
                yield return new TestCaseData(kind, name, clip).SetArgDisplayNames(kind.ToString(), name, $"clip {clip}");
    }

    [TestCaseSource(nameof(Optimisers))]
    public void DeviceResidentStepsEqualEagerStepsBitForBit(DeviceKind kind, string optimiser, double clip)
    {
        var eager = Train(kind, StepMode.Eager, optimiser, clip, steps: 3);
        var resident = Train(kind, StepMode.DeviceResident, optimiser, clip, steps: 3);
        Assert.That(resident.Modes, Is.All.EqualTo(StepMode.DeviceResident));
        Assert.That(eager.Modes, Is.All.EqualTo(StepMode.Eager));
        Assert.That(resident.Losses, Is.EqualTo(eager.Losses), "losses");
        Assert.That(resident.Norms, Is.EqualTo(eager.Norms), "gradient norms");
        Assert.That(resident.StepCount, Is.EqualTo(eager.StepCount));
        for (int i = 0; i < eager.Parameters.Length; i++)
            Assert.That(resident.Parameters[i], Is.EqualTo(eager.Parameters[i]), $"parameter {i}");
    }

    [TestCaseSource(nameof(IlgpuKinds))]
    public void DeviceResidentStepsStageTheMasksAndFollowTheSilencedReads(DeviceKind kind)
    {
        // A presentation that shows a mask (staged beside the images), and a lesion that changes between steps: none at
        // steps 0–1, the lateral silenced at t = 2 from step 2, the same table extended to t = 3 at step 4, none at step 5.
        var eager = Train(kind, StepMode.Eager, "adamw", 0, steps: 6, yaml: MaskedYaml, lesions: Lesions);
        var resident = Train(kind, StepMode.DeviceResident, "adamw", 0, steps: 6, yaml: MaskedYaml, lesions: Lesions);
        Assert.That(resident.Modes, Is.All.EqualTo(StepMode.DeviceResident));
        Assert.That(resident.Losses, Is.EqualTo(eager.Losses), "losses");
        Assert.That(resident.Norms, Is.EqualTo(eager.Norms), "gradient norms");
        for (int i = 0; i < eager.Parameters.Length; i++)
            Assert.That(resident.Parameters[i], Is.EqualTo(eager.Parameters[i]), $"parameter {i}");
        // The lesion is real: the same steps without it end elsewhere.
        var intact = Train(kind, StepMode.DeviceResident, "adamw", 0, steps: 6, yaml: MaskedYaml);
        Assert.That(intact.Losses[2], Is.Not.EqualTo(resident.Losses[2]), "silencing the lateral at t = 2 changes the loss");
    }

    /// <summary>The lesion of step <paramref name="i"/> (see <see cref="DeviceResidentStepsStageTheMasksAndFollowTheSilencedReads"/>).</summary>
    private static void Lesions(Network<float> net, int i)
    {
        if (i == 2)
        {
            net.Silenced = new SilencedReads(net.Program.Projections.Count, net.Steps);
            net.Silenced.Silence(1, 2);   // V1 → V1, read at t = 2
        }
        if (i == 4) net.Silenced!.Silence(1, 3);
        if (i == 5) net.Silenced = null;
    }

    [TestCaseSource(nameof(IlgpuKinds))]
    public void DataParallelStepsRunEagerlyOnTheIlgpuBackendsAndSaySo(DeviceKind kind)
    {
        // Two replicas that see the same slice: the summed gradients halved are each replica's own, so the replicated step
        // ends where one process does (to the loss's rounding through the fused buffer and the batch norm's summed statistics).
        var backend = TestBackends.Get<float>(kind);
        var lines = new List<string>();
        var sink = Cortex.Core.Log.Redirect(lines.Add);
        double[][] replicated;
        var outcomes = new List<StepOutcome>();
        try
        {
            using var net = NetworkHarness.Build(backend, Yaml, seed: 7);
            net.Replicas = new MirroredReplicas(2);
            using var adam = new AdamW<float>(net.Parameters);
            using var step = new TrainingStep<float>(net, adam);
            Assert.That(step.Mode, Is.EqualTo(StepMode.Graph));
            for (int i = 0; i < 2; i++)
            {
                outcomes.Add(step.Run(Images(2, seed: 20 + i), 2, [i % 3, (i + 1) % 3], [], 1e-2));
                Assert.That(step.LastMode, Is.EqualTo(StepMode.Eager));
                Assert.That(step.LastModeReason, Does.Contain("data-parallel over 2 replicas"));
            }
            replicated = [.. net.Parameters.Select(p => Data.Read(p.Value))];
        }
        finally
        {
            Cortex.Core.Log.Redirect(sink);
        }
        Assert.That(lines.Count(l => l.Contains("data-parallel")), Is.EqualTo(1), "said once: " + string.Join(" | ", lines));
        Assert.That(outcomes.Select(o => o.Taken), Is.All.True);

        using var single = NetworkHarness.Build(backend, Yaml, seed: 7);
        using var singleAdam = new AdamW<float>(single.Parameters);
        using var singleStep = new TrainingStep<float>(single, singleAdam) { Mode = StepMode.Eager };
        for (int i = 0; i < 2; i++)
        {
            var outcome = singleStep.Run(Images(2, seed: 20 + i), 2, [i % 3, (i + 1) % 3], [], 1e-2);
            Assert.That(outcomes[i].Loss, Is.EqualTo(outcome.Loss).Within(1e-5), $"loss of step {i}");
        }
        for (int i = 0; i < replicated.Length; i++)
            Data.AssertClose(replicated[i], Data.Read(single.Parameters[i].Value), 1e-4, $"parameter {single.Parameters[i].Name}");
    }

    /// <summary>Replicas that all hold this replica's values: a sum is the values times the count.</summary>
    private sealed class MirroredReplicas(int count) : IReplicas
    {
        public int Count => count;

        public int Index => 0;

        public void Sum(Span<float> values)
        {
            foreach (ref float v in values) v *= count;
        }

        public void Sum(Span<double> values)
        {
            foreach (ref double v in values) v *= count;
        }
    }

    [TestCaseSource(nameof(IlgpuKinds))]
    public void ANonFiniteLossStopsTheUpdateOnTheDeviceAsOnTheHost(DeviceKind kind)
    {
        // A NaN readout weight makes the loss NaN (a NaN earlier could be cut by a relu): no mode may update anything or
        // count the step.
        foreach (var mode in new[] { StepMode.Eager, StepMode.DeviceResident })
        {
            var backend = TestBackends.Get<float>(kind);
            using var net = NetworkHarness.Build(backend, Yaml, seed: 4);
            int poisoned = net.Parameters.ToList().FindIndex(p => p.Name.StartsWith("readout") && p.Name.EndsWith("weight"));
            var values = Data.Read(net.Parameters[poisoned].Value);
            values[0] = double.NaN;
            net.Parameters[poisoned].Value.CopyFrom(Data.Cast<float>(values));
            var before = net.Parameters.Select(p => Data.Read(p.Value)).ToArray();
            using var adam = new AdamW<float>(net.Parameters);
            using var step = new TrainingStep<float>(net, adam) { Mode = mode };
            var outcome = step.Run(Images(2), 2, [0, 2], [], 1e-2);
            Assert.Multiple(() =>
            {
                Assert.That(outcome.Taken, Is.False, mode.ToString());
                Assert.That(outcome.Failure, Does.StartWith("the loss is NaN"), mode.ToString());
                Assert.That(double.IsNaN(outcome.GradientNorm), mode.ToString());
                Assert.That(adam.StepCount, Is.Zero, mode.ToString());
                for (int i = 0; i < before.Length; i++)
                    Assert.That(Data.Read(net.Parameters[i].Value), Is.EqualTo(before[i]), $"{mode}: parameter {net.Parameters[i].Name} changed");
            });
        }
    }

    private static IEnumerable<DeviceKind> IlgpuKinds() => TestBackends.Ilgpu;

    [Test]
    public void GraphsAskedOfTheCpuAcceleratorFallBackToDeviceResidentStepsAndSaySo()
    {
        var backend = (IlgpuBackend<float>)TestBackends.Get<float>(DeviceKind.IlgpuCpu);
        Assert.That(backend.GraphsAvailable(out var why), Is.False);
        Assert.That(why, Does.Contain("CPU accelerator"));
        var lines = new List<string>();
        var sink = Cortex.Core.Log.Redirect(lines.Add);
        try
        {
            using var net = NetworkHarness.Build(backend, Yaml);
            using var adam = new AdamW<float>(net.Parameters);
            using var step = new TrainingStep<float>(net, adam);
            Assert.That(step.Mode, Is.EqualTo(StepMode.Graph), "graphs are the default on the ILGPU backends");
            for (int i = 0; i < 2; i++) Assert.That(step.Run(Images(2), 2, [1, 2], [], 1e-3).Taken);
            Assert.That(step.LastMode, Is.EqualTo(StepMode.DeviceResident));
            Assert.That(step.LastModeReason, Does.Contain("no CUDA graphs").And.Contain("CPU accelerator"));
        }
        finally
        {
            Cortex.Core.Log.Redirect(sink);
        }
        Assert.That(lines.Count(l => l.Contains("without CUDA graphs")), Is.EqualTo(1), "said once: " + string.Join(" | ", lines));
    }

    [Test]
    public void TheModeFollowsTheBackendTheTimingAndTheGraphs()
    {
        Assert.Multiple(() =>
        {
            Assert.That(TrainingStep<float>.Decide(StepMode.Graph, ilgpu: false, false, false, "", null).Mode, Is.EqualTo(StepMode.Eager));
            Assert.That(TrainingStep<float>.Decide(StepMode.Graph, ilgpu: true, phasesTimed: true, true, "", null).Mode, Is.EqualTo(StepMode.Eager));
            Assert.That(TrainingStep<float>.Decide(StepMode.Eager, ilgpu: true, false, true, "", null).Mode, Is.EqualTo(StepMode.Eager));
            Assert.That(TrainingStep<float>.Decide(StepMode.DeviceResident, ilgpu: true, false, true, "", null).Mode, Is.EqualTo(StepMode.DeviceResident));
            var noGraphs = TrainingStep<float>.Decide(StepMode.Graph, ilgpu: true, false, graphsAvailable: false, "libcuda.so.1 lacks cuGraphLaunch", null);
            Assert.That(noGraphs.Mode, Is.EqualTo(StepMode.DeviceResident));
            Assert.That(noGraphs.Reason, Does.Contain("libcuda.so.1 lacks cuGraphLaunch"));
            var failed = TrainingStep<float>.Decide(StepMode.Graph, ilgpu: true, false, true, "", "CudaException: operation not permitted when stream is capturing");
            Assert.That(failed.Mode, Is.EqualTo(StepMode.DeviceResident));
            Assert.That(failed.Reason, Does.Contain("could not be captured").And.Contain("stream is capturing"));
            Assert.That(TrainingStep<float>.Decide(StepMode.Graph, ilgpu: true, false, true, "", null).Mode, Is.EqualTo(StepMode.Graph));
            var replicated = TrainingStep<float>.Decide(StepMode.Graph, ilgpu: true, false, true, "", null, replicas: 2);
            Assert.That(replicated.Mode, Is.EqualTo(StepMode.Eager));
            Assert.That(replicated.Reason, Does.Contain("data-parallel over 2 replicas"));
            Assert.That(TrainingStep<float>.Decide(StepMode.DeviceResident, ilgpu: true, false, true, "", null, replicas: 2).Mode, Is.EqualTo(StepMode.Eager));
            Assert.That(TrainingStep<float>.Decide(StepMode.Graph, ilgpu: true, false, true, "", null, replicas: 1).Mode, Is.EqualTo(StepMode.Graph));
        });
    }

    [Test]
    public void TheDriversGraphEntryPointsAreLookedUpByTheirExportedNames()
    {
        // Without a driver the binding says so rather than failing; with one, every export must exist (CUDA ≥ 11.4).
        var api = CudaGraphApi.TryLoad(out var why);
        if (api is null) Assert.That(why, Does.Contain("libcuda"));
        Assert.That(CudaGraphApi.Exports, Is.EquivalentTo(new[]
        {
            "cuStreamBeginCapture_v2", "cuStreamEndCapture", "cuStreamIsCapturing", "cuGraphInstantiateWithFlags", "cuGraphLaunch",
            "cuGraphExecDestroy", "cuGraphDestroy", "cuGetErrorName",
        }));
    }

    [Test]
    public void GraphReplaysEqualDeviceResidentStepsAcrossABatchSizeChange()
    {
        // CUDA only: steps 1 (uncaptured), 2 (captured, replayed), 3 (replayed) at batch 2, then batch 3 (a new arena:
        // uncaptured, then captured again). Each must equal the device-resident step bit for bit.
        var backend = (IlgpuBackend<float>)TestBackends.Get<float>(DeviceKind.Cuda);
        if (!backend.GraphsAvailable(out var why)) Assert.Ignore($"CUDA graphs unavailable: {why}");
        int[] batches = [2, 2, 2, 3, 3, 3];
        var graph = Train(DeviceKind.Cuda, StepMode.Graph, "adamw", 0, batches.Length, batches);
        var resident = Train(DeviceKind.Cuda, StepMode.DeviceResident, "adamw", 0, batches.Length, batches);
        Assert.That(graph.Modes, Is.All.EqualTo(StepMode.Graph), string.Join(", ", graph.Reasons));
        Assert.That(graph.Losses, Is.EqualTo(resident.Losses));
        for (int i = 0; i < resident.Parameters.Length; i++)
            Assert.That(graph.Parameters[i], Is.EqualTo(resident.Parameters[i]), $"parameter {i}");
    }

    [Test]
    public void GraphReplaysFollowTheMasksAndTheSilencedReads()
    {
        // CUDA only: a lesion set, extended and removed between steps must each time drop the captured graph (the reads
        // it queues are decided on the host), and the masks must reach every replay.
        var backend = (IlgpuBackend<float>)TestBackends.Get<float>(DeviceKind.Cuda);
        if (!backend.GraphsAvailable(out var why)) Assert.Ignore($"CUDA graphs unavailable: {why}");
        var graph = Train(DeviceKind.Cuda, StepMode.Graph, "adamw", 0, steps: 6, yaml: MaskedYaml, lesions: Lesions);
        var resident = Train(DeviceKind.Cuda, StepMode.DeviceResident, "adamw", 0, steps: 6, yaml: MaskedYaml, lesions: Lesions);
        Assert.That(graph.Modes, Is.All.EqualTo(StepMode.Graph), string.Join(", ", graph.Reasons));
        Assert.That(graph.Losses, Is.EqualTo(resident.Losses));
        for (int i = 0; i < resident.Parameters.Length; i++)
            Assert.That(graph.Parameters[i], Is.EqualTo(resident.Parameters[i]), $"parameter {i}");
    }

    [Test]
    public void ATableOfSilencedReadsCountsItsChanges()
    {
        var table = new SilencedReads(3, 4);
        Assert.That(table.Version, Is.Zero);
        table.Silence(1, 2);
        table.Silence(2, 4);
        Assert.That(table.Version, Is.EqualTo(2));
    }

    private sealed record Trained(double[] Losses, double[] Norms, double[][] Parameters, int StepCount, StepMode[] Modes, string[] Reasons);

    private static Trained Train(DeviceKind kind, StepMode mode, string optimiser, double clip, int steps, int[]? batches = null, string yaml = Yaml,
        Action<Network<float>, int>? lesions = null)
    {
        var backend = TestBackends.Get<float>(kind);
        using var net = NetworkHarness.Build(backend, yaml, seed: 7);
        using IOptimiser<float> opt = optimiser == "sgd"
            ? new Sgd<float>(net.Parameters, new SgdOptions(Momentum: 0.9, WeightDecay: 1e-3))
            : new AdamW<float>(net.Parameters);
        using var step = new TrainingStep<float>(net, opt, clip) { Mode = mode };
        var losses = new List<double>();
        var norms = new List<double>();
        var modes = new List<StepMode>();
        var reasons = new List<string>();
        for (int i = 0; i < steps; i++)
        {
            int batch = batches?[i] ?? 2;
            lesions?.Invoke(net, i);
            float[] masks = net.ShowsMask ? Images(batch, seed: 40 + i) : [];
            var outcome = step.Run(Images(batch, seed: 20 + i), masks, batch, [.. Enumerable.Range(0, batch).Select(b => (b + i) % 3)], [], 1e-2 * (i + 1));
            Assert.That(outcome.Taken, Is.True, outcome.Failure);
            losses.Add(outcome.Loss);
            norms.Add(outcome.GradientNorm);
            modes.Add(step.LastMode);
            reasons.Add(step.LastModeReason);
        }
        return new Trained([.. losses], [.. norms], [.. net.Parameters.Select(p => Data.Read(p.Value)).Concat(net.Buffers.Select(b => Data.Read(b.Tensor)))],
            opt.StepCount, [.. modes], [.. reasons]);
    }

    private static float[] Images(int batch, int seed = 9) => Data.Cast<float>(Data.Random(batch * 20, seed, 0, 1));
}
