using System.Collections.Concurrent;
using System.Numerics;
using System.Reflection;
using Cortex.Core.Backends.Blas;
using Cortex.Core.Tensors;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace Cortex.Core.Backends;

/// <summary>
/// ILGPU kernels on a CUDA GPU (matrix products through cuBLAS) or on ILGPU's CPU accelerator (a slow
/// simulator that runs the very same kernels, used by tests on machines without a GPU). Every kernel is
/// queued on the accelerator's default stream; nothing returns to the host until <see cref="Download"/>
/// or <see cref="Synchronize"/>.
/// </summary>
public sealed partial class IlgpuBackend<T> : IBackend<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Context context;
    private readonly ConcurrentDictionary<MethodInfo, Delegate> kernels = new();
    private readonly CublasGemm<T>? cublas;
    private readonly Dictionary<string, MemoryBuffer1D<T, Stride1D.Dense>> workspaces = new();

    private IlgpuBackend(DeviceKind kind, Context context, Accelerator accelerator)
    {
        Kind = kind;
        this.context = context;
        Accelerator = accelerator;
        if (kind == DeviceKind.Cuda)
        {
            cublas = CublasGemm<T>.TryCreate((CudaAccelerator)accelerator, out var why);
            if (cublas is null)
                Log.Warn($"cuBLAS could not be loaded ({why}); matrix products on {accelerator.Name} fall back to Cortex's own ILGPU GEMM kernel, which is far slower");
        }
        Description = kind == DeviceKind.Cuda
            ? $"cuda ({accelerator.Name}, {accelerator.MemorySize / (1 << 20)} MiB, {(cublas is null ? "ILGPU GEMM" : cublas.Description)})"
            : "ilgpu-cpu (ILGPU CPU accelerator)";
    }

    /// <summary>
    /// The ILGPU kernels on CUDA device <paramref name="ordinal"/> modulo the number of devices (0: the first; processes of a
    /// data-parallel run on one node pass their local rank, so that each takes its own GPU). Throws when there is none.
    /// </summary>
    public static IlgpuBackend<T> CreateCuda(int ordinal = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ordinal);
        var context = Context.Create(b => b.Cuda(OverrideInstructionSet).EnableAlgorithms().Optimize(OptimizationLevel.O2));
        var devices = context.GetCudaDevices();
        if (devices.Count == 0)
        {
            context.Dispose();
            throw new DeviceUnavailableException("cuda", "no CUDA device was found (no NVIDIA driver, or no supported GPU)");
        }
        return new IlgpuBackend<T>(DeviceKind.Cuda, context, devices[ordinal % devices.Count].CreateCudaAccelerator(context));
    }

    /// <summary>The ILGPU kernels on ILGPU's CPU accelerator (2 threads a group: light kernels launch cheaply).</summary>
    public static IlgpuBackend<T> CreateCpuSimulator()
    {
        var context = Context.Create(b => b.CPU(new CPUDevice(2, 1, 1)).EnableAlgorithms().Optimize(OptimizationLevel.O2));
        var device = (CPUDevice)context.Devices.Single(d => d.AcceleratorType == AcceleratorType.CPU);
        return new IlgpuBackend<T>(DeviceKind.IlgpuCpu, context, device.CreateCPUAccelerator(context, CPUAcceleratorMode.Parallel));
    }

    /// <summary>True when a CUDA device can be opened here.</summary>
    public static bool CudaAvailable(out string reason)
    {
        try
        {
            using var context = Context.Create(b => b.Cuda(OverrideInstructionSet));
            var devices = context.GetCudaDevices();
            reason = devices.Count > 0 ? $"found {devices[0].Name}" : "no CUDA device was found";
            return devices.Count > 0;
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or CudaException or NotSupportedException or InvalidOperationException)
        {
            reason = $"the CUDA driver could not be used ({e.GetType().Name}: {e.Message})";
            return false;
        }
    }

    // ILGPU 1.5.3 knows PTX ISAs up to 8.8; a newer driver (CUDA 13) reports a version it cannot map, which
    // would leave the device unsupported. Any such driver JIT-compiles PTX 8.x, so use the newest ISA ILGPU
    // knows whenever the detected one is missing.
    private static void OverrideInstructionSet(CudaDeviceOverride device)
    {
        if (!device.Device.InstructionSet.HasValue)
            device.InstructionSet = CudaInstructionSet.ISA_80;
    }

    public DeviceKind Kind { get; }

    public string Description { get; }

    public Accelerator Accelerator { get; }

    public Tensor<T> Allocate(Shape shape)
    {
        var buffer = Accelerator.Allocate1D<T>(shape.Size);
        buffer.MemSetToZero();
        return new Tensor<T>(this, shape, buffer, 0, owner: true);
    }

    public void Upload(ReadOnlySpan<T> source, Tensor<T> destination)
    {
        Own("Upload", destination);
        if (source.Length != destination.Length)
            throw new ArgumentException($"Upload: {source.Length} values do not fit tensor {destination.Shape} ({destination.Length} elements)");
        destination.View.CopyFromCPU(Accelerator.DefaultStream, source);
    }

    public void Download(Tensor<T> source, Span<T> destination)
    {
        Own("Download", source);
        if (destination.Length != source.Length)
            throw new ArgumentException($"Download: tensor {source.Shape} has {source.Length} elements, destination holds {destination.Length}");
        Accelerator.Synchronize();
        source.View.CopyToCPU(Accelerator.DefaultStream, destination);
        Accelerator.Synchronize();
    }

    public void Copy(Tensor<T> source, Tensor<T> destination)
    {
        Own("Copy", source); Own("Copy", destination);
        if (source.Length != destination.Length)
            throw new ArgumentException($"Copy: source {source.Shape} and destination {destination.Shape} differ in size");
        source.View.CopyTo(Accelerator.DefaultStream, destination.View);
    }

    public void Fill(Tensor<T> tensor, T value)
    {
        Own("Fill", tensor);
        Launch(FillKernel, tensor.Length, tensor.View, value);
    }

    private static void FillKernel(Index1D i, ArrayView<T> x, T value) => x[i] = value;

    public void Gemm(bool transA, bool transB, int m, int n, int k, T alpha, Tensor<T> a, int lda, Tensor<T> b, int ldb, T beta, Tensor<T> c, int ldc) =>
        GemmBatched(transA, transB, m, n, k, alpha, a, lda, 0, b, ldb, 0, beta, c, ldc, 0, 1);

    public void GemmBatched(bool transA, bool transB, int m, int n, int k, T alpha, Tensor<T> a, int lda, int strideA,
        Tensor<T> b, int ldb, int strideB, T beta, Tensor<T> c, int ldc, int strideC, int batch)
    {
        Own("Gemm", a); Own("Gemm", b); Own("Gemm", c);
        GemmArgs.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc, batch, strideA, strideB, strideC);
        if (cublas is not null)
            cublas.GemmBatched(transA, transB, m, n, k, alpha, a.View, lda, strideA, b.View, ldb, strideB, beta, c.View, ldc, strideC, batch);
        else
            IlgpuGemm.Run(this, transA, transB, m, n, k, alpha, a.View, lda, strideA, b.View, ldb, strideB, beta, c.View, ldc, strideC, batch);
    }

    public void Synchronize() => Accelerator.Synchronize();

    /// <summary>
    /// Scratch memory owned by the backend, one buffer per key, grown on demand. Kernels queue in order on
    /// one stream, so a family may reuse its key from call to call; two families must use different keys.
    /// Growing a buffer waits for queued work first.
    /// </summary>
    public ArrayView<T> Workspace(string key, long length)
    {
        lock (workspaces)
        {
            if (!workspaces.TryGetValue(key, out var buffer) || buffer.Length < length)
            {
                if (buffer is not null)
                {
                    Accelerator.Synchronize();
                    buffer.Dispose();
                }
                workspaces[key] = buffer = Accelerator.Allocate1D<T>(Math.Max(length, 1));
            }
            return buffer.View.SubView(0, length);
        }
    }

    /// <summary>The workspace of <paramref name="key"/> as a tensor of the given shape (for Gemm); valid until the key grows.</summary>
    public Tensor<T> Workspace(string key, Shape shape)
    {
        Workspace(key, (long)shape.Size);
        lock (workspaces) return new Tensor<T>(this, shape, workspaces[key], 0, owner: false);
    }

    public void Dispose()
    {
        cublas?.Dispose();
        foreach (var buffer in workspaces.Values) buffer.Dispose();
        Accelerator.Dispose();
        context.Dispose();
    }

    private void Own(string op, Tensor<T> t)
    {
        if (!ReferenceEquals(t.Backend, this))
            throw new ArgumentException($"{op}: tensor {t.Shape} lives on {t.Backend.Description}, not on {Description}");
    }
}

/// <summary>A device that was asked for by name is not present.</summary>
public sealed class DeviceUnavailableException(string device, string reason)
    : Exception($"device '{device}' was requested but is not available: {reason}")
{
    public string Device { get; } = device;
}
