using System.Numerics;

namespace Cortex.Core.Simulation;

/// <summary>
/// Checkpointing in time (<see cref="TimeStorage"/>): a training forward pass copies every area's h(t) into its kept slots at
/// the segment boundaries; backward restores a segment's kept states into the window and recomputes its steps before
/// differentiating them.
/// </summary>
public sealed partial class Simulator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly int[][] keptAt;                      // keptAt[t]: the kept slots that hold step t
    private readonly (int Slot, int Step)[][] keptFor;   // keptFor[s]: the kept slots that segment s restarts from

    /// <summary>Copies every area's h(t) into the kept slots that hold step t (checkpointing in time).</summary>
    private void Keep(int t)
    {
        if (keptAt[t].Length == 0) return;
        var backend = program.Store.Backend;
        var profiler = Profiler;
        long clock = profiler?.Start() ?? 0;
        foreach (var m in Areas)
            foreach (int slot in keptAt[t])
                backend.Copy(m.State[t], m.Kept![slot]);
        profiler?.Stop(clock, "checkpoint", "keep states", backward: false);
    }

    /// <summary>
    /// Recomputes segment s, steps a + 1..b, from its kept states: every area's h(a − reach + 1..a) copied back into the window,
    /// then the same steps as the first pass (training mode, no readouts), the buffers (running averages) put back afterwards.
    /// </summary>
    private void Recompute(int segment)
    {
        program.Store.SaveBuffers();
        var backend = program.Store.Backend;
        var profiler = Profiler;
        long clock = profiler?.Start() ?? 0;
        foreach (var m in Areas)
            foreach (var (slot, step) in keptFor[segment])
                backend.Copy(m.Kept![slot], m.State[step]);
        profiler?.Stop(clock, "checkpoint", "restore states", backward: true);
        var (start, end) = Storage.Segments[segment];
        for (int t = start + 1; t <= end; t++) Step(t, training: true, recompute: true);
        program.Store.RestoreBuffers();
    }

    /// <summary>Whether h(t) of every area and the values of step t are in the arena after a forward pass (always under full storage).</summary>
    public bool Holds(int step) => Storage.Holds(step);
}
