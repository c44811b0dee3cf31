using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;

namespace Cortex.Core.Simulation;

/// <summary>
/// A history [n, B, …] indexed by step number: <c>history[t]</c> is the [B, …] view of step t, for t from
/// <see cref="First"/> to First + span − 1. State histories start at 0 (the initial state); the values an area
/// computes during step t (drive, gate, normalised drive…) start at 1. The step views are made once. Under checkpointing
/// in time (<see cref="TimeStorage"/>) a history holds fewer slots n than the steps it spans and is a ring: step t is
/// slot (t − First) mod n, so the same view serves steps n apart and only the simulator decides which of them it holds.
/// </summary>
public sealed class History<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Tensor<T>[] steps;

    /// <summary>A history over <paramref name="all"/> [n, B, …] whose first view is step <paramref name="first"/>, one slot per step.</summary>
    public History(Tensor<T> all, int first) : this(all, first, all.Shape[0]) { }

    /// <summary>A history over the slots <paramref name="all"/> spanning <paramref name="span"/> steps from <paramref name="first"/>; more steps than slots make it a ring (checkpointing in time).</summary>
    /// <param name="all">The [n, B, …] slots.</param>
    /// <param name="first">The first step.</param>
    /// <param name="span">The steps it spans (≥ n; more than n: a ring).</param>
    public History(Tensor<T> all, int first, int span)
    {
        if (span < all.Shape[0]) throw new ArgumentException($"a history of {all.Shape[0]} slots cannot span {span} steps");
        All = all;
        First = first;
        Span = span;
        steps = new Tensor<T>[all.Shape[0]];
        for (int i = 0; i < steps.Length; i++) steps[i] = all.Step(i);
    }

    /// <summary>The whole [n, B, …] tensor (every step only when the history is not a ring).</summary>
    public Tensor<T> All { get; }

    /// <summary>The step of the first view: 0 for states (the initial state), 1 for values computed during a step.</summary>
    public int First { get; }

    /// <summary>The slots n.</summary>
    public int Count => steps.Length;

    /// <summary>The steps it spans: First..First + Span − 1.</summary>
    public int Span { get; }

    /// <summary>The [B, …] view of step <paramref name="t"/> (slot (t − First) mod n); throws <see cref="ArgumentOutOfRangeException"/> outside <see cref="First"/> … First + <see cref="Span"/> − 1.</summary>
    public Tensor<T> this[int t] => t >= First && t < First + Span ? steps[(t - First) % steps.Length]
        : throw new ArgumentOutOfRangeException(nameof(t), $"step {t} is outside this history (steps {First}..{First + Span - 1})");
}

/// <summary>
/// The per-run memory of a network for one batch size: every history and scratch tensor, allocated zero-filled
/// once when the batch size is set and freed together. Re-made only when the batch size changes.
/// </summary>
public sealed class StateArena<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly List<Tensor<T>> owned = [];

    /// <summary>An empty arena for batches of <paramref name="batch"/> images on <paramref name="backend"/>.</summary>
    public StateArena(IBackend<T> backend, int batch)
    {
        Backend = backend;
        Batch = batch;
    }

    /// <summary>The backend every tensor of the arena lives on.</summary>
    public IBackend<T> Backend { get; }

    /// <summary>
    /// The replicas whose slices form the global batch this arena holds a slice of (null: one process holds the whole batch);
    /// ops that reduce over the batch (batch normalisation) reduce over every replica's slice with it.
    /// </summary>
    public IReplicas? Replicas { get; internal set; }

    /// <summary>The batch size B of every batched tensor (this process's slice when <see cref="Replicas"/> is set).</summary>
    public int Batch { get; }

    /// <summary>What batch normalisation normalises with outside training (see <see cref="Simulation.InferenceStatistics"/>).</summary>
    public InferenceStatistics InferenceStatistics { get; internal set; }

    /// <summary>A tensor of exactly this shape.</summary>
    public Tensor<T> Tensor(Shape shape)
    {
        var t = Backend.Allocate(shape);
        owned.Add(t);
        return t;
    }

    /// <summary>One [B, …] tensor for a per-image shape.</summary>
    public Tensor<T> Batched(int[] perImage) => Tensor(new Shape([Batch, .. perImage]));

    /// <summary>A [count, B, …] history whose first view is step <paramref name="first"/>.</summary>
    public History<T> History(int count, int first, int[] perImage) => History(count, first, count, perImage);

    /// <summary>A [count, B, …] history spanning <paramref name="span"/> steps from <paramref name="first"/> (a ring when span &gt; count).</summary>
    public History<T> History(int count, int first, int span, int[] perImage) => new(Tensor(new Shape([count, Batch, .. perImage])), first, span);

    /// <summary>A [count, …] history of tensors that do not scale with the batch (per-step statistics), spanning <paramref name="span"/> steps.</summary>
    public History<T> Unbatched(int count, int first, int span, int[] shape) => new(Tensor(new Shape([count, .. shape])), first, span);

    /// <summary>Makes every tensor a plan requests, for <paramref name="steps"/> steps at this arena's batch size, every step stored.</summary>
    public BoundMemory<T> Bind(MemoryPlan plan, int steps) => new(this, plan, TimeStorage.Full(steps));

    /// <summary>Makes every tensor a plan requests at this arena's batch size, holding the time axis as <paramref name="storage"/> says.</summary>
    public BoundMemory<T> Bind(MemoryPlan plan, TimeStorage storage) => new(this, plan, storage);

    /// <summary>Elements held, over every tensor of the arena.</summary>
    public long Elements => owned.Sum(t => (long)t.Length);

    /// <summary>Frees every tensor of the arena.</summary>
    public void Dispose()
    {
        foreach (var t in owned) t.Dispose();
        owned.Clear();
    }
}
