using System.Numerics;
using Cortex.Core.Tensors;

namespace Cortex.Core.Optimisers;

/// <summary>
/// Updates a fixed list of parameters from their gradients. An optimiser owns its state tensors (momenta,
/// second moments), allocated on each parameter's backend, and frees them when disposed.
/// </summary>
public interface IOptimiser<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    IReadOnlyList<Parameter<T>> Parameters { get; }

    /// <summary>Steps taken so far.</summary>
    int StepCount { get; }

    /// <summary>The optimiser's state tensors by name (e.g. "adamw.m/V1->V2.weight"), for checkpoints.</summary>
    IReadOnlyList<(string Name, Tensor<T> Tensor)> State { get; }

    /// <summary>Sets the step count after the state tensors were restored from a checkpoint.</summary>
    void Restore(int stepCount);

    /// <summary>One update of every parameter from its current gradient. The learning rate is ≥ 0.</summary>
    void Step(T learningRate);

    /// <summary>Sets every parameter's gradient to zero.</summary>
    void ZeroGradients();
}
