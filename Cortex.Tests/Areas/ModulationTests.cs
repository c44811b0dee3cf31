using Cortex.Areas.Modes;
using Cortex.Core.Backends;
using Cortex.Core.Checking;
using Cortex.Core.Kernels;
using Cortex.Core.Tensors;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Areas;

/// <summary>The modulatory modes' per-element maths (Core's Modulation family over each mode's struct): hand-computed values, gradients, CPU agreement.</summary>
public sealed class ModulationTests
{
    private static readonly Shape Awkward = new(3, 7, 1, 5);

    private static IEnumerable<TestCaseData> Modes(IEnumerable<DeviceKind> kinds) =>
        from kind in kinds
        from mode in ProjectionModes.All.OfType<ModulatoryMode>()
        select new TestCaseData(kind, mode).SetArgDisplayNames(kind.ToString(), mode.Word);

    private static IEnumerable<TestCaseData> EveryBackend() => Modes(TestBackends.All);

    private static IEnumerable<TestCaseData> IlgpuBackends() => Modes(TestBackends.Ilgpu);

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void GainHandComputedValues(DeviceKind kind)
    {
        var b = TestBackends.Get<double>(kind);
        var s = new Shape(3);
        using var drive = Data.Tensor(b, s, [2, -1, 4]);
        using var gate = Data.Tensor(b, s, [0, 100, -100]);
        using var y = b.Allocate(s);
        Modulation.Forward<double, Gain<double>>(drive, gate, y);
        // g = 0: gain 1; g → +∞: gain 2; g → −∞: gain 0.
        Assert.That(Data.Read(y), Is.EqualTo(new[] { 2, -2, 0 }).Within(1e-12));
        using var dy = Data.Tensor(b, s, [1, 1, 1]);
        using var dDrive = b.Allocate(s);
        using var dGate = b.Allocate(s);
        Modulation.Backward<double, Gain<double>>(drive, gate, dy, dDrive, dGate);
        // ∂/∂drive = 1 + tanh g; ∂/∂g = drive·(1 − tanh² g): 2 at g = 0 for drive 2, 0 where tanh saturates.
        Assert.That(Data.Read(dDrive), Is.EqualTo(new[] { 1, 2, 0 }).Within(1e-12));
        Assert.That(Data.Read(dGate), Is.EqualTo(new[] { 2, 0, 0 }).Within(1e-12));
    }

    [TestCaseSource(nameof(EveryBackend))]
    public void GradientsMatchFiniteDifferences(DeviceKind kind, ModulatoryMode mode)
    {
        var b = TestBackends.Get<double>(kind);
        double[][] inputs = [Data.Random(Awkward.Size, 1, -2, 2), Data.Random(Awkward.Size, 2, -2, 2)];
        GradientCheck.Assert(mode.Word, inputs,
            x =>
            {
                using var drive = Data.Tensor(b, Awkward, x[0]);
                using var gate = Data.Tensor(b, Awkward, x[1]);
                using var y = b.Allocate(Awkward);
                mode.Forward(drive, gate, y);
                return Data.Read(y);
            },
            (x, g) =>
            {
                using var drive = Data.Tensor(b, Awkward, x[0]);
                using var gate = Data.Tensor(b, Awkward, x[1]);
                using var dy = Data.Tensor(b, Awkward, g);
                using var dDrive = b.Allocate(Awkward);
                using var dGate = b.Allocate(Awkward);
                mode.Backward(drive, gate, dy, dDrive, dGate);
                return [Data.Read(dDrive), Data.Read(dGate)];
            });
    }

    [TestCaseSource(nameof(IlgpuBackends))]
    public void FloatAgreesWithCpuPath(DeviceKind kind, ModulatoryMode mode)
    {
        double[] RunOn(IBackend<float> b)
        {
            using var drive = Data.Tensor(b, Awkward, Data.Random(Awkward.Size, 3, -3, 3));
            using var gate = Data.Tensor(b, Awkward, Data.Random(Awkward.Size, 4, -3, 3));
            using var dy = Data.Tensor(b, Awkward, Data.Random(Awkward.Size, 5));
            using var y = b.Allocate(Awkward);
            using var dDrive = b.Allocate(Awkward);
            using var dGate = b.Allocate(Awkward);
            mode.Forward(drive, gate, y);
            mode.Backward(drive, gate, dy, dDrive, dGate);
            return [.. Data.Read(y), .. Data.Read(dDrive), .. Data.Read(dGate)];
        }
        Data.AssertClose(RunOn(TestBackends.Get<float>(kind)), RunOn(TestBackends.Get<float>(DeviceKind.Cpu)), TestBackends.AgreementTolerance<float>(), mode.Word);
    }

    [Test]
    public void MismatchedShapesAreNamed()
    {
        var b = TestBackends.Get<float>(DeviceKind.Cpu);
        using var drive = b.Allocate(new Shape(2, 3));
        using var gate = b.Allocate(new Shape(3, 2));
        Assert.That(() => Modulation.Forward<float, Gain<float>>(drive, gate, drive),
            Throws.ArgumentException.With.Message.Contains("gain forward").And.Message.Contains("[2, 3]").And.Message.Contains("[3, 2]"));
    }
}
