using System.Collections.Concurrent;
using System.Numerics;
using System.Reflection;
using Cortex.Core.Backends.Blas;
using Cortex.Core.Kernels;
using Cortex.Core.Tensors;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace Cortex.Core.Backends;

/// <summary>
/// ILGPU kernels on a CUDA GPU (matrix products through cuBLAS) or on ILGPU's CPU accelerator (a slow
/// simulator that runs the very same kernels, used by tests on machines without a GPU). Every kernel, copy and
/// product is queued on one stream (<see cref="Stream"/>); nothing returns to the host until <see cref="Download"/>
/// or <see cref="Synchronize"/>. On CUDA that stream is one the backend creates (a blocking stream, ordered with the
/// legacy default stream), because work on the legacy default stream cannot be captured into a CUDA graph
/// (<see cref="TryCapture"/>, docs/decisions/0011-cuda-graphs.md).
/// </summary>
public sealed partial class IlgpuBackend<T> : IBackend<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Context context;
    private readonly ConcurrentDictionary<MethodInfo, Delegate> kernels = new();
    private readonly CublasGemm<T>? cublas;
    private readonly Dictionary<string, MemoryBuffer1D<T, Stride1D.Dense>> workspaces = new();
    private readonly CudaGraphApi? graphs;
    private readonly string graphsMissing = "";

    private IlgpuBackend(DeviceKind kind, Context context, Accelerator accelerator)
    {
        Kind = kind;
        this.context = context;
        Accelerator = accelerator;
        if (kind == DeviceKind.Cuda)
        {
            var cuda = (CudaAccelerator)accelerator;
            Stream = cuda.CreateStream(StreamFlags.CU_STREAM_DEFAULT);
            graphs = CudaGraphApi.TryLoad(out graphsMissing);
            cublas = CublasGemm<T>.TryCreate(cuda, (CudaStream)Stream, out var why);
            if (cublas is null)
                Log.Warn($"cuBLAS could not be loaded ({why}); matrix products on {accelerator.Name} fall back to Cortex's own ILGPU GEMM kernel, which is far slower");
        }
        else
        {
            Stream = accelerator.DefaultStream;
            graphsMissing = "ILGPU's CPU accelerator has no CUDA graphs";
        }
        convPrecision = ConvPrecisions.Default(kind) == ConvPrecision.Tf32 && typeof(T) == typeof(float) ? ConvPrecision.Tf32 : ConvPrecision.Fp32;
        Autotune = kind == DeviceKind.Cuda && Environment.GetEnvironmentVariable(AutotuneVariable) is not ("0" or "off" or "false");
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

    /// <summary>Set to 0 (or off, false) to turn the measurement of convolution algorithms on CUDA off: the rule decides instead.</summary>
    public const string AutotuneVariable = "CORTEX_CONV_AUTOTUNE";

    /// <inheritdoc/>
    /// <remarks><see cref="DeviceKind.Cuda"/> on a GPU, <see cref="DeviceKind.IlgpuCpu"/> on ILGPU's CPU accelerator.</remarks>
    public DeviceKind Kind { get; }

    private ConvPrecision convPrecision;

    /// <summary>
    /// The arithmetic of convolutions on this backend: TF32 by default on CUDA for float tensors (PyTorch's default for
    /// cuDNN convolutions), FP32 elsewhere; double-precision tensors are never rounded (TF32 cannot be set on them).
    /// </summary>
    public ConvPrecision ConvPrecision
    {
        get => convPrecision;
        set
        {
            if (value == ConvPrecision.Tf32 && typeof(T) != typeof(float))
                throw new InvalidOperationException($"tf32 applies to single-precision tensors; this backend computes in {typeof(T).Name}");
            convPrecision = value;
        }
    }

    /// <summary>How convolutions are computed: <see cref="Kernels.ConvAlgorithm.Auto"/> (the default) chooses per pass and shape.</summary>
    public ConvAlgorithm ConvAlgorithm { get; set; } = ConvAlgorithm.Auto;

    /// <summary>
    /// With <see cref="Kernels.ConvAlgorithm.Auto"/>: measure each convolution pass once per shape and precision with both
    /// algorithms and keep the faster (logged). On by default on CUDA (<see cref="AutotuneVariable"/> turns it off); off on
    /// the CPU accelerator, where the rule decides (TF32: implicit GEMM; FP32: im2col), so that runs are deterministic.
    /// </summary>
    public bool Autotune { get; set; }

    /// <summary>Whether the default stream is being captured into a CUDA graph: nothing may wait for the device, or measure.</summary>
    public bool Capturing { get; private set; }

    /// <summary>The choices autotuning made (true: implicit GEMM), by pass, shape and precision.</summary>
    internal ConcurrentDictionary<ConvChoiceKey, bool> ConvChoices { get; } = new();

    /// <inheritdoc/>
    public string Description { get; }

    /// <summary>The ILGPU accelerator (a CUDA device or ILGPU's CPU accelerator) that runs this backend's kernels and holds its memory.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>The stream every kernel, copy and product of this backend is queued on.</summary>
    public AcceleratorStream Stream { get; }

    /// <inheritdoc/>
    public Tensor<T> Allocate(Shape shape)
    {
        var buffer = Accelerator.Allocate1D<T>(shape.Size);
        buffer.MemSetToZero(Stream);
        return new Tensor<T>(this, shape, buffer, 0, owner: true);
    }

    /// <inheritdoc/>
    public void Upload(ReadOnlySpan<T> source, Tensor<T> destination)
    {
        Own("Upload", destination);
        if (source.Length != destination.Length)
            throw new ArgumentException($"Upload: {source.Length} values do not fit tensor {destination.Shape} ({destination.Length} elements)");
        destination.View.CopyFromCPU(Stream, source);
    }

    /// <inheritdoc/>
    public void Download(Tensor<T> source, Span<T> destination)
    {
        Own("Download", source);
        if (destination.Length != source.Length)
            throw new ArgumentException($"Download: tensor {source.Shape} has {source.Length} elements, destination holds {destination.Length}");
        Accelerator.Synchronize();
        source.View.CopyToCPU(Stream, destination);
        Accelerator.Synchronize();
    }

    /// <inheritdoc/>
    public void Copy(Tensor<T> source, Tensor<T> destination)
    {
        Own("Copy", source); Own("Copy", destination);
        if (source.Length != destination.Length)
            throw new ArgumentException($"Copy: source {source.Shape} and destination {destination.Shape} differ in size");
        source.View.CopyTo(Stream, destination.View);
    }

    /// <inheritdoc/>
    public void Fill(Tensor<T> tensor, T value)
    {
        Own("Fill", tensor);
        Launch(FillKernel, tensor.Length, tensor.View, value);
    }

    private static void FillKernel(Index1D i, ArrayView<T> x, T value) => x[i] = value;

    /// <inheritdoc/>
    /// <remarks>Always in FP32 arithmetic: TF32 (<see cref="ConvPrecision"/>) applies to the products inside convolutions only.</remarks>
    public void Gemm(bool transA, bool transB, int m, int n, int k, T alpha, Tensor<T> a, int lda, Tensor<T> b, int ldb, T beta, Tensor<T> c, int ldc) =>
        GemmBatched(transA, transB, m, n, k, alpha, a, lda, 0, b, ldb, 0, beta, c, ldc, 0, 1, ConvPrecision.Fp32);

    /// <inheritdoc/>
    /// <remarks>Always in FP32 arithmetic: TF32 (<see cref="ConvPrecision"/>) applies to the products inside convolutions only.</remarks>
    public void GemmBatched(bool transA, bool transB, int m, int n, int k, T alpha, Tensor<T> a, int lda, int strideA,
        Tensor<T> b, int ldb, int strideB, T beta, Tensor<T> c, int ldc, int strideC, int batch) =>
        GemmBatched(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batch, ConvPrecision.Fp32);

    /// <summary><see cref="Gemm(bool, bool, int, int, int, T, Tensor{T}, int, Tensor{T}, int, T, Tensor{T}, int)"/> at a precision: TF32 lets cuBLAS use tensor cores (a convolution's product); elsewhere strict.</summary>
    internal void Gemm(bool transA, bool transB, int m, int n, int k, T alpha, Tensor<T> a, int lda, Tensor<T> b, int ldb, T beta, Tensor<T> c, int ldc,
        ConvPrecision precision) =>
        GemmBatched(transA, transB, m, n, k, alpha, a, lda, 0, b, ldb, 0, beta, c, ldc, 0, 1, precision);

    /// <summary>
    /// <see cref="GemmBatched(bool, bool, int, int, int, T, Tensor{T}, int, int, Tensor{T}, int, int, T, Tensor{T}, int, int, int)"/> at a
    /// precision: TF32 switches cuBLAS to its TF32 tensor-op math for this call; Cortex's own ILGPU GEMM (no cuBLAS, or the
    /// CPU accelerator) is always strict.
    /// </summary>
    internal void GemmBatched(bool transA, bool transB, int m, int n, int k, T alpha, Tensor<T> a, int lda, int strideA,
        Tensor<T> b, int ldb, int strideB, T beta, Tensor<T> c, int ldc, int strideC, int batch, ConvPrecision precision)
    {
        Own("Gemm", a); Own("Gemm", b); Own("Gemm", c);
        GemmArgs.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc, batch, strideA, strideB, strideC);
        if (cublas is not null)
            cublas.GemmBatched(transA, transB, m, n, k, alpha, a.View, lda, strideA, b.View, ldb, strideB, beta, c.View, ldc, strideC, batch,
                tf32: precision == ConvPrecision.Tf32);
        else
            IlgpuGemm.Run(this, transA, transB, m, n, k, alpha, a.View, lda, strideA, b.View, ldb, strideB, beta, c.View, ldc, strideC, batch);
    }

    /// <inheritdoc/>
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
                if (Capturing)
                    throw new InvalidOperationException($"workspace '{key}' would grow to {length} values during a graph capture (it must have reached its size before)");
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

    /// <summary>Whether <see cref="TryCapture"/> can capture on this backend; if not, why.</summary>
    public bool GraphsAvailable(out string why)
    {
        why = graphs is null ? (graphsMissing.Length > 0 ? graphsMissing : "the CUDA driver's graph API could not be loaded") : "";
        return graphs is not null;
    }

    /// <summary>
    /// Captures the work <paramref name="enqueue"/> queues on <see cref="Stream"/> into a CUDA graph, without running it,
    /// and instantiates it for <see cref="Replay"/>. Returns null and says why where graphs are unavailable or the capture
    /// failed: something in <paramref name="enqueue"/> waited for the device, read a result, allocated, grew a workspace
    /// or used another stream (CUDA refuses those while a stream is captured; nothing was run, the caller runs the work
    /// without a graph instead). Waits for queued work first.
    /// </summary>
    public CapturedWork? TryCapture(Action enqueue, out string why)
    {
        if (!GraphsAvailable(out why)) return null;
        var api = graphs!;
        Synchronize();
        using var binding = Accelerator.BindScoped();
        nint stream = ((CudaStream)Stream).StreamPtr;
        int status = api.BeginCapture(stream);
        if (status != 0)
        {
            why = $"cuStreamBeginCapture_v2 returned {api.Describe(status)}";
            return null;
        }
        Exception? failure = null;
        Capturing = true;
        try
        {
            enqueue();
        }
        catch (Exception e)
        {
            failure = e;
        }
        finally
        {
            Capturing = false;
        }
        int end = api.EndCapture(stream, out nint graph);
        if (failure is not null || end != 0 || graph == 0)
        {
            if (graph != 0) api.DestroyGraph(graph);
            why = (failure is not null ? $"{failure.GetType().Name}: {failure.Message}; " : "") + $"cuStreamEndCapture returned {api.Describe(end)}";
            return null;
        }
        status = api.Instantiate(graph, out nint exec);
        api.DestroyGraph(graph);
        if (status != 0)
        {
            why = $"cuGraphInstantiateWithFlags returned {api.Describe(status)}";
            return null;
        }
        return new CapturedWork(exec, this, handle =>
        {
            using var scope = Accelerator.BindScoped();
            api.DestroyExec(handle);
        });
    }

    /// <summary>Queues the captured work again on <see cref="Stream"/> (one launch); returns at once.</summary>
    public void Replay(CapturedWork work)
    {
        if (!ReferenceEquals(work.Owner, this))
            throw new ArgumentException("Replay: the work was captured on another backend");
        using var binding = Accelerator.BindScoped();
        int status = graphs!.Launch(work.Exec, ((CudaStream)Stream).StreamPtr);
        if (status != 0) throw new InvalidOperationException($"cuGraphLaunch returned {graphs.Describe(status)}");
    }

    /// <summary>Frees the cuBLAS handle, the workspaces, the stream, the accelerator and the ILGPU context. Tensors allocated here must be disposed first.</summary>
    public void Dispose()
    {
        cublas?.Dispose();
        foreach (var buffer in workspaces.Values) buffer.Dispose();
        if (!ReferenceEquals(Stream, Accelerator.DefaultStream)) Stream.Dispose();
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
    /// <summary>The device name that was asked for (<c>cuda</c>, <c>ilgpu-cpu</c>).</summary>
    public string Device { get; } = device;
}
