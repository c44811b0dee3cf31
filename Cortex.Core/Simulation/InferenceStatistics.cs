namespace Cortex.Core.Simulation;

/// <summary>What batch normalisation normalises with outside training.</summary>
public enum InferenceStatistics
{
    /// <summary>The running averages kept in training (the usual inference).</summary>
    Running,

    /// <summary>
    /// The statistics of the batch being evaluated, at each step on its own, as in training; the running averages are not
    /// updated. A diagnostic: how a network does when its running averages do not describe its activity at every step
    /// (shared batch norm), at the price of answers that depend on which images share a batch.
    /// </summary>
    Batch,
}
