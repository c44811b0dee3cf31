using System.Diagnostics;
using Cortex.Core.Simulation;

namespace Cortex.Experiments.Distributed;

/// <summary>
/// The replicas of a data-parallel run over MPI: <see cref="IReplicas.Sum(Span{float})"/> is one all-reduce
/// (MPI_Iallreduce, MPI_SUM, in place, waited for without hogging a core: <see cref="MpiNative"/>) over MPI_COMM_WORLD on host memory. MPICH's all-reduce gives every rank the same sums (each
/// element is reduced in one order and the result shared), which keeps the replicas' weights equal. It counts what it
/// sends, for the scaling measurements of docs/scale-out.md.
/// </summary>
public sealed class MpiReplicas : IReplicas
{
    private readonly Stopwatch clock = new();

    internal MpiReplicas(int rank, int size)
    {
        Index = rank;
        Count = size;
    }

    /// <inheritdoc/>
    public int Count { get; }

    /// <inheritdoc/>
    public int Index { get; }

    /// <summary>All-reduce calls made so far.</summary>
    public long Calls { get; private set; }

    /// <summary>Bytes this rank has contributed to all-reduces so far.</summary>
    public long Bytes { get; private set; }

    /// <summary>Wall time spent in all-reduces so far, waiting for the other ranks included.</summary>
    public TimeSpan Elapsed => clock.Elapsed;

    /// <summary>Sets <see cref="Calls"/>, <see cref="Bytes"/> and <see cref="Elapsed"/> back to zero.</summary>
    public void ResetCounters()
    {
        Calls = 0;
        Bytes = 0;
        clock.Reset();
    }

    /// <inheritdoc/>
    public void Sum(Span<float> values) => AllReduce(values, MPI.Unsafe.MPI_FLOAT);

    /// <inheritdoc/>
    public void Sum(Span<double> values) => AllReduce(values, MPI.Unsafe.MPI_DOUBLE);

    private unsafe void AllReduce<T>(Span<T> values, int datatype) where T : unmanaged
    {
        if (values.IsEmpty) return;
        clock.Start();
        int rc;
        fixed (T* p = values)
            rc = MpiNative.AllReduceSum((IntPtr)p, values.Length, datatype);
        clock.Stop();
        if (rc != 0) throw new InvalidOperationException($"MPI_Allreduce of {values.Length} values failed with MPI error {rc}");
        Calls++;
        Bytes += (long)values.Length * sizeof(T);
    }
}
