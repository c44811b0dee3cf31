using Cortex.Connectivity;
using Cortex.Connectivity.Building;
using Cortex.Connectivity.Lesions;
using Cortex.Core.Backends;
using Cortex.Core.Simulation;
using Cortex.Tests.Connectivity;
using Cortex.Tests.Infrastructure;
using Cortex.Tests.Simulation;

namespace Cortex.Tests.Lesions;

/// <summary>What a lesion does in the simulator: exactly nothing from the silenced projection, forward and backward, at no cost.</summary>
public sealed class LesionSimulationTests
{
    /// <summary>
    /// BLT and BL from configs/networks, at their own size on the CPU path and shrunk (the same files with smaller maps)
    /// on ILGPU's CPU accelerator, whose kernels run about a hundred times slower.
    /// </summary>
    private static LoadedNetwork Load(string name, bool tiny)
    {
        string text = File.ReadAllText(Path.Combine(Networks.ConfigFolder, name + ".yaml"));
        if (tiny) text = text.Replace("[1, 28, 28]", "[1, 8, 8]").Replace("[32, 28, 28]", "[3, 8, 8]").Replace("[64, 14, 14]", "[5, 4, 4]");
        return NetworkLoader.Parse(text, name + ".yaml");
    }

    private static int[] Bits(IReadOnlyList<Cortex.Core.Tensors.Tensor<float>> tensors) => [.. tensors.SelectMany(t => t.ToArray()).Select(BitConverter.SingleToInt32Bits)];

    private static int[] Bits(Cortex.Core.Tensors.Tensor<float> tensor) => Bits([tensor]);

    /// <summary>
    /// BLT with every feedback projection silenced at every step is BL: BL's parameters are BLT's but the feedback's, so
    /// BLT's weights (and running statistics, moved by a training pass) load into BL by name, and the two give the same
    /// logits bit for bit — in inference and in training mode — and, backward, the same gradient of every shared parameter
    /// and of the image, bit for bit, while the silenced feedback's weights receive exactly zero.
    /// </summary>
    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void BltWithItsFeedbackSilencedIsBlBitForBit(DeviceKind kind)
    {
        var backend = TestBackends.Get<float>(kind);
        var (bltFile, blFile) = (Load("blt", kind != DeviceKind.Cpu), Load("bl", kind != DeviceKind.Cpu));
        using var blt = NetworkBuilder.Build(bltFile, backend, seed: 5);
        using var bl = NetworkBuilder.Build(blFile, backend, seed: 9);
        Assert.That(bl.Parameters.Select(p => p.Name), Is.EqualTo(blt.Parameters.Select(p => p.Name).Where(n => !n.StartsWith("V2->V1", StringComparison.Ordinal))));

        const int batch = 3;
        var images = Data.Random(batch * NetworkHarness.InputSize(blt), 17, 0, 1).Select(v => (float)v).ToArray();
        int[] labels = [4, 0, 9];
        blt.Forward(images, batch, training: true);   // moves the running statistics away from their initial values
        var feedback = blt.Parameters.Single(p => p.Name.StartsWith("V2->V1", StringComparison.Ordinal));
        foreach (var p in bl.Parameters) p.Value.CopyFrom(blt.Parameters.Single(q => q.Name == p.Name).Value.ToArray());
        foreach (var (name, tensor) in bl.Buffers) tensor.CopyFrom(blt.Buffers.Single(b => b.Name == name).Tensor.ToArray());
        long arena = blt.ArenaValues;
        blt.Silenced = LesionTable.Resolve(bltFile.Graph, ["feedback"]);
        Assert.That(blt.Silenced.Count, Is.EqualTo(4), "V2->V1 at t = 1..4");

        Assert.Multiple(() =>
        {
            Assert.That(Bits(blt.Forward(images, batch, training: false)), Is.EqualTo(Bits(bl.Forward(images, batch, training: false))), "inference");
            Assert.That(Bits(blt.Forward(images, batch, training: true)), Is.EqualTo(Bits(bl.Forward(images, batch, training: true))), "training");
            Assert.That(blt.ArenaValues, Is.EqualTo(arena), "a lesion changes no allocation");
        });

        blt.Forward(images, batch, training: true);
        blt.Loss(labels);
        blt.ZeroGradients();
        blt.Backward(blt.LossGradients, inputGradient: true);
        bl.Forward(images, batch, training: true);
        bl.Loss(labels);
        bl.ZeroGradients();
        bl.Backward(bl.LossGradients, inputGradient: true);
        Assert.Multiple(() =>
        {
            foreach (var p in bl.Parameters)
                Assert.That(Bits(blt.Parameters.Single(q => q.Name == p.Name).Gradient), Is.EqualTo(Bits(p.Gradient)), p.Name);
            Assert.That(Bits(blt.InputGradient), Is.EqualTo(Bits(bl.InputGradient)), "∂L/∂image");
            Assert.That(feedback.Gradient.ToArray(), Is.All.EqualTo(0f), "the silenced feedback receives no gradient");
        });

        // The negative control: intact, BLT is not BL.
        blt.Silenced = null;
        Assert.That(Bits(blt.Forward(images, batch, training: false)), Is.Not.EqualTo(Bits(bl.Forward(images, batch, training: false))));
    }

    /// <summary>A silenced read costs nothing: the profiler sees the feedback projection run only at the steps left to it, forward and backward.</summary>
    [Test]
    public void ASilencedReadCostsNoWork()
    {
        var backend = TestBackends.Get<float>(DeviceKind.Cpu);
        var file = Load("blt", tiny: true);
        using var net = NetworkBuilder.Build(file, backend, seed: 2);
        var images = Data.Random(2 * 64, 3, 0, 1).Select(v => (float)v).ToArray();
        (int Forward, int Backward, bool Moved) Run(string? lesion)
        {
            net.Silenced = lesion is null ? null : LesionTable.Resolve(file.Graph, [lesion]);
            var profiler = new Profiler(backend.Synchronize);
            net.Profiler = profiler;
            net.Forward(images, 2, training: true);
            net.Loss([1, 2]);
            net.ZeroGradients();
            net.Backward(net.LossGradients);
            net.Profiler = null;
            var entry = profiler.Entries.SingleOrDefault(e => e is { Family: "projection", Name: "V2->V1" });
            var gradient = net.Parameters.Single(p => p.Name == "V2->V1.weight").Gradient.ToArray();
            return (entry?.ForwardCalls ?? 0, entry?.BackwardCalls ?? 0, gradient.Any(g => g != 0));
        }
        Assert.Multiple(() =>
        {
            // Intact, V2->V1 reads V2 at t = 2, 3, 4 (at t = 1 it would read V2's zero initial state: skipped).
            Assert.That(Run(null), Is.EqualTo((3, 3, true)));
            Assert.That(Run("feedback@3-"), Is.EqualTo((1, 1, true)), "only t = 2 is left");
            Assert.That(Run("V2->V1@2-4"), Is.EqualTo((0, 0, false)), "nothing is left: no work, no gradient");
        });
    }

    /// <summary>
    /// Lesions of an area's inputs, of an area's output, of the input and of one projection over a window of steps,
    /// against values computed on paper. The network of <see cref="ProbeTests"/>: A(t) = 2·x + ½·B(t − 1),
    /// B(t) = ½·B(t − 1) + ½·3·A(t − 2), x = 1, identity activations, no bias:
    /// <code>
    /// lesion          A(0..4)              B(0..4)
    /// none            0  2  2  2  3.5      0  0  0  3  4.5
    /// in:A@3-         0  2  2  0  0        0  0  0  3  4.5      A's drive is zero from t = 3; B reads A(1), A(2)
    /// out:B           0  2  2  2  2        0  0  0  3  4.5      no feedback B → A at any step
    /// out:image@2     0  2  0  2  3.5      0  0  0  3  1.5      A(2) = ½·B(1) = 0; B(4) = ½·3 + ½·3·A(2) = 1.5
    /// A->B@4          0  2  2  2  3.5      0  0  0  3  1.5      B(4) = ½·B(3) = 1.5
    /// feedback        0  2  2  2  2        0  0  0  3  4.5      the type: B → A is the only feedback
    /// </code>
    /// </summary>
    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void LesionsOfInputsAndOutputsMatchTheHandComputedValues(DeviceKind kind)
    {
        const string paper = """
            name: paper
            time: { steps: 4 }
            input: { shape: [1, 1, 1] }
            areas:
              - { name: A, level: 1, shape: [1, 1, 1], activation: identity, bias: false }
              - { name: B, level: 2, shape: [1, 1, 1], activation: identity, bias: false, tau: 2.0 }
            projections:
              - { from: image, to: A, type: feedforward, kernel: 1 }
              - { from: A, to: B, type: feedforward, kernel: 1, delay: 2 }
              - { from: B, to: A, type: feedback, kernel: 1 }
            readout: { from: B, classes: 2, pooling: none }
            """;
        var file = NetworkLoader.Parse(paper);
        var backend = TestBackends.Get<double>(kind);
        using var net = NetworkBuilder.Build(file, backend, seed: 3);
        foreach (var (name, value) in new[] { ("image->A.weight", 2.0), ("A->B.weight", 3.0), ("B->A.weight", 0.5) })
            net.Parameters.Single(p => p.Name == name).Value.CopyFrom([value]);
        (double[] A, double[] B) Run(string? lesion)
        {
            net.Silenced = lesion is null ? null : LesionTable.Resolve(file.Graph, [lesion]);
            net.Forward([1.0], 1, training: false);
            return (Data.Read(net.States("A")), Data.Read(net.States("B")));
        }
        Assert.Multiple(() =>
        {
            void Check(string? lesion, double[] a, double[] b)
            {
                var (A, B) = Run(lesion);
                Assert.That(A, Is.EqualTo(a).Within(1e-12), $"A with {lesion ?? "no lesion"}");
                Assert.That(B, Is.EqualTo(b).Within(1e-12), $"B with {lesion ?? "no lesion"}");
            }
            Check(null, [0, 2, 2, 2, 3.5], [0, 0, 0, 3, 4.5]);
            Check("in:A@3-", [0, 2, 2, 0, 0], [0, 0, 0, 3, 4.5]);
            Check("out:B", [0, 2, 2, 2, 2], [0, 0, 0, 3, 4.5]);
            Check("out:image@2", [0, 2, 0, 2, 3.5], [0, 0, 0, 3, 1.5]);
            Check("A->B@4", [0, 2, 2, 2, 3.5], [0, 0, 0, 3, 1.5]);
            Check("feedback", [0, 2, 2, 2, 2], [0, 0, 0, 3, 4.5]);
        });
    }

    [Test]
    public void ATableForAnotherNetworkIsRefused()
    {
        var backend = TestBackends.Get<float>(DeviceKind.Cpu);
        using var net = NetworkBuilder.Build(Load("bl", tiny: true), backend, seed: 1);
        Assert.That(() => net.Silenced = new SilencedReads(5, 4),
            Throws.ArgumentException.With.Message.EqualTo("bl: silenced reads for 5 projections over 4 steps do not fit a network of 4 projections over 4 steps"));
        Assert.That(() => new SilencedReads(4, 4).Silence(0, 5), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("step 5 is outside 1..4"));
    }
}
