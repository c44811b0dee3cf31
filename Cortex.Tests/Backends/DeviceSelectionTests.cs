using Cortex.Core.Backends;

namespace Cortex.Tests.Backends;

public sealed class DeviceSelectionTests
{
    [TestCase("cpu", DeviceKind.Cpu)]
    [TestCase("CPU", DeviceKind.Cpu)]
    [TestCase("ilgpu-cpu", DeviceKind.IlgpuCpu)]
    public void NamedDevicesResolve(string flag, DeviceKind expected)
    {
        var (kind, reason) = Devices.Resolve(flag);
        Assert.That(kind, Is.EqualTo(expected));
        Assert.That(reason, Does.Contain("--device"));
    }

    [Test]
    public void UnknownDeviceListsTheAllowedNames()
    {
        var e = Assert.Throws<ArgumentException>(() => Devices.Resolve("gpu"));
        Assert.That(e!.Message, Does.Contain("'gpu'").And.Contain("cpu, cuda, ilgpu-cpu").And.Contain("auto"));
    }

    [Test]
    public void AutoSaysWhatItChoseAndWhy()
    {
        var (kind, reason) = Devices.Resolve("auto");
        bool cuda = IlgpuBackend<float>.CudaAvailable(out _);
        Assert.That(kind, Is.EqualTo(cuda ? DeviceKind.Cuda : DeviceKind.Cpu));
        Assert.That(reason, Does.StartWith("auto").And.Contain(cuda ? "chose cuda" : "chose cpu"));
    }

    [Test]
    public void MissingCudaIsAnErrorNotAFallback()
    {
        if (IlgpuBackend<float>.CudaAvailable(out _)) Assert.Ignore("a CUDA device is present here");
        var e = Assert.Throws<DeviceUnavailableException>(() => Devices.Resolve("cuda"));
        Assert.That(e!.Message, Does.Contain("'cuda' was requested but is not available"));
    }

    [Test]
    public void EnvironmentVariableIsReadWhenNoFlagIsGiven()
    {
        var old = Environment.GetEnvironmentVariable(Devices.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(Devices.EnvironmentVariable, "ilgpu-cpu");
            var (kind, reason) = Devices.Resolve(null);
            Assert.That(kind, Is.EqualTo(DeviceKind.IlgpuCpu));
            Assert.That(reason, Does.Contain(Devices.EnvironmentVariable));
        }
        finally
        {
            Environment.SetEnvironmentVariable(Devices.EnvironmentVariable, old);
        }
    }

    [Test]
    public void TensorsFromTwoBackendsAreRejected()
    {
        var cpu = TestBackendsAccess.Cpu;
        var sim = TestBackendsAccess.Simulator;
        using var a = cpu.Allocate(new Cortex.Core.Tensors.Shape(3));
        using var b = sim.Allocate(new Cortex.Core.Tensors.Shape(3));
        var e = Assert.Throws<ArgumentException>(() => cpu.Copy(a, b));
        Assert.That(e!.Message, Does.Contain("Copy").And.Contain("ilgpu-cpu"));
    }

    private static class TestBackendsAccess
    {
        public static IBackend<float> Cpu => Infrastructure.TestBackends.Get<float>(DeviceKind.Cpu);
        public static IBackend<float> Simulator => Infrastructure.TestBackends.Get<float>(DeviceKind.IlgpuCpu);
    }
}
