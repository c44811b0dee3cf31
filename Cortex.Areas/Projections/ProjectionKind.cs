using System.Numerics;
using Cortex.Areas.Options;
using Cortex.Core.Simulation;
using Cortex.Core.Tensors;

namespace Cortex.Areas.Projections;

/// <summary>
/// A projection kind (the <c>connectivity</c> key): how a projection computes, independent of its type (feedforward,
/// lateral, feedback) and mode. A registry entry that reads its keys into a <see cref="ProjectionOptions"/> record.
/// </summary>
public abstract class ProjectionKind : IRegistryEntry
{
    /// <inheritdoc/>
    public abstract string Word { get; }

    /// <inheritdoc/>
    public abstract string Summary { get; }

    /// <summary>The kernel family it runs (for docs).</summary>
    public abstract string KernelFamily { get; }

    /// <summary>The keys it reads besides the keys every projection has.</summary>
    public abstract IReadOnlyList<OptionKey> Keys { get; }

    /// <summary>Reads its keys.</summary>
    public abstract ProjectionOptions Read(IOptionReader reader);
}

/// <summary>Where a projection sits: its name, endpoints and their shapes, and its weights' tying and constraint.</summary>
/// <param name="Name">The projection's name; its weights are <c>{Name}.weight</c>.</param>
/// <param name="From">The source's name.</param>
/// <param name="To">The target's name.</param>
/// <param name="Source">The source's shape.</param>
/// <param name="Target">The target's shape.</param>
/// <param name="Copies">Weight copies over time.</param>
public sealed record ProjectionContext(string Name, string From, string To, AreaShape Source, AreaShape Target, int Copies)
{
    /// <summary>"V1 [32, 28, 28] → V2 [64, 14, 14]", the start of geometry messages.</summary>
    public string Arrow => $"{From} {Source} → {To} {Target}";
}

/// <summary>A projection kind's options, as read and written back with every default resolved.</summary>
public abstract record ProjectionOptions
{
    /// <summary>The kind they configure.</summary>
    public abstract ProjectionKind Kind { get; }

    /// <summary>Writes its keys (besides the common ones).</summary>
    public abstract void Write(IOptionWriter writer);

    /// <summary>
    /// Checks that the projection maps its source onto its target, returning its model, or null after reporting why
    /// (what it produces, and which settings would fit) at the key most likely at fault.
    /// </summary>
    public abstract ProjectionModel? Resolve(ProjectionContext context, IIssues issues);
}

/// <summary>A resolved projection: its weights, synapses and MACs, its memory over T steps, and its op.</summary>
public abstract class ProjectionModel
{
    /// <summary>The projection's place.</summary>
    public abstract ProjectionContext Context { get; }

    /// <summary>The shape of one copy of its weights.</summary>
    public abstract int[] WeightShape { get; }

    /// <summary>Multiply–accumulates per image each time it is active.</summary>
    public abstract long MacsPerImage { get; }

    /// <summary>One line for the ledger and the picture, e.g. "conv 3×3 maxpool×2".</summary>
    public abstract string Describe();

    /// <summary>What it keeps in the arena (a resampled source per step, scratch).</summary>
    public abstract MemoryPlan Memory { get; }

    /// <summary>Weights of one copy.</summary>
    public long WeightsPerCopy => WeightShape.Aggregate(1L, (a, d) => a * d);

    /// <summary>Its weights as a parameter: every copy, synaptic, with weight decay.</summary>
    public ParameterSpec Weights => new($"{Context.Name}.weight", WeightShape, Context.Copies, Synaptic: true, Decay: true);

    /// <summary>The op, over weights already in the parameter store.</summary>
    public abstract IProjectionOp<T> Create<T>(Wiring wiring, SynapseWeights<T> weights) where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>What every projection op shares: its wiring, weights over time and memory plan.</summary>
public abstract class ProjectionOp<T>(Wiring wiring, SynapseWeights<T> weights, MemoryPlan memory) : IProjectionOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <inheritdoc/>
    public Wiring Wiring { get; } = wiring;

    /// <summary>Its weights.</summary>
    public SynapseWeights<T> Weights { get; } = weights;

    /// <inheritdoc/>
    public MemoryPlan Memory { get; } = memory;

    /// <inheritdoc/>
    public void Begin() => Weights.Begin();

    /// <inheritdoc/>
    public void BeginBackward() => Weights.BeginBackward();

    /// <inheritdoc/>
    public void EndBackward() => Weights.EndBackward();

    /// <inheritdoc/>
    public abstract void Forward(Tensor<T> source, BoundMemory<T> m, int t, int copy, Tensor<T> output, bool accumulate);

    /// <inheritdoc/>
    public abstract void Backward(Tensor<T> source, BoundMemory<T> m, int t, int copy, Tensor<T> dOutput, Tensor<T>? dSource, bool accumulate);
}

/// <summary>A resampled source kept per step for backward (pooling or upsampling before a connection), with its gradient scratch.</summary>
internal sealed class ResampledSource
{
    private readonly SourceResampling resampling;
    private readonly Slot resampled, dResampled;

    public ResampledSource(SourceResampling resampling, AreaShape shape, MemoryPlan plan)
    {
        this.resampling = resampling;
        if (resampling.IsNone) return;
        resampled = plan.Steps("resampled source", shape.Dimensions);
        dResampled = plan.Scratch("resampled source gradient", shape.Dimensions);
    }

    /// <summary>What the connection reads at t: the source, or its resampling (computed now).</summary>
    public Tensor<T> Forward<T>(Tensor<T> source, BoundMemory<T> m, int t) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (resampling.IsNone) return source;
        var x = m.History(resampled)[t];
        resampling.Forward(source, x);
        return x;
    }

    /// <summary>What the connection read at t (for its weight gradient).</summary>
    public Tensor<T> Read<T>(Tensor<T> source, BoundMemory<T> m, int t) where T : unmanaged, IFloatingPointIeee754<T>
        => resampling.IsNone ? source : m.History(resampled)[t];

    /// <summary>Where the connection's input gradient goes: straight into <paramref name="dSource"/> without resampling, else into scratch that <see cref="Backward"/> then takes back through the resampling.</summary>
    public (Tensor<T> Into, bool Accumulate) DataGradient<T>(BoundMemory<T> m, Tensor<T> dSource, bool accumulate) where T : unmanaged, IFloatingPointIeee754<T>
        => resampling.IsNone ? (dSource, accumulate) : (m.Tensor(dResampled), false);

    /// <summary>dSource (+)= the resampling's backward of the scratch gradient (nothing to do without resampling).</summary>
    public void Backward<T>(Tensor<T> source, BoundMemory<T> m, int t, Tensor<T> dSource, bool accumulate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (resampling.IsNone) return;
        resampling.Backward(source, m.History(resampled)[t], m.Tensor(dResampled), dSource, accumulate);
    }
}
