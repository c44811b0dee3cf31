using System.Numerics;
using Cortex.Core.Backends;

namespace Cortex.Core.Simulation;

/// <summary>How much memory a backend can give a network, and the check made before anything is allocated.</summary>
public static class DeviceMemory
{
    /// <summary>
    /// Bytes available: on the CPU path the memory the runtime may use (<see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>,
    /// which honours container limits); on ILGPU the accelerator's memory size.
    /// </summary>
    public static long Capacity<T>(IBackend<T> backend) where T : unmanaged, IFloatingPointIeee754<T> => backend switch
    {
        IlgpuBackend<T> gpu => gpu.Accelerator.MemorySize,
        _ => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
    };

    /// <summary>Throws <see cref="DeviceMemoryException"/> when <paramref name="estimatedBytes"/> exceed the backend's capacity.</summary>
    public static void Ensure<T>(string network, int batch, long estimatedBytes, IBackend<T> backend) where T : unmanaged, IFloatingPointIeee754<T>
    {
        long capacity = Capacity(backend);
        if (estimatedBytes > capacity)
            throw new DeviceMemoryException(
                $"network '{network}' needs an estimated {Format(estimatedBytes)} at batch {batch} (states, weights, gradients and optimiser moments), " +
                $"but {backend.Description} has {Format(capacity)}; use a smaller batch, fewer steps or smaller areas",
                network, batch, estimatedBytes, capacity);
    }

    /// <summary>A byte count for messages, in KiB, MiB or GiB with up to two decimals.</summary>
    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.##} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.##} MiB",
        _ => $"{bytes / 1024.0:0.##} KiB",
    };
}

/// <summary>A network does not fit the device; raised before anything is allocated.</summary>
public sealed class DeviceMemoryException(string message, string network, int batch, long estimatedBytes, long capacityBytes) : Exception(message)
{
    /// <summary>The network that does not fit.</summary>
    public string Network { get; } = network;
    /// <summary>The batch size it was asked to run at.</summary>
    public int Batch { get; } = batch;
    /// <summary>Bytes the run would need: states, weights, gradients and optimiser moments.</summary>
    public long EstimatedBytes { get; } = estimatedBytes;
    /// <summary>Bytes the device offers.</summary>
    public long CapacityBytes { get; } = capacityBytes;
}
