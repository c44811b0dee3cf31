using System.Runtime.InteropServices;

namespace Cortex.Core.Backends;

/// <summary>
/// A direct binding of the CUDA driver's stream capture and graph entry points (libcuda.so.1, through function pointers
/// as the cuBLAS binding does; docs/decisions/0011-cuda-graphs.md): cuStreamBeginCapture_v2, cuStreamEndCapture,
/// cuStreamIsCapturing, cuGraphInstantiateWithFlags, cuGraphLaunch, cuGraphExecDestroy, cuGraphDestroy and
/// cuGetErrorName. Every call needs the accelerator's context current (the caller binds it).
/// </summary>
internal sealed unsafe class CudaGraphApi
{
    /// <summary>CUstreamCaptureMode: CU_STREAM_CAPTURE_MODE_GLOBAL, under which any call that could wait for the device
    /// or allocate while a capture is under way fails (so a step that would do either is refused, not recorded wrongly).</summary>
    public const int CaptureModeGlobal = 0;

    /// <summary>CUstreamCaptureStatus: CU_STREAM_CAPTURE_STATUS_NONE, _ACTIVE, _INVALIDATED.</summary>
    public const int CaptureNone = 0, CaptureActive = 1, CaptureInvalidated = 2;

    private static readonly string[] Candidates = ["libcuda.so.1", "libcuda.so"];

    // CUresult cuStreamBeginCapture_v2(CUstream hStream, CUstreamCaptureMode mode)
    private readonly delegate* unmanaged<nint, int, int> beginCapture;
    // CUresult cuStreamEndCapture(CUstream hStream, CUgraph* phGraph)
    private readonly delegate* unmanaged<nint, nint*, int> endCapture;
    // CUresult cuStreamIsCapturing(CUstream hStream, CUstreamCaptureStatus* captureStatus)
    private readonly delegate* unmanaged<nint, int*, int> isCapturing;
    // CUresult cuGraphInstantiateWithFlags(CUgraphExec* phGraphExec, CUgraph hGraph, unsigned long long flags)
    private readonly delegate* unmanaged<nint*, nint, ulong, int> instantiate;
    // CUresult cuGraphLaunch(CUgraphExec hGraphExec, CUstream hStream)
    private readonly delegate* unmanaged<nint, nint, int> launch;
    // CUresult cuGraphExecDestroy(CUgraphExec hGraphExec)
    private readonly delegate* unmanaged<nint, int> destroyExec;
    // CUresult cuGraphDestroy(CUgraph hGraph)
    private readonly delegate* unmanaged<nint, int> destroyGraph;
    // CUresult cuGetErrorName(CUresult error, const char** pStr)
    private readonly delegate* unmanaged<int, byte**, int> errorName;

    /// <summary>The exports looked up, in the order the constructor takes them.</summary>
    internal static readonly string[] Exports =
    [
        "cuStreamBeginCapture_v2", "cuStreamEndCapture", "cuStreamIsCapturing", "cuGraphInstantiateWithFlags", "cuGraphLaunch",
        "cuGraphExecDestroy", "cuGraphDestroy", "cuGetErrorName",
    ];

    private CudaGraphApi(nint[] f)
    {
        beginCapture = (delegate* unmanaged<nint, int, int>)f[0];
        endCapture = (delegate* unmanaged<nint, nint*, int>)f[1];
        isCapturing = (delegate* unmanaged<nint, int*, int>)f[2];
        instantiate = (delegate* unmanaged<nint*, nint, ulong, int>)f[3];
        launch = (delegate* unmanaged<nint, nint, int>)f[4];
        destroyExec = (delegate* unmanaged<nint, int>)f[5];
        destroyGraph = (delegate* unmanaged<nint, int>)f[6];
        errorName = (delegate* unmanaged<int, byte**, int>)f[7];
    }

    /// <summary>The driver's graph API, or null and why (no driver library, or one too old to have these entry points).</summary>
    public static CudaGraphApi? TryLoad(out string why)
    {
        foreach (var name in Candidates)
        {
            if (!NativeLibrary.TryLoad(name, out var lib)) continue;
            var found = new nint[Exports.Length];
            var missing = new List<string>();
            for (int i = 0; i < Exports.Length; i++)
                if (!NativeLibrary.TryGetExport(lib, Exports[i], out found[i])) missing.Add(Exports[i]);
            if (missing.Count > 0)
            {
                why = $"{name} lacks {string.Join(", ", missing)} (a driver for CUDA 11.4 or newer is needed)";
                return null;
            }
            why = "";
            return new CudaGraphApi(found);
        }
        why = $"none of {string.Join(", ", Candidates)} could be loaded";
        return null;
    }

    public int BeginCapture(nint stream) => beginCapture(stream, CaptureModeGlobal);

    public int EndCapture(nint stream, out nint graph)
    {
        nint g = 0;
        int status = endCapture(stream, &g);
        graph = g;
        return status;
    }

    public int CaptureStatus(nint stream)
    {
        int status = CaptureNone;
        return isCapturing(stream, &status) == 0 ? status : CaptureNone;
    }

    public int Instantiate(nint graph, out nint exec)
    {
        nint e = 0;
        int status = instantiate(&e, graph, 0);
        exec = e;
        return status;
    }

    public int Launch(nint exec, nint stream) => launch(exec, stream);

    public void DestroyExec(nint exec) => destroyExec(exec);

    public void DestroyGraph(nint graph) => destroyGraph(graph);

    /// <summary>"CUDA_ERROR_STREAM_CAPTURE_INVALIDATED (901)" for a CUresult.</summary>
    public string Describe(int status)
    {
        byte* text = null;
        return errorName(status, &text) == 0 && text != null ? $"{Marshal.PtrToStringAnsi((nint)text)} ({status})" : $"CUresult {status}";
    }
}

/// <summary>
/// The work one call queued on an <see cref="IlgpuBackend{T}"/>'s stream, captured once into a CUDA graph and
/// instantiated: <see cref="IlgpuBackend{T}.Replay"/> queues all of it again with one launch. Every kernel argument —
/// pointers and scalars — is fixed at capture: what changes from replay to replay must live in device memory, written
/// before the replay. Made by <see cref="IlgpuBackend{T}.TryCapture"/>; disposing it frees the graph.
/// </summary>
public sealed class CapturedWork : IDisposable
{
    private readonly Action<nint> destroy;
    private bool disposed;

    internal CapturedWork(nint exec, object owner, Action<nint> destroy)
    {
        Exec = exec;
        Owner = owner;
        this.destroy = destroy;
    }

    internal nint Exec { get; }

    /// <summary>The backend it was captured on.</summary>
    internal object Owner { get; }

    /// <summary>Frees the instantiated graph; it cannot be replayed afterwards. Calling it again does nothing.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        destroy(Exec);
    }
}
