using System.Numerics;
using Cortex.Connectivity;
using Cortex.Connectivity.Building;
using Cortex.Core.Backends;
using Cortex.Core.Simulation;
using Cortex.Tests.Connectivity;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Simulation;

/// <summary>
/// Checkpointing in time: backward recomputes the steps between kept states, and every gradient, loss and running
/// average is exactly what full storage gives — on networks with per-step batch norm, leaks, delays beyond one step,
/// tied-every-k weights, learned initial states, blank and mask presentations and lesions, with T not a multiple of k.
/// </summary>
public sealed class CheckpointingInTimeTests
{
    /// <summary>Three areas, a feedback of delay 3, a multiplicative feedback, per-step and shared batch norm, a leak, tied-every-2 weights, a learned h(0), a mask after step 2.</summary>
    private const string Delays = """
        name: delays
        time: { steps: 7, unroll: biological }
        input: { shape: [1, 6, 6], presentation: first-2-then-mask }
        weight_tying: tied-every-2
        areas:
          - { name: A, level: 1, shape: [3, 6, 6], norm: per-step, initial_state: learned }
          - { name: B, level: 2, shape: [4, 3, 3], norm: shared, tau: 2.0 }
          - { name: C, level: 3, shape: [5, 3, 3], tau: 1.5 }
        projections:
          - { from: image, to: A, type: feedforward, kernel: 3 }
          - { from: A, to: A, type: lateral, kernel: 3 }
          - { from: A, to: B, type: feedforward, kernel: 3, resample: maxpool, factor: 2 }
          - { from: B, to: C, type: feedforward, kernel: 3 }
          - { from: C, to: B, type: feedback, kernel: 3 }
          - { from: C, to: A, type: feedback, kernel: 1, resample: upsample-nearest, factor: 2, delay: 3 }
          - { from: B, to: A, type: feedback, kernel: 1, resample: upsample-nearest, factor: 2, mode: multiplicative, delay: 2 }
        readouts:
          - { from: C, classes: 3, steps: all }
          - { name: early, from: B, classes: 3, steps: [2, 5] }
        """;

    /// <summary>A gated area beside a leaky one, synchronous unroll, a blank after step 3.</summary>
    private const string Gated = """
        name: gated
        time: { steps: 5 }
        input: { shape: [1, 5, 5], presentation: first-3 }
        areas:
          - { name: V1, level: 1, kind: gated, shape: [3, 5, 5], kernel: 3 }
          - { name: V2, level: 2, shape: [4, 5, 5], tau: 2.0, norm: group, groups: 2 }
        projections:
          - { from: image, to: V1, type: feedforward, kernel: 3 }
          - { from: V1, to: V2, type: feedforward, kernel: 3 }
          - { from: V2, to: V1, type: feedback, kernel: 3 }
        readouts:
          - { from: V2, classes: 2, steps: all }
        """;

    [Test]
    public void TheSegmentsAndKeptStatesFollowKAndTheReach()
    {
        var s = TimeStorage.For(steps: 10, every: 3, reach: 2);
        Assert.Multiple(() =>
        {
            Assert.That(s.Segments, Is.EqualTo(new[] { (0, 3), (3, 6), (6, 9), (9, 10) }));
            Assert.That(s.Kept, Is.EqualTo(new[] { 0, 2, 3, 5, 6 }), "h(0) for (0, 3]; h(2), h(3) for (3, 6]; h(5), h(6) for (6, 9]; the last segment is in the window");
            Assert.That(s.Window, Is.EqualTo(5));
            Assert.That(s.StateSlots, Is.EqualTo(5));
            Assert.That(s.StepSlots, Is.EqualTo(5));
            Assert.That(s.Holds(5), Is.False);
            Assert.That(s.Recomputed, Is.EqualTo(9), "every step but the last segment's");
            Assert.That(s.Holds(6), Is.True);
            Assert.That(TimeStorage.For(10, 9, 2).Checkpointed, Is.False, "a window of 11 slots holds every step");
            Assert.That(TimeStorage.For(10, 0, 2).Segments, Is.EqualTo(new[] { (0, 10) }));
        });
    }

    /// <summary>One training step's every output: loss, logits, each parameter's gradient, ∂L/∂image and the buffers (running averages).</summary>
    private static List<(string What, double[] Values)> Step<T>(Network<T> net, double[] images, double[]? masks, int batch, int[] labels,
        SilencedReads? silenced) where T : unmanaged, IFloatingPointIeee754<T>
    {
        net.Silenced = silenced;
        var logits = net.Forward(Data.Cast<T>(images), masks is null ? default : Data.Cast<T>(masks), batch, training: true);
        var result = new List<(string, double[])> { ("logits", NetworkHarness.Outputs(logits)) };
        var loss = net.Loss(labels);
        result.Add(("loss", [loss.Value]));
        net.ZeroGradients();
        net.Backward(net.LossGradients, inputGradient: true);
        result.AddRange(net.Parameters.Select(p => (p.Name + " gradient", Data.Read(p.Gradient))));
        result.Add(("image gradient", Data.Read(net.InputGradient)));
        result.AddRange(net.Buffers.Select(b => (b.Name, Data.Read(b.Tensor))));
        return result;
    }

    /// <summary>Two training steps (the second from the running averages the first left) with full storage and with each k, compared exactly.</summary>
    private static void AssertBitIdentical<T>(DeviceKind kind, LoadedNetwork loaded, int batch, int[] ks, Func<Network<T>, SilencedReads?>? lesion = null,
        double tolerance = 0) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var backend = TestBackends.Get<T>(kind);
        List<(string What, double[] Values)> Run(int k)
        {
            using var net = NetworkBuilder.Build(loaded, backend, seed: 7);
            net.KeepStatesEvery = k;
            int size = NetworkHarness.InputSize(net);
            var images = Data.Random(batch * size, 5);
            var masks = net.ShowsMask ? Data.Random(batch * size, 6) : null;
            var labels = Enumerable.Range(0, batch).Select(b => b % net.Readouts[0].Classes).ToArray();
            var silenced = lesion?.Invoke(net);
            return [.. Step(net, images, masks, batch, labels, silenced), .. Step(net, Data.Random(batch * size, 8), masks, batch, labels, silenced)];
        }
        var full = Run(0);
        foreach (int k in ks)
        {
            Assert.That(loaded.Ledger.Storage(k).Checkpointed, $"k = {k} checkpoints");
            var checkpointed = Run(k);
            Assert.Multiple(() =>
            {
                for (int i = 0; i < full.Count; i++)
                    Assert.That(checkpointed[i].Values, tolerance == 0 ? Is.EqualTo(full[i].Values) : Is.EqualTo(full[i].Values).Within(tolerance),
                        $"{loaded.Spec.Name}, k = {k}: {full[i].What}");
            });
        }
    }

    private static SilencedReads SilenceSome<T>(Network<T> net) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var silenced = new SilencedReads(net.Program.Projections.Count, net.Steps);
        silenced.Silence(1, 3);
        silenced.Silence(net.Program.Projections.Count - 1, 4);
        silenced.Silence(net.Program.Projections.Count - 2, 6);
        return silenced;
    }

    [Test]
    public void GradientsAreBitIdenticalWithDelaysTyingMasksAndLesions()
        => AssertBitIdentical<double>(DeviceKind.Cpu, NetworkLoader.Parse(Delays, "delays.yaml"), batch: 3, ks: [1, 2, 3], lesion: SilenceSome);

    [Test]
    public void GradientsAreBitIdenticalForAGatedAreaAndBlanks()
        => AssertBitIdentical<double>(DeviceKind.Cpu, NetworkLoader.Parse(Gated, "gated.yaml"), batch: 2, ks: [1, 2, 3]);

    /// <summary>The shipped v1-v2-v4-it unrolled biologically (its IT → V1 gain reads t − 2) over 7 steps, in float, as trained.</summary>
    [Test]
    public void GradientsAreBitIdenticalForV1V2V4ItUnrolledBiologically()
        => AssertBitIdentical<float>(DeviceKind.Cpu, Shipped("v1-v2-v4-it", steps: 7, biological: true), batch: 2, ks: [2, 3]);

    [Test]
    public void GradientsAreBitIdenticalForBlt()
        => AssertBitIdentical<float>(DeviceKind.Cpu, Shipped("blt", steps: 5, biological: false), batch: 2, ks: [2]);

    /// <summary>On ILGPU's CPU accelerator, checkpointed gradients agree with full storage.</summary>
    [Test]
    public void GradientsAgreeOnTheIlgpuCpuAccelerator()
        => AssertBitIdentical<double>(DeviceKind.IlgpuCpu, NetworkLoader.Parse(Delays, "delays.yaml"), batch: 2, ks: [2], lesion: SilenceSome,
            tolerance: 1e-12);

    /// <summary>The ledger's estimate under checkpointing in time is what the arena allocates, for every shipped network.</summary>
    [TestCaseSource(nameof(Configs))]
    public void TheMemoryEstimateFollowsTheSetting(string name)
    {
        var loaded = Shipped(name, steps: 9, biological: false);
        using var net = NetworkBuilder.Build(loaded, TestBackends.Get<float>(DeviceKind.Cpu), seed: 1);
        foreach (int k in new[] { 0, 2, 4 })
        {
            net.KeepStatesEvery = k;
            net.Reserve(3);
            Assert.That(net.ArenaValues * sizeof(float), Is.EqualTo(loaded.Ledger.Memory(3, keepEvery: k).StateBytes), $"{name}, k = {k}");
            if (k > 0) Assert.That(loaded.Ledger.Memory(3, keepEvery: k).StateBytes, Is.LessThan(loaded.Ledger.Memory(3).StateBytes), $"{name}, k = {k} saves memory");
        }
    }

    [Test]
    public void AStateOutsideTheWindowCannotBeRead()
    {
        using var net = NetworkHarness.Build(TestBackends.Get<double>(DeviceKind.Cpu), Gated);
        net.KeepStatesEvery = 2;
        net.Forward(Data.Random(2 * 25, 1), 2, training: true);
        Assert.Multiple(() =>
        {
            Assert.That(net.HoldsState(5) && net.HoldsState(3) && !net.HoldsState(2), "a window of k + reach = 3 steps");
            Assert.That(() => net.State("V1", 1), Throws.InvalidOperationException.With.Message.Contains("h(1) is not held"));
            Assert.That(() => net.States("V1"), Throws.InvalidOperationException.With.Message.Contains("not every state is held"));
        });
    }

    [Test]
    public void ABudgetChoosesTheKThatFitsAndRecomputesLeast()
    {
        var ledger = Shipped("v1-v2-v4-it", steps: 64, biological: true).Ledger;
        long full = ledger.Memory(8).TotalBytes;
        Assert.Multiple(() =>
        {
            Assert.That(ledger.KeepEveryWithin(full, 8), Is.EqualTo(0), "full storage fits");
            int? k = ledger.KeepEveryWithin(full / 3, 8);
            Assert.That(k, Is.Not.Null.And.GreaterThan(0));
            Assert.That(ledger.Memory(8, keepEvery: k!.Value).TotalBytes, Is.LessThanOrEqualTo(full / 3));
            var fitting = Enumerable.Range(1, 63).Where(j => ledger.Memory(8, keepEvery: j).TotalBytes <= full / 3).ToList();
            Assert.That(fitting.Min(j => ledger.Storage(j).Recomputed), Is.EqualTo(ledger.Storage(k.Value).Recomputed), "no fitting k recomputes fewer steps");
            Assert.That(fitting.Where(j => ledger.Storage(j).Recomputed == ledger.Storage(k.Value).Recomputed).Max(), Is.EqualTo(k.Value), "the largest of those");
            Assert.That(ledger.KeepEveryWithin(1000, 8), Is.Null);
            int best = ledger.SmallestKeepEvery(8);
            Assert.That(ledger.Memory(8, keepEvery: best).StateBytes * 4, Is.LessThanOrEqualTo(ledger.Memory(8).StateBytes),
                "at T = 64 the arena shrinks to a quarter or less");
        });
    }

    private static IEnumerable<string> Configs() => Directory.GetFiles(Networks.ConfigFolder, "*.yaml").Select(Path.GetFileNameWithoutExtension).Order()!;

    /// <summary>A shipped network file with its steps and unroll replaced.</summary>
    internal static LoadedNetwork Shipped(string name, int steps, bool biological)
    {
        var text = File.ReadAllText(Path.Combine(Networks.ConfigFolder, name + ".yaml"));
        var loaded = NetworkLoader.Parse(text, name + ".yaml");
        var time = loaded.Spec.Time;
        string original = System.Text.RegularExpressions.Regex.Match(text, @"time:\s*\{[^}]*\}|time:\n(\s+\w+:.*\n)+").Value;
        string replaced = $"time: {{ steps: {steps}, unroll: {(biological ? "biological" : time.Unroll.ToString().ToLowerInvariant())}, dt: {time.Dt} }}\n";
        return NetworkLoader.Parse(text.Replace(original, replaced), name + ".yaml");
    }
}
