namespace Cortex.Experiments.Distributed;

/// <summary>
/// A process cannot take part in a distributed run as asked: MPI is missing or is Open MPI's, the launcher and the flags
/// disagree, or a Slurm array's task cannot be placed. A user mistake (exit code 2), with a message that says what to do.
/// </summary>
public sealed class DistributedError(string message) : Exception(message);
