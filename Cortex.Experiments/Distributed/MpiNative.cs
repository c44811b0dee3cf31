using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Cortex.Experiments.Distributed;

/// <summary>
/// The few MPI calls MPI.NET 1.4.0 does not expose, bound straight to MPICH's library (handles are ints there): nonblocking
/// all-reduce and barrier, and the test that completes them. A rank waits by testing, first in a tight loop (a collective
/// among ranks in step finishes within microseconds), then yielding its core, then sleeping a millisecond at a time — so a
/// rank that waits for another (rank 0 evaluating or writing a checkpoint) does not take the core that rank needs, as MPICH's
/// blocking calls, which poll without pause, would on a machine with fewer cores than ranks.
/// </summary>
internal static class MpiNative
{
    /// <summary>MPI_STATUS_IGNORE in MPICH: <c>(MPI_Status*) 1</c>.</summary>
    private static readonly IntPtr StatusIgnore = new(1);

    private static readonly long SpinTicks = Stopwatch.Frequency / 500, YieldTicks = Stopwatch.Frequency / 50;   // 2 ms, then 20 ms

    [DllImport(MpiSession.Library, EntryPoint = "MPI_Iallreduce")]
    private static extern int Iallreduce(IntPtr send, IntPtr receive, int count, int datatype, int op, int comm, out int request);

    [DllImport(MpiSession.Library, EntryPoint = "MPI_Ibarrier")]
    private static extern int Ibarrier(int comm, out int request);

    [DllImport(MpiSession.Library, EntryPoint = "MPI_Test")]
    private static extern int Test(ref int request, out int flag, IntPtr status);

    [DllImport(MpiSession.Library, EntryPoint = "MPI_Get_library_version")]
    internal static extern unsafe int GetLibraryVersion(byte* version, out int length);

    /// <summary>In-place sum of <paramref name="count"/> values at <paramref name="values"/> over MPI_COMM_WORLD; returns the MPI error code.</summary>
    public static int AllReduceSum(IntPtr values, int count, int datatype)
    {
        int rc = Iallreduce(MpiSession.InPlace, values, count, datatype, MPI.Unsafe.MPI_SUM, MPI.Unsafe.MPI_COMM_WORLD, out int request);
        return rc != 0 ? rc : Wait(ref request);
    }

    /// <summary>Waits until every rank has called it; returns the MPI error code.</summary>
    public static int Barrier()
    {
        int rc = Ibarrier(MPI.Unsafe.MPI_COMM_WORLD, out int request);
        return rc != 0 ? rc : Wait(ref request);
    }

    private static int Wait(ref int request)
    {
        long start = Stopwatch.GetTimestamp();
        while (true)
        {
            int rc = Test(ref request, out int done, StatusIgnore);
            if (rc != 0 || done != 0) return rc;
            long waited = Stopwatch.GetTimestamp() - start;
            if (waited < SpinTicks) Thread.SpinWait(8);
            else if (waited < YieldTicks) Thread.Yield();
            else Thread.Sleep(1);
        }
    }
}
