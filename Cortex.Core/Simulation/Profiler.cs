using System.Diagnostics;

namespace Cortex.Core.Simulation;

/// <summary>
/// Attributes wall time to the operations of a simulation: the simulator calls <see cref="Start"/> and
/// <see cref="Stop"/> around each area step, projection, readout and its own fills, forward and backward,
/// when a profiler is attached (<see cref="Simulator{T}.Profiler"/>, <see cref="Network{T}.Profiler"/>).
/// Each call waits for the backend (<c>synchronize</c>) so that queued device work is charged to the
/// operation that queued it: this serialises the host with the device and slows the run, so attach one only
/// to measure. Without one the simulator pays a null test per operation.
/// </summary>
public sealed class Profiler
{
    private readonly Action synchronize;
    private readonly Dictionary<(string Family, string Name), int> index = [];
    private readonly List<Entry> entries = [];

    /// <param name="synchronize">Waits until the backend has finished all queued work (<c>IBackend.Synchronize</c>).</param>
    public Profiler(Action synchronize) => this.synchronize = synchronize;

    /// <summary>One operation's accumulated time, in milliseconds, and how many times it ran each way.</summary>
    public sealed record Entry(string Family, string Name)
    {
        /// <summary>Milliseconds spent in forward calls.</summary>
        public double ForwardMs { get; internal set; }
        /// <summary>Milliseconds spent in backward calls.</summary>
        public double BackwardMs { get; internal set; }
        /// <summary>Forward calls timed.</summary>
        public int ForwardCalls { get; internal set; }
        /// <summary>Backward calls timed.</summary>
        public int BackwardCalls { get; internal set; }
        /// <summary>Forward plus backward milliseconds.</summary>
        public double TotalMs => ForwardMs + BackwardMs;
    }

    /// <summary>Operations in the order they first ran.</summary>
    public IReadOnlyList<Entry> Entries => entries;

    /// <summary>Σ of every entry's time.</summary>
    public double TotalMs => entries.Sum(e => e.TotalMs);

    /// <summary>Waits for the backend and returns a timestamp for <see cref="Stop"/>.</summary>
    public long Start()
    {
        synchronize();
        return Stopwatch.GetTimestamp();
    }

    /// <summary>Waits for the backend and charges the time since <paramref name="start"/> to (family, name), forward or backward.</summary>
    public void Stop(long start, string family, string name, bool backward)
    {
        synchronize();
        double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        if (!index.TryGetValue((family, name), out int i))
        {
            i = entries.Count;
            index[(family, name)] = i;
            entries.Add(new Entry(family, name));
        }
        var e = entries[i];
        if (backward) { e.BackwardMs += ms; e.BackwardCalls++; }
        else { e.ForwardMs += ms; e.ForwardCalls++; }
    }

    /// <summary>Runs <paramref name="body"/> and charges it to (family, name).</summary>
    public void Time(string family, string name, bool backward, Action body)
    {
        long start = Start();
        body();
        Stop(start, family, name, backward);
    }

    /// <summary>Forgets every entry.</summary>
    public void Clear()
    {
        index.Clear();
        entries.Clear();
    }
}
