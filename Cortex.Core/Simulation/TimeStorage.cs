namespace Cortex.Core.Simulation;

/// <summary>
/// How much of the time axis the state arena holds for backpropagation through time. Full storage (<see cref="Every"/> = 0)
/// keeps every step of every history. Checkpointing in time (<see cref="Every"/> = k) keeps the states of every k-th step
/// (the boundaries 0, k, 2k, … and the <see cref="Reach"/> − 1 steps before each, which the next step's reads need) and a
/// window of <see cref="Window"/> = k + reach slots per history, reused as a ring (step t in slot t mod window); backward
/// recomputes each segment (a, a + k] from its kept states before differentiating it, the last segment first. The last
/// segment is still in the window after the forward pass and is not recomputed, so a training step costs about one extra
/// forward pass over T − k steps.
/// </summary>
/// <param name="Steps">T.</param>
/// <param name="Every">k, the steps between kept states; 0: full storage.</param>
/// <param name="Reach">How far back any read goes: the largest projection delay, and at least 1 (an area's own state at t − 1).</param>
public sealed record TimeStorage(int Steps, int Every, int Reach)
{
    /// <summary>Every step of every history (no recomputation).</summary>
    public static TimeStorage Full(int steps) => new(steps, 0, 1);

    /// <summary>
    /// Storage for <paramref name="steps"/> steps keeping every <paramref name="every"/>-th state (0: full storage) for a network whose
    /// reads reach <paramref name="reach"/> steps back. A k so large that the window would hold every step anyway is full storage.
    /// </summary>
    public static TimeStorage For(int steps, int every, int reach)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), $"time storage: T must be ≥ 1, got {steps}");
        if (every < 0) throw new ArgumentOutOfRangeException(nameof(every), $"time storage: the steps between kept states must be ≥ 0 (0: every step), got {every}");
        reach = Math.Max(reach, 1);
        return every == 0 || every + reach > steps ? new TimeStorage(steps, 0, reach) : new TimeStorage(steps, every, reach);
    }

    /// <summary>Whether only a window of steps is held and the others are recomputed during backward.</summary>
    public bool Checkpointed => Every > 0;

    /// <summary>Slots of a history that spans the time axis: k + reach when checkpointed.</summary>
    public int Window => Every + Reach;

    /// <summary>Slots of a [T + 1, …] state history: T + 1, or the window.</summary>
    public int StateSlots => Checkpointed ? Window : Steps + 1;

    /// <summary>Slots of a [T, …] per-step history: T, or the window.</summary>
    public int StepSlots => Checkpointed ? Window : Steps;

    /// <summary>The segments (a, b] of the time axis backward differentiates in turn (one, (0, T], under full storage), in time order.</summary>
    public IReadOnlyList<(int Start, int End)> Segments => Checkpointed
        ? [.. Enumerable.Range(0, (Steps + Every - 1) / Every).Select(s => (s * Every, Math.Min((s + 1) * Every, Steps)))]
        : [(0, Steps)];

    /// <summary>
    /// The steps whose states are kept for each recomputed segment: for a segment starting after a, the states a − reach + 1..a
    /// (none before 0), every segment but the last. Kept[i] is the step of kept slot i.
    /// </summary>
    public IReadOnlyList<int> Kept => [.. Segments.SkipLast(1).SelectMany(s => Enumerable.Range(s.Start - Reach + 1, Reach).Where(t => t >= 0))];

    /// <summary>The steps backward recomputes: every step but those of the last segment (none under full storage).</summary>
    public int Recomputed => Checkpointed ? Segments[^1].Start : 0;

    /// <summary>The states kept per area (the slots of its kept-state history).</summary>
    public int KeptCount => Kept.Count;

    /// <summary>
    /// The steps whose states and per-step values are still in the window after a forward pass: the last <see cref="Window"/>
    /// states (every step under full storage).
    /// </summary>
    public bool Holds(int step) => !Checkpointed || step > Steps - Window;

    /// <inheritdoc/>
    public override string ToString() => Checkpointed
        ? $"states kept every {Every} steps, a window of {Window} steps, {Segments.Count - 1} of {Segments.Count} segments recomputed in backward"
        : "every step stored";
}
