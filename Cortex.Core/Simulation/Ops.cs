using System.Numerics;
using Cortex.Core.Optimisers;
using Cortex.Core.Tensors;

namespace Cortex.Core.Simulation;

/// <summary>What an area's update keeps in the arena besides its state history.</summary>
/// <param name="Gate">It has multiplicative projections: the gate g(t) and the modulated drive are kept.</param>
/// <param name="Normalised">It normalises its drive: the normalised drive and per-step statistics [T, C] are kept.</param>
/// <param name="Integrated">It is leaky: f(·) at each step is kept apart from the state.</param>
public readonly record struct AreaNeeds(bool Gate, bool Normalised, bool Integrated, int StatisticsChannels);

/// <summary>
/// One area's arena memory, for batch B over T steps. <see cref="State"/>[t] for t = 0..T (0: the initial
/// state); every other history holds the values of step t = 1..T. Gradients: <see cref="DState"/>[t] sums
/// ∂L/∂h(t) from every later use; the scratch tensors [B, …] are reused from step to step.
/// </summary>
public sealed class AreaMemory<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public AreaMemory(StateArena<T> arena, int steps, int[] shape, AreaNeeds needs)
    {
        State = arena.History(steps + 1, 0, shape);
        DState = arena.History(steps + 1, 0, shape);
        Drive = arena.History(steps, 1, shape);
        DPre = arena.Batched(shape);
        if (needs.Gate)
        {
            Gate = arena.History(steps, 1, shape);
            Modulated = arena.History(steps, 1, shape);
            DDrive = arena.Batched(shape);
            DGate = arena.Batched(shape);
        }
        if (needs.Normalised)
        {
            Normalised = arena.History(steps, 1, shape);
            Mean = arena.Unbatched(steps, 1, [needs.StatisticsChannels]);
            InvStd = arena.Unbatched(steps, 1, [needs.StatisticsChannels]);
            DNormIn = arena.Batched(shape);
        }
        if (needs.Integrated)
        {
            Activated = arena.History(steps, 1, shape);
            DAct = arena.Batched(shape);
        }
    }

    /// <summary>h(t), t = 0..T. // [T + 1, B, …]</summary>
    public History<T> State { get; }

    /// <summary>∂L/∂h(t), t = 0..T.</summary>
    public History<T> DState { get; }

    /// <summary>Σ additive projections (+ bias) at t. // [T, B, …]</summary>
    public History<T> Drive { get; }

    /// <summary>g(t) = Σ multiplicative projections at t (areas with a gain).</summary>
    public History<T>? Gate { get; }

    /// <summary>drive ⊙ (1 + tanh g) at t (areas with a gain).</summary>
    public History<T>? Modulated { get; }

    /// <summary>The normalised drive at t, the nonlinearity's input (areas with normalisation).</summary>
    public History<T>? Normalised { get; }

    /// <summary>Batch means and σ⁻¹ per step [T, C] (areas with normalisation).</summary>
    public History<T>? Mean { get; }
    public History<T>? InvStd { get; }

    /// <summary>f(·) at t, before leaky integration (leaky areas; otherwise it is <see cref="State"/>[t]).</summary>
    public History<T>? Activated { get; }

    /// <summary>Scratch gradients [B, …], reused at every step.</summary>
    public Tensor<T> DPre { get; }
    public Tensor<T>? DNormIn { get; }
    public Tensor<T>? DAct { get; }
    public Tensor<T>? DDrive { get; }
    public Tensor<T>? DGate { get; }

    /// <summary>The normalisation's input at t: the modulated drive, or the drive.</summary>
    public Tensor<T> NormInput(int t) => (Modulated ?? Drive)[t];

    /// <summary>The nonlinearity's input at t.</summary>
    public Tensor<T> Pre(int t) => Normalised is not null ? Normalised[t] : NormInput(t);

    /// <summary>f(·) at t.</summary>
    public Tensor<T> Act(int t) => (Activated ?? State)[t];
}

/// <summary>
/// An area kind as the simulator sees it: a pure step function (summed drive at t, gate at t, state at t−1) →
/// state at t over <see cref="AreaMemory{T}"/>, and its backward. Its parameters live in the parameter store.
/// </summary>
public interface IAreaOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    string Name { get; }

    /// <summary>The state of one image: [C, H, W] or [N].</summary>
    int[] Shape { get; }

    AreaNeeds Needs { get; }

    /// <summary>Whether h(0) is learned (a read of it is then active, and it receives a gradient).</summary>
    bool LearnedInitialState { get; }

    /// <summary>Once per forward pass: writes h(0), derives per-run constants (α from a learned τ).</summary>
    void Begin(AreaMemory<T> m);

    /// <summary>h(t) from Drive[t], Gate[t] and State[t − 1]; keeps what backward needs.</summary>
    void Step(AreaMemory<T> m, int t, bool training);

    /// <summary>
    /// From DState[t] (complete when called): parameter gradients += …, DState[t − 1] += the leak's share, and
    /// returns ∂L/∂drive(t) and ∂L/∂g(t) (null without a gain) for the projections into this area.
    /// </summary>
    (Tensor<T> DDrive, Tensor<T>? DGate) StepBackward(AreaMemory<T> m, int t);

    /// <summary>Once per backward pass, after step 1: the initial state's and τ's gradients.</summary>
    void EndBackward(AreaMemory<T> m);
}

/// <summary>How a projection is wired: it reads node <see cref="Source"/> (0: the input; k: area k − 1) at t − delay and adds to area node <see cref="Target"/>'s drive, or gate when multiplicative.</summary>
public readonly record struct Wiring(string Name, int Source, int Target, int Delay, bool Multiplicative);

/// <summary>A projection's arena memory: its resampled source at each step (when it pools or upsamples) and scratch.</summary>
public sealed class ProjectionMemory<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public ProjectionMemory(StateArena<T> arena, int steps, int[]? resampled)
    {
        if (resampled is null) return;
        Resampled = arena.History(steps, 1, resampled);
        DResampled = arena.Batched(resampled);
    }

    /// <summary>The source after pooling or upsampling, as read at step t. // [T, B, …]</summary>
    public History<T>? Resampled { get; }

    public Tensor<T>? DResampled { get; }
}

/// <summary>A projection kind as the simulator sees it.</summary>
public interface IProjectionOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    Wiring Wiring { get; }

    /// <summary>The per-image shape of the resampled source kept for backward, or null.</summary>
    int[]? ResampledShape { get; }

    /// <summary>Once per forward pass (e.g. sign-constrained weights from their raw values).</summary>
    void Begin();

    /// <summary>output (+)= W_copy ∗ resample(source), for the target's step t.</summary>
    void Forward(Tensor<T> source, ProjectionMemory<T> m, int t, int copy, Tensor<T> output, bool accumulate);

    /// <summary>
    /// Weight gradients of copy += …; <paramref name="dSource"/> (when not null) receives ∂L/∂source: added to what it
    /// holds when <paramref name="accumulate"/>, written over it otherwise (the first contribution to a state's gradient).
    /// </summary>
    void Backward(Tensor<T> source, ProjectionMemory<T> m, int t, int copy, Tensor<T> dOutput, Tensor<T>? dSource, bool accumulate);

    /// <summary>Before the first step of a backward pass.</summary>
    void BeginBackward();

    /// <summary>After the last step of a backward pass (e.g. effective-weight gradients to raw ones).</summary>
    void EndBackward();
}

/// <summary>A readout's arena memory: logits at each read step [S, B, K] and, when it pools, the pooled features.</summary>
public sealed class ReadoutMemory<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public ReadoutMemory(StateArena<T> arena, int reads, int classes, int[]? pooled)
    {
        Logits = arena.History(reads, 0, [classes]);
        if (pooled is null) return;
        Pooled = arena.History(reads, 0, pooled);
        DPooled = arena.Batched(pooled);
    }

    /// <summary>Logits[k] for the k-th read step (0-based). // [S, B, K]</summary>
    public History<T> Logits { get; }
    public History<T>? Pooled { get; }
    public Tensor<T>? DPooled { get; }
}

/// <summary>A readout as the simulator sees it: class scores from one area's state at chosen steps.</summary>
public interface IReadoutOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    string Name { get; }

    /// <summary>The area node it reads (k: area k − 1).</summary>
    int Area { get; }

    int Classes { get; }

    /// <summary>The 1-based steps it reads, ascending.</summary>
    IReadOnlyList<int> Steps { get; }

    int[]? PooledShape { get; }

    /// <summary>Logits[k] from the state at Steps[k].</summary>
    void Forward(Tensor<T> state, ReadoutMemory<T> m, int k);

    /// <summary>Parameter gradients += …; dState += ∂L/∂state when <paramref name="accumulate"/>, dState = ∂L/∂state otherwise.</summary>
    void Backward(Tensor<T> state, ReadoutMemory<T> m, int k, Tensor<T> dLogits, Tensor<T> dState, bool accumulate);
}

/// <summary>
/// A network compiled for the simulator: areas (node k is <see cref="Areas"/>[k − 1]; node 0 is the input),
/// their update order within a step, projections, readouts, and the time axis. Core knows nothing of the file it
/// came from.
/// </summary>
public sealed record CompiledProgram<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public required string Name { get; init; }
    public required int Steps { get; init; }
    public required int[] InputShape { get; init; }

    /// <summary>InputShown[t] for t = 0..T: whether the image (not a blank) is shown at t.</summary>
    public required bool[] InputShown { get; init; }

    /// <summary>WeightCopy[t] for t = 1..T (index 0 unused): the weight copy step t uses.</summary>
    public required int[] WeightCopy { get; init; }

    public required IReadOnlyList<IAreaOp<T>> Areas { get; init; }

    /// <summary>Area nodes (1-based) in the order they are updated within a step.</summary>
    public required int[] UpdateOrder { get; init; }

    public required IReadOnlyList<IProjectionOp<T>> Projections { get; init; }
    public required IReadOnlyList<IReadoutOp<T>> Readouts { get; init; }
    public required ParameterStore<T> Store { get; init; }
}
