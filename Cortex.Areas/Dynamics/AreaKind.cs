using System.Numerics;
using Cortex.Areas.Modes;
using Cortex.Areas.Options;
using Cortex.Core.Simulation;

namespace Cortex.Areas.Dynamics;

/// <summary>The time axis as kinds need it when reading their options: T and dt.</summary>
/// <param name="Steps">T.</param>
/// <param name="Dt">The step's length, in the unit of τ.</param>
public sealed record TimeAxis(int Steps, double Dt);

/// <summary>
/// An area kind (the <c>kind</c> key of an area): how an area updates its state. A registry entry that reads its keys
/// into a plain <see cref="AreaOptions"/> record; the record resolves, against the area's place in the network, into an
/// <see cref="AreaModel"/> that describes itself to the ledger and builds the step function.
/// </summary>
public abstract class AreaKind : IRegistryEntry
{
    /// <inheritdoc/>
    public abstract string Word { get; }

    /// <inheritdoc/>
    public abstract string Summary { get; }

    /// <summary>The keys it reads besides name, level, shape and kind.</summary>
    public abstract IReadOnlyList<OptionKey> Keys { get; }

    /// <summary>Whether the area may carry a <c>norm</c> (and so reads the keys of the norm it names).</summary>
    public abstract bool Normalises { get; }

    /// <summary>Reads its keys (reporting every mistake at its key).</summary>
    public abstract AreaOptions Read(IOptionReader reader, TimeAxis time);
}

/// <summary>An area kind's options, as read from a file and written back with every default resolved.</summary>
public abstract record AreaOptions
{
    /// <summary>The kind they configure.</summary>
    public abstract AreaKind Kind { get; }

    /// <summary>Whether h(0) is learned (a projection reading it at t − delay &lt; 1 is then active).</summary>
    public abstract bool LearnedInitialState { get; }

    /// <summary>Writes its keys (besides name, level, shape and kind).</summary>
    public abstract void Write(IOptionWriter writer);

    /// <summary>Resolves defaults that depend on the projections into the area (e.g. whether a bias would cancel); returns the completed options.</summary>
    public virtual AreaOptions Complete(int channels, IReadOnlyList<ProjectionMode> modesInto) => this;

    /// <summary>Checks the options against the area's place in the network (reporting at their keys) and describes the area.</summary>
    public abstract AreaModel Resolve(AreaContext context, IIssues issues);
}

/// <summary>Where an area sits: everything about the network its kind may depend on.</summary>
/// <param name="Name">The area's name (its parameters are named <c>{Name}.…</c>).</param>
/// <param name="Shape">Its state's shape.</param>
/// <param name="Steps">T.</param>
/// <param name="Dt">dt.</param>
/// <param name="Copies">Weight copies over time of synaptic weights (1 shared; T untied; ⌈T/k⌉ tied every k).</param>
/// <param name="Modes">The modulatory modes of the projections into it, in registry order, without repeats: input 1 + i is mode i's.</param>
/// <param name="DriveAt">DriveAt[t] for t = 0..T: whether any additive projection into the area is active at t.</param>
public sealed record AreaContext(string Name, AreaShape Shape, int Steps, double Dt, int Copies, IReadOnlyList<ModulatoryMode> Modes, IReadOnlyList<bool> DriveAt)
{
    /// <summary>The state's shape as an array: [C, H, W] or [N].</summary>
    public int[] Dimensions => Shape.Dimensions;

    /// <summary>C (N for a vector area).</summary>
    public int Channels => Shape.Channels;
}

/// <summary>
/// A resolved area: what it computes, in one line; its parameters; its synapses and multiply–accumulates; how deep a
/// signal goes through it; the memory it needs over T steps; and the step function it builds.
/// </summary>
public abstract class AreaModel
{
    /// <summary>The area's place.</summary>
    public abstract AreaContext Context { get; }

    /// <summary>One line for the ledger and the picture, e.g. "relu, per-step batch norm, τ = 2".</summary>
    public abstract string Describe();

    /// <summary>Every trainable parameter it holds (synaptic ones marked), as the ledger counts and the op allocates them.</summary>
    public abstract IReadOnlyList<ParameterSpec> Parameters { get; }

    /// <summary>Multiply–accumulates per image of one update by its own synapses (0 when it has none).</summary>
    public virtual long MacsPerUpdate => 0;

    /// <summary>Synaptic layers between its drive and h(t) (0: the drive enters directly).</summary>
    public virtual int InputDepth => 0;

    /// <summary>Synaptic layers between h(t − 1) and h(t): null when h(t) does not depend on h(t − 1) directly, 0 for a leak, 1 for a convolution of the state.</summary>
    public abstract int? StateDepth { get; }

    /// <summary>Whether h(0) is learned.</summary>
    public abstract bool LearnedInitialState { get; }

    /// <summary>The area's inputs: the drive and one per modulatory mode into it.</summary>
    public int Inputs => 1 + Context.Modes.Count;

    /// <summary>What its step function keeps in the arena besides states and inputs.</summary>
    public abstract MemoryPlan Memory { get; }

    /// <summary>The step function over a parameter store (its parameters are added there now); <paramref name="seed"/> draws its synaptic weights.</summary>
    public abstract IAreaOp<T> Create<T>(ParameterStore<T> store, int seed) where T : unmanaged, IFloatingPointIeee754<T>;
}
