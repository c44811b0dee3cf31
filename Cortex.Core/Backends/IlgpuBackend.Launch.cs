using System.Numerics;
using ILGPU;
using ILGPU.Runtime;

namespace Cortex.Core.Backends;

// Launch overloads by arity: each loads its kernel once into the cache, then queues it on the backend's stream.
public sealed partial class IlgpuBackend<T>
{
    /// <summary>
    /// Queues an explicitly grouped kernel (one that stages tiles in shared memory and synchronises its group) with the
    /// given grid and group sizes; the group size must not exceed <see cref="Accelerator.MaxNumThreadsPerGroup"/>.
    /// </summary>
    public void LaunchGrouped<T1, T2>(Action<T1, T2> kernel, KernelConfig config, T1 a1, T2 a2) where T1 : struct where T2 : struct
    {
        if (config.GridDim.Size <= 0) return;
        if (config.GroupDim.Size > Accelerator.MaxNumThreadsPerGroup)
            throw new ArgumentOutOfRangeException(nameof(config), $"{kernel.Method.Name}: a group of {config.GroupDim.Size} threads exceeds {Accelerator.Name}'s {Accelerator.MaxNumThreadsPerGroup}");
        ((Action<AcceleratorStream, KernelConfig, T1, T2>)kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadKernel(kernel)))(Stream, config, a1, a2);
    }

    /// <summary>Queues <paramref name="kernel"/> over the indices 0 … <paramref name="extent"/> − 1 on <see cref="Stream"/> with its arguments, loading it into the kernel cache on first use; an extent ≤ 0 queues nothing.</summary>
    public void Launch<T1>(Action<Index1D, T1> kernel, int extent, T1 a1) where T1 : struct
    {
        if (extent <= 0) return;
        ((Action<AcceleratorStream, Index1D, T1>)kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedKernel(kernel)))(Stream, extent, a1);
    }

    /// <summary>Queues <paramref name="kernel"/> over the indices 0 … <paramref name="extent"/> − 1 on <see cref="Stream"/> with its arguments, loading it into the kernel cache on first use; an extent ≤ 0 queues nothing.</summary>
    public void Launch<T1, T2>(Action<Index1D, T1, T2> kernel, int extent, T1 a1, T2 a2) where T1 : struct where T2 : struct
    {
        if (extent <= 0) return;
        ((Action<AcceleratorStream, Index1D, T1, T2>)kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedKernel(kernel)))(Stream, extent, a1, a2);
    }

    /// <summary>Queues <paramref name="kernel"/> over the indices 0 … <paramref name="extent"/> − 1 on <see cref="Stream"/> with its arguments, loading it into the kernel cache on first use; an extent ≤ 0 queues nothing.</summary>
    public void Launch<T1, T2, T3>(Action<Index1D, T1, T2, T3> kernel, int extent, T1 a1, T2 a2, T3 a3) where T1 : struct where T2 : struct where T3 : struct
    {
        if (extent <= 0) return;
        ((Action<AcceleratorStream, Index1D, T1, T2, T3>)kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedKernel(kernel)))(Stream, extent, a1, a2, a3);
    }

    /// <summary>Queues <paramref name="kernel"/> over the indices 0 … <paramref name="extent"/> − 1 on <see cref="Stream"/> with its arguments, loading it into the kernel cache on first use; an extent ≤ 0 queues nothing.</summary>
    public void Launch<T1, T2, T3, T4>(Action<Index1D, T1, T2, T3, T4> kernel, int extent, T1 a1, T2 a2, T3 a3, T4 a4) where T1 : struct where T2 : struct where T3 : struct where T4 : struct
    {
        if (extent <= 0) return;
        ((Action<AcceleratorStream, Index1D, T1, T2, T3, T4>)kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedKernel(kernel)))(Stream, extent, a1, a2, a3, a4);
    }

    /// <summary>Queues <paramref name="kernel"/> over the indices 0 … <paramref name="extent"/> − 1 on <see cref="Stream"/> with its arguments, loading it into the kernel cache on first use; an extent ≤ 0 queues nothing.</summary>
    public void Launch<T1, T2, T3, T4, T5>(Action<Index1D, T1, T2, T3, T4, T5> kernel, int extent, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct
    {
        if (extent <= 0) return;
        ((Action<AcceleratorStream, Index1D, T1, T2, T3, T4, T5>)kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedKernel(kernel)))(Stream, extent, a1, a2, a3, a4, a5);
    }

    /// <summary>Queues <paramref name="kernel"/> over the indices 0 … <paramref name="extent"/> − 1 on <see cref="Stream"/> with its arguments, loading it into the kernel cache on first use; an extent ≤ 0 queues nothing.</summary>
    public void Launch<T1, T2, T3, T4, T5, T6>(Action<Index1D, T1, T2, T3, T4, T5, T6> kernel, int extent, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct
    {
        if (extent <= 0) return;
        ((Action<AcceleratorStream, Index1D, T1, T2, T3, T4, T5, T6>)kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedKernel(kernel)))(Stream, extent, a1, a2, a3, a4, a5, a6);
    }

    /// <summary>Queues <paramref name="kernel"/> over the indices 0 … <paramref name="extent"/> − 1 on <see cref="Stream"/> with its arguments, loading it into the kernel cache on first use; an extent ≤ 0 queues nothing.</summary>
    public void Launch<T1, T2, T3, T4, T5, T6, T7>(Action<Index1D, T1, T2, T3, T4, T5, T6, T7> kernel, int extent, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct
    {
        if (extent <= 0) return;
        ((Action<AcceleratorStream, Index1D, T1, T2, T3, T4, T5, T6, T7>)kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedKernel(kernel)))(Stream, extent, a1, a2, a3, a4, a5, a6, a7);
    }

    /// <summary>Queues <paramref name="kernel"/> over the indices 0 … <paramref name="extent"/> − 1 on <see cref="Stream"/> with its arguments, loading it into the kernel cache on first use; an extent ≤ 0 queues nothing.</summary>
    public void Launch<T1, T2, T3, T4, T5, T6, T7, T8>(Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8> kernel, int extent, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct
    {
        if (extent <= 0) return;
        ((Action<AcceleratorStream, Index1D, T1, T2, T3, T4, T5, T6, T7, T8>)kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedKernel(kernel)))(Stream, extent, a1, a2, a3, a4, a5, a6, a7, a8);
    }

    /// <summary>Queues <paramref name="kernel"/> over the indices 0 … <paramref name="extent"/> − 1 on <see cref="Stream"/> with its arguments, loading it into the kernel cache on first use; an extent ≤ 0 queues nothing.</summary>
    public void Launch<T1, T2, T3, T4, T5, T6, T7, T8, T9>(Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9> kernel, int extent, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct
    {
        if (extent <= 0) return;
        ((Action<AcceleratorStream, Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9>)kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedKernel(kernel)))(Stream, extent, a1, a2, a3, a4, a5, a6, a7, a8, a9);
    }

    /// <summary>Queues <paramref name="kernel"/> over the indices 0 … <paramref name="extent"/> − 1 on <see cref="Stream"/> with its arguments, loading it into the kernel cache on first use; an extent ≤ 0 queues nothing.</summary>
    public void Launch<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10>(Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10> kernel, int extent, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct
    {
        if (extent <= 0) return;
        ((Action<AcceleratorStream, Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10>)kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedKernel(kernel)))(Stream, extent, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10);
    }

    /// <summary>Queues <paramref name="kernel"/> over the indices 0 … <paramref name="extent"/> − 1 on <see cref="Stream"/> with its arguments, loading it into the kernel cache on first use; an extent ≤ 0 queues nothing.</summary>
    public void Launch<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11>(Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11> kernel, int extent, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct
    {
        if (extent <= 0) return;
        ((Action<AcceleratorStream, Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11>)kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedKernel(kernel)))(Stream, extent, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11);
    }

    /// <summary>Queues <paramref name="kernel"/> over the indices 0 … <paramref name="extent"/> − 1 on <see cref="Stream"/> with its arguments, loading it into the kernel cache on first use; an extent ≤ 0 queues nothing.</summary>
    public void Launch<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12>(Action<Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12> kernel, int extent, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12) where T1 : struct where T2 : struct where T3 : struct where T4 : struct where T5 : struct where T6 : struct where T7 : struct where T8 : struct where T9 : struct where T10 : struct where T11 : struct where T12 : struct
    {
        if (extent <= 0) return;
        ((Action<AcceleratorStream, Index1D, T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12>)kernels.GetOrAdd(kernel.Method, _ => Accelerator.LoadAutoGroupedKernel(kernel)))(Stream, extent, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12);
    }
}
