using System.Numerics;
using Cortex.Core.Tensors;

namespace Cortex.Core.Optimisers;

/// <summary>
/// Updates a fixed list of parameters from their gradients. An optimiser owns its state tensors (momenta,
/// second moments), allocated on each parameter's backend, and frees them when disposed.
/// </summary>
public interface IOptimiser<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>The parameters this optimiser updates, in the order given; none is listed twice.</summary>
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

    /// <summary>
    /// Values the device-resident update (<see cref="EnqueueUpdate"/>) reads from device memory: index 0 is the guard
    /// (the update is made only where it is 1), the rest the step's own (learning rate, bias corrections, …).
    /// </summary>
    int ScalarCount { get; }

    /// <summary>Fills <paramref name="scalars"/> (<see cref="ScalarCount"/> long) for the next step at this learning rate, guard 1.</summary>
    void WriteScalars(Span<T> scalars, T learningRate);

    /// <summary>
    /// Queues the next step's update of every parameter on the device, reading the learning rate and the other values
    /// of the step from <paramref name="scalars"/> (written by <see cref="WriteScalars"/> and uploaded) and doing nothing
    /// where its guard is not 1: no argument of the queued kernels changes from step to step, so the work can be captured
    /// once into a CUDA graph and replayed. Does not count the step: <see cref="Advance"/> does, once the guard is known.
    /// </summary>
    void EnqueueUpdate(Tensor<T> scalars);

    /// <summary>Counts a step whose update <see cref="EnqueueUpdate"/> made (its guard was 1).</summary>
    void Advance();
}
