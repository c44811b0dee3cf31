using System.Numerics;
using Cortex.Core.Optimisers;
using Cortex.Core.Simulation;
using Cortex.Core.Tensors;

namespace Cortex.Areas;

/// <summary>
/// One trainable parameter a kind declares: the ledger counts it from here and the kind allocates it from here, so the
/// two agree. Synaptic weights may have several copies (weight tying over time); everything else has one.
/// </summary>
/// <param name="Name">The parameter's name in the store, e.g. <c>V1.norm.gamma</c>.</param>
/// <param name="Shape">The shape of one copy.</param>
/// <param name="Copies">Weight copies over time (1: shared).</param>
/// <param name="Synaptic">Whether it is a synaptic weight (counted as synapses, tied over time), rather than a bias, normalisation or time constant.</param>
/// <param name="Decay">Whether weight decay applies to it.</param>
public sealed record ParameterSpec(string Name, int[] Shape, int Copies = 1, bool Synaptic = false, bool Decay = false)
{
    /// <summary>Values of one copy.</summary>
    public long Size => Shape.Aggregate(1L, (a, d) => a * d);

    /// <summary>Values of every copy.</summary>
    public long Values => Size * Copies;

    /// <summary>Adds the parameter (one copy) to <paramref name="store"/>, zero-filled.</summary>
    public Parameter<T> Add<T>(ParameterStore<T> store) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (Copies != 1) throw new InvalidOperationException($"{Name} has {Copies} copies: add it as synaptic weights");
        return store.Add(Name, new Shape(Shape), applyWeightDecay: Decay);
    }
}
