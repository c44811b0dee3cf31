using System.Numerics;
using Cortex.Core.Optimisers;
using Cortex.Core.Tensors;

namespace Cortex.Core.Simulation;

/// <summary>
/// One area's arena memory for batch B over T steps: what the simulator shares between the area and the ops around
/// it — its states h(t) (t = 0..T, 0 the initial state), their gradients, and one input history per input of the
/// area, into which the simulator sums the projections that target that input — and the memory the area's own
/// plan asked for (<see cref="Own"/>).
/// </summary>
public sealed class AreaMemory<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal AreaMemory(StateArena<T> arena, TimeStorage storage, IAreaOp<T> area)
    {
        var plan = SimulatorMemory.AreaPlan(area.Shape, area.Inputs);
        var bound = arena.Bind(plan, storage);
        State = bound.History(new Slot(0));
        DState = bound.History(new Slot(1));
        Inputs = [.. Enumerable.Range(0, area.Inputs).Select(i => bound.History(new Slot(2 + i)))];
        Kept = storage.Checkpointed ? bound.History(new Slot(2 + area.Inputs)) : null;
        Own = arena.Bind(area.Memory, storage);
    }

    /// <summary>h(t), t = 0..T (under checkpointing in time a ring of <see cref="TimeStorage.Window"/> slots). // [T + 1, B, …]</summary>
    public History<T> State { get; }

    /// <summary>∂L/∂h(t), t = 0..T, summed from every use of h(t) (a ring like <see cref="State"/>).</summary>
    public History<T> DState { get; }

    /// <summary>The states kept at segment boundaries, slot i holding step <see cref="TimeStorage.Kept"/>[i] (null under full storage). // [kept, B, …]</summary>
    public History<T>? Kept { get; }

    /// <summary>
    /// Inputs[i][t]: the sum of the projections into input i of the area at step t (zero when none is active).
    /// Input 0 is the additive drive; the others are the modulatory inputs the area declared. // [T, B, …] each
    /// </summary>
    public IReadOnlyList<History<T>> Inputs { get; }

    /// <summary>The memory the area kind's <see cref="IAreaOp{T}.Memory"/> plan asked for.</summary>
    public BoundMemory<T> Own { get; }
}

/// <summary>
/// An area kind as the simulator sees it: a pure step function (its inputs at t, its state at t − 1) → its state at t,
/// and its backward. Its parameters live in the parameter store, its memory in its plan; the simulator never looks
/// inside either.
/// </summary>
public interface IAreaOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The area's name, for messages and profiles.</summary>
    string Name { get; }

    /// <summary>The state of one image: [C, H, W] or [N].</summary>
    int[] Shape { get; }

    /// <summary>How many inputs the area has (≥ 1): input 0 sums the additive projections; the others the modulatory ones, as the area declared them.</summary>
    int Inputs { get; }

    /// <summary>What the step function keeps in the arena besides its states and inputs (histories for backward, scratch).</summary>
    MemoryPlan Memory { get; }

    /// <summary>Whether h(0) is learned (a read of it is then active, and it receives a gradient).</summary>
    bool LearnedInitialState { get; }

    /// <summary>Whether h(t) depends on h(t − 1) directly, not through a projection (a leak, a gate): its backward then adds into ∂L/∂h(t − 1).</summary>
    bool CarriesState { get; }

    /// <summary>Once per forward pass: writes h(0), derives per-run constants (α from a learned τ).</summary>
    void Begin(AreaMemory<T> m);

    /// <summary>h(t) from the inputs at t and h(t − 1); keeps what backward needs. <paramref name="copy"/> is the weight copy of step t.</summary>
    void Step(AreaMemory<T> m, int t, int copy, bool training);

    /// <summary>
    /// From DState[t] (complete when called): parameter gradients += …, DState[t − 1] += the direct share when
    /// <see cref="CarriesState"/>, and returns ∂L/∂input i at t for each input (null: that input does not reach the state at t).
    /// </summary>
    IReadOnlyList<Tensor<T>?> StepBackward(AreaMemory<T> m, int t, int copy);

    /// <summary>Once per backward pass, after step 1: gradients that sum over the run (initial state, τ).</summary>
    void EndBackward(AreaMemory<T> m);
}

/// <summary>How a projection is wired: it reads node <see cref="Source"/> (0: the input; k: area k − 1) at t − <see cref="Delay"/> and adds into input <see cref="Input"/> of area node <see cref="Target"/>.</summary>
/// <param name="Name">The projection's name, for messages and profiles.</param>
/// <param name="Source">The node read: 0 the input, k the k-th area.</param>
/// <param name="Target">The area node (≥ 1) written.</param>
/// <param name="Input">Which input of the target it sums into (0: the additive drive).</param>
/// <param name="Delay">Steps back in time: the target at t reads the source at t − delay.</param>
public readonly record struct Wiring(string Name, int Source, int Target, int Input, int Delay);

/// <summary>A projection kind as the simulator sees it.</summary>
public interface IProjectionOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Where it reads, where it writes, how far back.</summary>
    Wiring Wiring { get; }

    /// <summary>What it keeps in the arena (a resampled source per step, scratch).</summary>
    MemoryPlan Memory { get; }

    /// <summary>Once per forward pass (e.g. sign-constrained weights from their raw values).</summary>
    void Begin();

    /// <summary>output (+)= W_copy ∗ resample(source), for the target's step t.</summary>
    void Forward(Tensor<T> source, BoundMemory<T> m, int t, int copy, Tensor<T> output, bool accumulate);

    /// <summary>
    /// Weight gradients of copy += …; <paramref name="dSource"/> (when not null) receives ∂L/∂source: added to what it
    /// holds when <paramref name="accumulate"/>, written over it otherwise (the first contribution to a state's gradient).
    /// </summary>
    void Backward(Tensor<T> source, BoundMemory<T> m, int t, int copy, Tensor<T> dOutput, Tensor<T>? dSource, bool accumulate);

    /// <summary>Before the first step of a backward pass.</summary>
    void BeginBackward();

    /// <summary>After the last step of a backward pass (e.g. effective-weight gradients to raw ones).</summary>
    void EndBackward();
}

/// <summary>
/// The weights of a readout's loss at each of its read steps, already scaled by the readout's share of the total loss:
/// the loss of one image is Σ_k Fine[k]·CE_fine(k) + Coarse[k]·CE_coarse(k).
/// </summary>
/// <param name="Fine">Weight of the fine (class) cross-entropy at each read step.</param>
/// <param name="Coarse">Weight of the coarse (group) cross-entropy at each read step; all zero unless the schedule is coarse-to-fine.</param>
public sealed record LossWeights(IReadOnlyList<double> Fine, IReadOnlyList<double> Coarse)
{
    /// <summary>Whether any coarse weight is non-zero (the loss then needs the classes' coarse groups).</summary>
    public bool NeedsGroups => Coarse.Any(w => w != 0);

    /// <summary>A fine weight of 1 at every one of <paramref name="reads"/> steps: the per-step cross-entropy, as evaluation reports it.</summary>
    public static LossWeights PerStep(int reads) => new([.. Enumerable.Repeat(1.0, reads)], [.. new double[reads]]);
}

/// <summary>A readout as the simulator sees it: class scores from one area's state at chosen steps.</summary>
public interface IReadoutOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The readout's name (unique in the network).</summary>
    string Name { get; }

    /// <summary>The area node it reads (k: area k − 1).</summary>
    int Area { get; }

    /// <summary>The number of classes K it scores.</summary>
    int Classes { get; }

    /// <summary>The 1-based steps it reads, ascending.</summary>
    IReadOnlyList<int> Steps { get; }

    /// <summary>The weights of its loss at each read step (its schedule times its share of the network's loss).</summary>
    LossWeights Loss { get; }

    /// <summary>What it keeps in the arena (pooled features per read step, scratch).</summary>
    MemoryPlan Memory { get; }

    /// <summary>logits (the [B, K] scores of read k) from the state at Steps[k].</summary>
    void Forward(Tensor<T> state, BoundMemory<T> m, int k, Tensor<T> logits);

    /// <summary>Parameter gradients += …; dState += ∂L/∂state when <paramref name="accumulate"/>, dState = ∂L/∂state otherwise.</summary>
    void Backward(Tensor<T> state, BoundMemory<T> m, int k, Tensor<T> dLogits, Tensor<T> dState, bool accumulate);
}

/// <summary>
/// A network compiled for the simulator: areas (node k is <see cref="Areas"/>[k − 1]; node 0 is the input),
/// their update order within a step, projections, readouts, and the time axis. Core knows nothing of the file it
/// came from.
/// </summary>
public sealed record CompiledProgram<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The network's name.</summary>
    public required string Name { get; init; }

    /// <summary>T, the number of steps.</summary>
    public required int Steps { get; init; }

    /// <summary>The shape of one image.</summary>
    public required int[] InputShape { get; init; }

    /// <summary>InputAt[t] for t = 0..T (index 0: <see cref="StepInput.Blank"/>, before the first step): what the input holds at t.</summary>
    public required StepInput[] InputAt { get; init; }

    /// <summary>Whether some step shows a mask (the arena then holds one per image, and a forward pass needs the masks).</summary>
    public bool ShowsMask => InputAt.Contains(StepInput.Mask);

    /// <summary>WeightCopy[t] for t = 1..T (index 0 unused): the weight copy step t uses.</summary>
    public required int[] WeightCopy { get; init; }

    /// <summary>The areas, node k at index k − 1.</summary>
    public required IReadOnlyList<IAreaOp<T>> Areas { get; init; }

    /// <summary>Area nodes (1-based) in the order they are updated within a step.</summary>
    public required int[] UpdateOrder { get; init; }

    /// <summary>The projections, in file order.</summary>
    public required IReadOnlyList<IProjectionOp<T>> Projections { get; init; }

    /// <summary>The readouts, in file order.</summary>
    public required IReadOnlyList<IReadoutOp<T>> Readouts { get; init; }

    /// <summary>The one owner of the network's parameters.</summary>
    public required ParameterStore<T> Store { get; init; }
}
