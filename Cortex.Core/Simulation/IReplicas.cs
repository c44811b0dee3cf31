namespace Cortex.Core.Simulation;

/// <summary>
/// The replicas of a data-parallel run: <see cref="Count"/> processes (one per GPU or per group of cores), each holding the
/// same network and a slice of every global batch. Core needs one collective operation from them: an element-wise sum over
/// every replica, written over each replica's values, with the same result on every replica. Batch normalisation sums its
/// per-channel statistics with it (so that every replica normalises with the statistics of the global batch), and
/// <see cref="TrainingStep{T}"/> its gradients and losses. Core names no transport: Cortex.Experiments implements this over
/// MPI, and tests over threads. Every replica must make the same calls, with the same lengths, in the same order.
/// </summary>
public interface IReplicas
{
    /// <summary>How many replicas share each global batch (≥ 1).</summary>
    int Count { get; }

    /// <summary>This replica's place, 0 … <see cref="Count"/> − 1; replica r holds the r-th slice of every global batch.</summary>
    int Index { get; }

    /// <summary>values ← Σ over replicas of values, element by element; returns when every replica has contributed.</summary>
    void Sum(Span<float> values);

    /// <summary>values ← Σ over replicas of values, element by element, in double precision.</summary>
    void Sum(Span<double> values);
}
