using System.Numerics;
using Cortex.Core.Kernels;
using Cortex.Core.Optimisers;
using Cortex.Core.Simulation;
using Cortex.Core.Tensors;

namespace Cortex.Areas;

/// <summary>
/// A readout as data: at each of <paramref name="Steps"/> (1-based), logits z = W·pool(h(t)) + b, where pool is
/// the global average over H×W (C features) or the whole state (C·H·W or N features).
/// </summary>
/// <param name="Area">The area node it reads (k: the k-th area).</param>
public sealed record ReadoutKind(string Name, int Area, int[] AreaShape, int Classes, IReadOnlyList<int> Steps, bool GlobalAverage)
{
    public int Features => GlobalAverage ? AreaShape[0] : AreaShape.Aggregate(1, (a, b) => a * b);
}

/// <summary>A readout's forward and backward at one read step; its weight [K, F] and bias [K] live in the parameter store.</summary>
public sealed class Readout<T> : IReadoutOp<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ReadoutKind kind;
    private readonly Parameter<T> weight, bias;

    public Readout(ReadoutKind kind, ParameterStore<T> store, int seed)
    {
        this.kind = kind;
        weight = store.Add($"{kind.Name}.weight", new Shape(kind.Classes, kind.Features));
        bias = store.Add($"{kind.Name}.bias", new Shape(kind.Classes), applyWeightDecay: false);
        Initialiser.XavierNormal().Apply(weight.Value, seed);
    }

    public string Name => kind.Name;
    public int Area => kind.Area;
    public int Classes => kind.Classes;
    public IReadOnlyList<int> Steps => kind.Steps;
    public int[]? PooledShape => kind.GlobalAverage ? [kind.AreaShape[0]] : null;

    public void Forward(Tensor<T> state, ReadoutMemory<T> m, int k)
    {
        var features = state;
        if (m.Pooled is not null)
        {
            Pool2d.GlobalAvgForward(state, m.Pooled[k]);
            features = m.Pooled[k];
        }
        Dense.Forward(features, weight.Value, bias.Value, m.Logits[k]);
    }

    public void Backward(Tensor<T> state, ReadoutMemory<T> m, int k, Tensor<T> dLogits, Tensor<T> dState, bool accumulate)
    {
        if (m.Pooled is null)
        {
            Dense.BackwardWeights(state, dLogits, weight.Gradient, bias.Gradient);
            Dense.BackwardData(dLogits, weight.Value, dState, accumulate);
            return;
        }
        Dense.BackwardWeights(m.Pooled[k], dLogits, weight.Gradient, bias.Gradient);
        Dense.BackwardData(dLogits, weight.Value, m.DPooled!, accumulate: false);
        Pool2d.GlobalAvgBackward(m.DPooled!, dState, accumulate);
    }
}
