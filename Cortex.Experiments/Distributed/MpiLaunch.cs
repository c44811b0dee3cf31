using System.Collections;
using System.Globalization;

namespace Cortex.Experiments.Distributed;

/// <summary>What started this process, as its environment tells.</summary>
public enum MpiLauncher
{
    /// <summary>No MPI launcher: one process on its own.</summary>
    None,

    /// <summary>A process manager that speaks PMI, as MPICH's <c>mpiexec.mpich</c> (hydra) and Slurm's <c>srun --mpi=pmi2</c> do (PMI_RANK, PMI_SIZE).</summary>
    Pmi,

    /// <summary>Open MPI's <c>mpiexec</c> (OMPI_COMM_WORLD_SIZE): its binary interface is not the one MPI.NET calls.</summary>
    OpenMpi,

    /// <summary>PMIx without PMI (PMIX_RANK alone, as <c>srun --mpi=pmix</c> sets): Debian's MPICH connects through PMI.</summary>
    Pmix,

    /// <summary>Slurm's <c>srun</c> with several tasks but no process-manager interface: every task would run alone.</summary>
    SlurmWithoutPmi,
}

/// <summary>
/// How this process was launched: the launcher, and the rank and size it announces in the environment (before MPI is
/// initialised). <see cref="Detect"/> reads only environment variables, so it is cheap and can be tested.
/// </summary>
/// <param name="Launcher">The kind of launcher.</param>
/// <param name="Rank">The rank it gives this process (0 without a launcher).</param>
/// <param name="Size">The number of processes it started (1 without a launcher).</param>
/// <param name="Evidence">The variables it was recognised by, for messages: <c>PMI_RANK=1, PMI_SIZE=2</c>.</param>
public sealed record MpiLaunch(MpiLauncher Launcher, int Rank, int Size, string Evidence)
{
    /// <summary>This process's place among the ranks on its own node (MPI_LOCALRANKID from hydra, SLURM_LOCALID from srun; else 0): it picks the node's GPU.</summary>
    public int LocalRank { get; init; }

    /// <summary>
    /// The ranks on this node when the launcher says (MPI_LOCALNRANKS from hydra), else 1: a CPU run divides the node's
    /// processors among them (under Slurm, --cpus-per-task already gives each task its own).
    /// </summary>
    public int LocalRanks { get; init; } = 1;

    /// <summary>The launch of this process, from its environment.</summary>
    public static MpiLaunch Current => Detect(ProcessEnvironment());

    /// <summary>Recognises the launcher from environment variables.</summary>
    public static MpiLaunch Detect(IReadOnlyDictionary<string, string?> environment)
    {
        string? Get(string name) => environment.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
        int Number(string name) => int.TryParse(Get(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) ? n : 0;
        string Shown(params string[] names) => string.Join(", ", names.Where(n => Get(n) is not null).Select(n => $"{n}={Get(n)}"));

        if (Get("OMPI_COMM_WORLD_SIZE") is not null)
            return new MpiLaunch(MpiLauncher.OpenMpi, Number("OMPI_COMM_WORLD_RANK"), Number("OMPI_COMM_WORLD_SIZE"),
                Shown("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"));
        if (Get("PMI_RANK") is not null && Get("PMI_SIZE") is not null)
            return new MpiLaunch(MpiLauncher.Pmi, Number("PMI_RANK"), Number("PMI_SIZE"), Shown("PMI_RANK", "PMI_SIZE"))
            {
                LocalRank = Get("MPI_LOCALRANKID") is not null ? Number("MPI_LOCALRANKID") : Number("SLURM_LOCALID"),
                LocalRanks = Math.Max(1, Number("MPI_LOCALNRANKS")),
            };
        if (Get("PMIX_RANK") is not null)
            return new MpiLaunch(MpiLauncher.Pmix, Number("PMIX_RANK"), Math.Max(1, Number("SLURM_NTASKS")), Shown("PMIX_RANK", "SLURM_NTASKS"));
        if (Number("SLURM_NTASKS") > 1 && Get("SLURM_PROCID") is not null)
            return new MpiLaunch(MpiLauncher.SlurmWithoutPmi, Number("SLURM_PROCID"), Number("SLURM_NTASKS"), Shown("SLURM_PROCID", "SLURM_NTASKS"));
        return new MpiLaunch(MpiLauncher.None, 0, 1, "no MPI launcher in the environment");
    }

    /// <summary>
    /// Why this launch cannot be used for a distributed run, or null when it can: Open MPI, PMIx alone and srun without PMI
    /// are refused with what to run instead.
    /// </summary>
    public string? Problem => Launcher switch
    {
        MpiLauncher.OpenMpi =>
            $"this process was started by Open MPI's mpiexec ({Evidence}). Cortex calls MPI through MPI.NET, whose binary interface is " +
            "MPICH's (MS-MPI descends from MPICH); Open MPI's handles and constants differ, so it cannot work. Install MPICH " +
            "(apt-get install mpich) and start with mpiexec.mpich -n N …; under Slurm use srun --mpi=pmi2 with MPICH",
        MpiLauncher.Pmix =>
            $"this process was started with PMIx only ({Evidence}); MPICH as Debian builds it connects through PMI: start with " +
            "srun --mpi=pmi2 or mpiexec.mpich -n N …",
        MpiLauncher.SlurmWithoutPmi =>
            $"srun started {Size} tasks without a process-manager interface ({Evidence}), so each would run alone: start with " +
            "srun --mpi=pmi2 … or mpiexec.mpich -n N … inside the allocation",
        _ => null,
    };

    /// <summary>This process's environment variables.</summary>
    public static IReadOnlyDictionary<string, string?> ProcessEnvironment()
    {
        var variables = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables()) variables[(string)entry.Key] = entry.Value as string;
        return variables;
    }
}
