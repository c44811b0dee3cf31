using System.Numerics;

namespace Cortex.Core.Backends;

/// <summary>
/// Explicit device selection: <c>--device cpu|cuda|ilgpu-cpu|auto</c>, or the CORTEX_DEVICE environment
/// variable when no flag is given. <c>auto</c> takes CUDA when a GPU can be opened, else the CPU path, and
/// says why. A device asked for by name that is missing is an error, never a silent fallback.
/// </summary>
public static class Devices
{
    /// <summary>The environment variable read when no <c>--device</c> flag is given: one of <see cref="Names"/>.</summary>
    public const string EnvironmentVariable = "CORTEX_DEVICE";

    /// <summary>The device names a flag or <see cref="EnvironmentVariable"/> may hold: <c>auto</c>, <c>cpu</c>, <c>cuda</c>, <c>ilgpu-cpu</c>.</summary>
    public static readonly IReadOnlyList<string> Names = ["auto", "cpu", "cuda", "ilgpu-cpu"];

    /// <summary>The device a flag (or, when it is null, the environment) asks for, resolved, with the reason.</summary>
    public static (DeviceKind Kind, string Reason) Resolve(string? flag)
    {
        string source = flag is not null ? "--device" : EnvironmentVariable;
        string? text = flag ?? Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            text = "auto";
            source = "default";
        }
        switch (text.Trim().ToLowerInvariant())
        {
            case "cpu": return (DeviceKind.Cpu, $"cpu requested ({source})");
            case "ilgpu-cpu": return (DeviceKind.IlgpuCpu, $"ilgpu-cpu requested ({source})");
            case "cuda":
                if (!IlgpuBackend<float>.CudaAvailable(out var why))
                    throw new DeviceUnavailableException("cuda", why);
                return (DeviceKind.Cuda, $"cuda requested ({source}): {why}");
            case "auto":
                return IlgpuBackend<float>.CudaAvailable(out var reason)
                    ? (DeviceKind.Cuda, $"auto ({source}) chose cuda: {reason}")
                    : (DeviceKind.Cpu, $"auto ({source}) chose cpu: {reason}");
            default:
                throw new ArgumentException($"{source}: unknown device '{text}'; allowed: {string.Join(", ", Names)}");
        }
    }

    /// <summary>
    /// A backend of <paramref name="kind"/>; on CUDA, device <paramref name="cudaDevice"/> modulo the node's devices; on the CPU,
    /// <paramref name="cpuThreads"/> threads (null: one per processor this process may run on).
    /// </summary>
    public static IBackend<T> Create<T>(DeviceKind kind, int cudaDevice = 0, int? cpuThreads = null) where T : unmanaged, IFloatingPointIeee754<T> => kind switch
    {
        DeviceKind.Cpu => new CpuBackend<T>(cpuThreads),
        DeviceKind.Cuda => IlgpuBackend<T>.CreateCuda(cudaDevice),
        DeviceKind.IlgpuCpu => IlgpuBackend<T>.CreateCpuSimulator(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown device kind"),
    };
}
