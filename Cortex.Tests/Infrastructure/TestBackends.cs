using System.Numerics;
using Cortex.Core.Backends;

namespace Cortex.Tests.Infrastructure;

/// <summary>
/// Every test that takes a <see cref="DeviceKind"/> runs once per backend: the CPU path and ILGPU's CPU
/// accelerator always, CUDA where a GPU is present (reported as skipped, never passed, where it is not).
/// Backends are made once per test run and shared, because creating an ILGPU context is slow.
/// </summary>
public static class TestBackends
{
    public static readonly DeviceKind[] All = [DeviceKind.Cpu, DeviceKind.IlgpuCpu, DeviceKind.Cuda];

    /// <summary>The ILGPU backends, for tests comparing kernels with the CPU path.</summary>
    public static readonly DeviceKind[] Ilgpu = [DeviceKind.IlgpuCpu, DeviceKind.Cuda];

    private static readonly Dictionary<(DeviceKind, Type), IDisposable> Made = new();
    private static readonly Lazy<(bool Ok, string Why)> Cuda = new(() =>
    {
        bool ok = IlgpuBackend<float>.CudaAvailable(out var why);
        return (ok, why);
    });

    /// <summary>The shared backend of this kind, or an ignored (skipped) test when it is CUDA and there is no GPU.</summary>
    public static IBackend<T> Get<T>(DeviceKind kind) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (kind == DeviceKind.Cuda && !Cuda.Value.Ok)
            Assert.Ignore($"CUDA not present: {Cuda.Value.Why}");
        lock (Made)
        {
            if (!Made.TryGetValue((kind, typeof(T)), out var backend))
            {
                var made = Devices.Create<T>(kind);
                // Tests compare with the CPU path at strict tolerances: convolutions in FP32, chosen by rule, unless a test
                // asks for TF32 (ImplicitGemmConvTests) or for autotuning itself.
                if (made is IlgpuBackend<T> gpu)
                {
                    gpu.ConvPrecision = Cortex.Core.Kernels.ConvPrecision.Fp32;
                    gpu.Autotune = false;
                }
                Made[(kind, typeof(T))] = backend = made;
            }
            return (IBackend<T>)backend;
        }
    }

    /// <summary>Relative tolerance when comparing a backend's result with the CPU path's, by precision.</summary>
    public static double AgreementTolerance<T>() => typeof(T) == typeof(double) ? 1e-10 : 2e-4;

    internal static void DisposeAll()
    {
        lock (Made)
        {
            foreach (var b in Made.Values) b.Dispose();
            Made.Clear();
        }
    }
}

[SetUpFixture]
public sealed class TestBackendsLifetime
{
    [OneTimeTearDown]
    public void DisposeBackends() => TestBackends.DisposeAll();
}
