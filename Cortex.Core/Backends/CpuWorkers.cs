using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Cortex.Core.Backends;

/// <summary>
/// The worker threads of one CPU backend: <c>threads − 1</c> dedicated background threads that, with the calling thread,
/// run the iterations of <see cref="For"/>. A training step is a few hundred short parallel operations back to back; a
/// worker that has finished one keeps watching for the next for a moment (<see cref="SpinMicroseconds"/>) before it
/// blocks, so consecutive operations start without waking a sleeping thread (measured on the 2-core machine: the thread
/// pool's wake-ups cost about 7% of a BLT training step). A call made while the workers are busy with another call (from
/// another thread, or from inside an iteration) runs its iterations on the calling thread instead.
/// </summary>
internal sealed class CpuWorkers : IDisposable
{
    /// <summary>How long an idle worker watches for the next operation before it blocks.</summary>
    public const int SpinMicroseconds = 200;

    /// <summary>Iterations are taken in chunks of about count / (threads · ChunksPerThread), so that many short iterations (a
    /// plane each) do not all meet on one counter, while the chunks still even out uneven progress.</summary>
    private const int ChunksPerThread = 4;

    private sealed class Job(int count, int chunk, Action<int> body)
    {
        public readonly int Count = count;
        public readonly int Chunk = chunk;
        public readonly Action<int> Body = body;
        public int Next;
        public int Pending = count;
        public Exception? Error;

        /// <summary>Runs chunks of iterations until none are left to take.</summary>
        public void Work()
        {
            for (int start; (start = Interlocked.Add(ref Next, Chunk) - Chunk) < Count;)
            {
                int end = Math.Min(start + Chunk, Count);
                for (int i = start; i < end; i++)
                {
                    try
                    {
                        Body(i);
                    }
                    catch (Exception e)
                    {
                        Interlocked.CompareExchange(ref Error, e, null);
                    }
                }
                Interlocked.Add(ref Pending, start - end);
            }
        }
    }

    [ThreadStatic] private static bool insideJob;

    private readonly Thread[] threads;
    private readonly SemaphoreSlim wake = new(0);
    private readonly object gate = new();
    private readonly long spinTicks = Stopwatch.Frequency * SpinMicroseconds / 1_000_000;
    private Job? current;
    private int generation;
    private int sleepers;
    private volatile bool disposed;

    public CpuWorkers(int threads)
    {
        this.threads = new Thread[Math.Max(0, threads - 1)];
        for (int i = 0; i < this.threads.Length; i++)
        {
            this.threads[i] = new Thread(Loop) { IsBackground = true, Name = $"cortex cpu worker {i + 1}" };
            this.threads[i].Start();
        }
    }

    /// <summary>body(i) for every i in [0, count), spread over the calling thread and the workers; returns when all have run.
    /// The first exception an iteration throws is rethrown here, after every iteration has finished.</summary>
    public void For(int count, Action<int> body)
    {
        if (count <= 0) return;
        if (count == 1 || threads.Length == 0 || insideJob || !Monitor.TryEnter(gate))
        {
            Serial(count, body);
            return;
        }
        try
        {
            var job = new Job(count, Math.Max(1, count / ((threads.Length + 1) * ChunksPerThread)), body);
            Volatile.Write(ref current, job);
            Interlocked.Increment(ref generation);
            if (Volatile.Read(ref sleepers) > 0)
            {
                int asleep = Interlocked.Exchange(ref sleepers, 0);
                if (asleep > 0) wake.Release(asleep);
            }
            insideJob = true;
            try
            {
                job.Work();
            }
            finally
            {
                insideJob = false;
            }
            var wait = new SpinWait();
            while (Volatile.Read(ref job.Pending) > 0) wait.SpinOnce(sleep1Threshold: -1);
            Volatile.Write(ref current, null);
            if (job.Error is { } error) ExceptionDispatchInfo.Capture(error).Throw();
        }
        finally
        {
            Monitor.Exit(gate);
        }
    }

    /// <summary>body(i) for i in [0, count) on the calling thread, with the same contract as <see cref="For"/>: every iteration runs, then the first exception is rethrown.</summary>
    public static void Serial(int count, Action<int> body)
    {
        Exception? error = null;
        for (int i = 0; i < count; i++)
        {
            try
            {
                body(i);
            }
            catch (Exception e)
            {
                error ??= e;
            }
        }
        if (error is not null) ExceptionDispatchInfo.Capture(error).Throw();
    }

    private void Loop()
    {
        insideJob = true;
        int seen = 0;
        while (!disposed)
        {
            int now = Volatile.Read(ref generation);
            if (now == seen)
            {
                if (!Watch(seen))
                {
                    // Announce the sleep, then look once more: a job published in between either sees the announcement
                    // (and releases the semaphore) or is seen here. A release nobody needed only causes one extra look.
                    Interlocked.Increment(ref sleepers);
                    if (Volatile.Read(ref generation) == seen && !disposed) wake.Wait();
                }
                continue;
            }
            seen = now;
            Volatile.Read(ref current)?.Work();
        }
    }

    /// <summary>Spins for up to <see cref="SpinMicroseconds"/> until the generation moves past <paramref name="seen"/>.</summary>
    private bool Watch(int seen)
    {
        long until = Stopwatch.GetTimestamp() + spinTicks;
        while (Stopwatch.GetTimestamp() < until)
        {
            for (int i = 0; i < 64; i++)
            {
                if (Volatile.Read(ref generation) != seen) return true;
                Thread.SpinWait(8);
            }
        }
        return false;
    }

    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        wake.Release(threads.Length);
        foreach (var t in threads) t.Join();
        wake.Dispose();
    }
}
