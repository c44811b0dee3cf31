using System.Numerics;

namespace Cortex.Core.Backends;

/// <summary>How CPU kernels split work across threads.</summary>
public static class CpuParallel
{
    /// <summary>Below this many elements, element-wise work stays on one thread (thread hand-off costs more).</summary>
    public const int SerialBelow = 1 << 15;

    /// <summary>Splits [0, n) into one contiguous chunk per thread (or runs serially when small) and calls body(start, length).</summary>
    public static void Chunks<T>(CpuBackend<T> cpu, int n, Action<int, int> body) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (n <= 0) return;
        int workers = Math.Min(cpu.Threads, Math.Max(1, n / (SerialBelow / 2)));
        if (workers == 1)
        {
            body(0, n);
            return;
        }
        int chunk = (n + workers - 1) / workers;
        cpu.For(workers, w =>
        {
            int start = w * chunk;
            int length = Math.Min(chunk, n - start);
            if (length > 0) body(start, length);
        });
    }
}
