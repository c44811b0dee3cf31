using System.Numerics;
using Cortex.Core.Tensors;

namespace Cortex.Core.Simulation;

/// <summary>How a requested tensor spans the time axis and the batch.</summary>
public enum Extent
{
    /// <summary>[T + 1, B, …]: one per step t = 1..T and the initial state (index 0).</summary>
    States,

    /// <summary>[T, B, …]: one per step t = 1..T.</summary>
    Steps,

    /// <summary>[B, …]: scratch, reused at every step.</summary>
    Scratch,

    /// <summary>[T, …]: one per step, not per image (statistics of a step's batch).</summary>
    StepsUnbatched,

    /// <summary>[n, B, …]: n items per image, n given by the request (a readout's read steps).</summary>
    Series,

    /// <summary>[…]: exactly the shape given, independent of batch and time (constants of a run).</summary>
    Fixed,

    /// <summary>
    /// [kept, B, …]: the states kept at the segment boundaries under checkpointing in time (<see cref="TimeStorage.Kept"/>);
    /// none under full storage.
    /// </summary>
    Kept,
}

/// <summary>One tensor an op needs in the state arena: its name (for messages and profiles), per-image shape and extent.</summary>
/// <param name="Name">What it holds, e.g. <c>normalised</c>.</param>
/// <param name="Shape">The shape of one image's (or, for <see cref="Extent.StepsUnbatched"/>, one step's) values.</param>
/// <param name="Extent">How it spans time and the batch.</param>
/// <param name="Count">The number of items n of a <see cref="Extent.Series"/>; unused otherwise.</param>
public sealed record MemoryRequest(string Name, int[] Shape, Extent Extent, int Count = 0)
{
    /// <summary>Values of one image or one step: the product of <see cref="Shape"/>.</summary>
    public long Size => Shape.Aggregate(1L, (a, d) => a * d);

    /// <summary>Values the arena holds for this request at batch <paramref name="batch"/> over <paramref name="steps"/> steps, every step stored.</summary>
    public long Values(int batch, int steps) => Values(batch, TimeStorage.Full(steps));

    /// <summary>Values the arena holds for this request at batch <paramref name="batch"/>, the time axis held as <paramref name="storage"/> says.</summary>
    public long Values(int batch, TimeStorage storage) => Extent switch
    {
        Extent.States => (long)storage.StateSlots * batch * Size,
        Extent.Steps => (long)storage.StepSlots * batch * Size,
        Extent.Scratch => batch * Size,
        Extent.StepsUnbatched => storage.StepSlots * Size,
        Extent.Series => (long)Count * batch * Size,
        Extent.Kept => (long)storage.KeptCount * batch * Size,
        _ => Size,
    };
}

/// <summary>A handle to one request of a <see cref="MemoryPlan"/>, used to find its tensor once the plan is bound.</summary>
/// <param name="Index">The request's position in its plan.</param>
public readonly record struct Slot(int Index);

/// <summary>
/// What an op (an area kind, a projection kind, a mode, a readout) needs in the state arena, declared once when the op
/// is described and before anything is allocated. The same plan sizes the ledger's memory estimate and is bound by the
/// arena for every batch size, so the estimate and the allocation cannot disagree.
/// </summary>
public sealed class MemoryPlan
{
    private readonly List<MemoryRequest> requests = [];

    /// <summary>Every request, in the order it was made.</summary>
    public IReadOnlyList<MemoryRequest> Requests => requests;

    /// <summary>Requests a tensor and returns its handle.</summary>
    public Slot Add(string name, int[] shape, Extent extent, int count = 0)
    {
        if (shape.Length == 0 || shape.Any(d => d < 1))
            throw new ArgumentException($"memory plan: '{name}' needs a shape of positive sizes, got [{string.Join(", ", shape)}]");
        if (extent == Extent.Series && count < 1)
            throw new ArgumentException($"memory plan: the series '{name}' needs at least one item, got {count}");
        requests.Add(new MemoryRequest(name, [.. shape], extent, count));
        return new Slot(requests.Count - 1);
    }

    /// <summary>A [T + 1, B, …] history of states, index 0 the initial state.</summary>
    public Slot States(string name, int[] shape) => Add(name, shape, Extent.States);

    /// <summary>An [n, B, …] series of n items per image.</summary>
    public Slot Series(string name, int count, int[] shape) => Add(name, shape, Extent.Series, count);

    /// <summary>A tensor of exactly <paramref name="shape"/>.</summary>
    public Slot Fixed(string name, int[] shape) => Add(name, shape, Extent.Fixed);

    /// <summary>A [T, B, …] history of values computed at each step.</summary>
    public Slot Steps(string name, int[] shape) => Add(name, shape, Extent.Steps);

    /// <summary>A [B, …] scratch tensor.</summary>
    public Slot Scratch(string name, int[] shape) => Add(name, shape, Extent.Scratch);

    /// <summary>A [T, …] history of per-step values that do not scale with the batch.</summary>
    public Slot StepsUnbatched(string name, int[] shape) => Add(name, shape, Extent.StepsUnbatched);

    /// <summary>A [kept, B, …] history of the states kept at segment boundaries (checkpointing in time), indexed by kept slot.</summary>
    public Slot Kept(string name, int[] shape) => Add(name, shape, Extent.Kept);

    /// <summary>Σ values of every request at batch <paramref name="batch"/> over <paramref name="steps"/> steps.</summary>
    public long Values(int batch, int steps) => requests.Sum(r => r.Values(batch, steps));

    /// <summary>Σ values of every request at batch <paramref name="batch"/>, the time axis held as <paramref name="storage"/> says.</summary>
    public long Values(int batch, TimeStorage storage) => requests.Sum(r => r.Values(batch, storage));
}

/// <summary>A <see cref="MemoryPlan"/> bound to a state arena: the tensor of each slot, made once per arena.</summary>
public sealed class BoundMemory<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly History<T>?[] histories;
    private readonly Tensor<T>?[] tensors;
    private readonly MemoryPlan plan;
    private readonly StateArena<T> arena;

    internal BoundMemory(StateArena<T> arena, MemoryPlan plan, TimeStorage storage)
    {
        int steps = storage.Steps;
        this.plan = plan;
        this.arena = arena;
        histories = new History<T>?[plan.Requests.Count];
        tensors = new Tensor<T>?[plan.Requests.Count];
        for (int i = 0; i < plan.Requests.Count; i++)
        {
            var r = plan.Requests[i];
            switch (r.Extent)
            {
                case Extent.States: histories[i] = arena.History(storage.StateSlots, 0, steps + 1, r.Shape); break;
                case Extent.Steps: histories[i] = arena.History(storage.StepSlots, 1, steps, r.Shape); break;
                case Extent.StepsUnbatched: histories[i] = arena.Unbatched(storage.StepSlots, 1, steps, r.Shape); break;
                case Extent.Kept: histories[i] = storage.KeptCount > 0 ? arena.History(storage.KeptCount, 0, r.Shape) : null; break;
                case Extent.Series: histories[i] = arena.History(r.Count, 0, r.Shape); break;
                case Extent.Fixed: tensors[i] = arena.Tensor(new Shape(r.Shape)); break;
                default: tensors[i] = arena.Batched(r.Shape); break;
            }
        }
    }

    /// <summary>
    /// The history of a slot requested with <see cref="Extent.States"/>, <see cref="Extent.Steps"/> or
    /// <see cref="Extent.StepsUnbatched"/> (indexed by step), or <see cref="Extent.Series"/> or <see cref="Extent.Kept"/> (indexed from 0).
    /// </summary>
    public History<T> History(Slot slot) => histories[slot.Index]
        ?? throw new InvalidOperationException(plan.Requests[slot.Index].Extent == Extent.Kept
            ? $"memory '{plan.Requests[slot.Index].Name}' holds no states: every step is stored"
            : $"memory '{plan.Requests[slot.Index].Name}' is scratch [B, …], not a history");

    /// <summary>The replicas whose slices form the global batch (null: this arena holds the whole batch); see <see cref="StateArena{T}.Replicas"/>.</summary>
    public IReplicas? Replicas => arena.Replicas;

    /// <summary>What batch normalisation normalises with outside training; see <see cref="StateArena{T}.InferenceStatistics"/>.</summary>
    public InferenceStatistics InferenceStatistics => arena.InferenceStatistics;

    /// <summary>The tensor of a slot requested with <see cref="Extent.Scratch"/> ([B, …]) or <see cref="Extent.Fixed"/>.</summary>
    public Tensor<T> Tensor(Slot slot) => tensors[slot.Index]
        ?? throw new InvalidOperationException($"memory '{plan.Requests[slot.Index].Name}' is a history, not a single tensor");
}
