using System.Runtime.InteropServices;
using System.Text;

namespace Cortex.Experiments.Distributed;

/// <summary>
/// MPI in this process, when a launcher started it: <c>mpiexec.mpich -n N cortex …</c>, or <c>srun --mpi=pmi2 cortex …</c>
/// under Slurm. MPI is optional: without a launcher <see cref="Start()"/> gives a one-process session that never touches MPI,
/// and every distributed code path runs as one rank. With a launcher it initialises MPI through MPI.NET 1.4.0, whose native
/// calls name MS-MPI's <c>msmpi</c> library; they are mapped to MPICH's <c>libmpich.so.12</c>, whose binary interface MS-MPI
/// descends from (Open MPI's differs and is refused with a message; docs/scale-out.md). One session per process: MPI can be
/// initialised once, so <see cref="Start()"/> returns the same session when called again, and <see cref="Close"/> ends it.
/// </summary>
public sealed class MpiSession
{
    /// <summary>MPICH's library, which MPI.NET's calls are mapped to.</summary>
    public const string Library = "libmpich.so.12";

    /// <summary>MPI_IN_PLACE in MPICH (and MS-MPI): <c>(void*) −1</c>.</summary>
    internal static readonly IntPtr InPlace = new(-1);

    private static readonly object Gate = new();
    private static readonly TimeSpan AbortGrace = TimeSpan.FromSeconds(2);
    private static bool resolverSet;
    private readonly MPI.Environment? environment;

    private MpiSession(MpiLaunch launch, MPI.Environment? environment, int rank, int size, string library)
    {
        Launch = launch;
        this.environment = environment;
        Rank = rank;
        Size = size;
        LibraryVersion = library;
        Replicas = environment is null ? null : new MpiReplicas(rank, size);
    }

    /// <summary>The session of this process, once <see cref="Start()"/> has run (null before, and after <see cref="Close"/>).</summary>
    public static MpiSession? Current { get; private set; }

    /// <summary>How the process was launched.</summary>
    public MpiLaunch Launch { get; }

    /// <summary>Whether MPI is initialised (false for a one-process session without a launcher).</summary>
    public bool IsMpi => environment is not null;

    /// <summary>This process's rank in MPI_COMM_WORLD (0 without MPI).</summary>
    public int Rank { get; }

    /// <summary>The number of ranks (1 without MPI).</summary>
    public int Size { get; }

    /// <summary>Whether this is rank 0, which writes run folders, checkpoints and reports.</summary>
    public bool IsRoot => Rank == 0;

    /// <summary>The MPI library's own description (MPI_Get_library_version), or why there is none.</summary>
    public string LibraryVersion { get; }

    /// <summary>The ranks as data-parallel replicas (all-reduce over MPI_COMM_WORLD); null without MPI.</summary>
    public MpiReplicas? Replicas { get; }

    /// <summary>One line for logs and run records: <c>MPI rank 0 of 2 (MPICH Version: 4.2.0 …)</c>, or <c>one process (…)</c>.</summary>
    public string Description => IsMpi ? $"MPI rank {Rank} of {Size} ({LibraryVersion})" : $"one process ({Launch.Evidence})";

    /// <summary>
    /// Joins MPI when a launcher started this process, else makes a one-process session. Throws <see cref="DistributedError"/>
    /// when the launcher cannot be used (Open MPI, PMIx alone, srun without PMI) or MPICH's library is missing.
    /// </summary>
    public static MpiSession Start() => Start(MpiLaunch.Current);

    /// <summary>As <see cref="Start()"/>, for a launch already detected.</summary>
    public static MpiSession Start(MpiLaunch launch)
    {
        lock (Gate)
        {
            if (Current is not null) return Current;
            if (launch.Problem is { } problem) throw new DistributedError(problem);
            if (launch.Launcher == MpiLauncher.None) return Current = new MpiSession(launch, null, 0, 1, "no MPI");
            if (!NativeLibrary.TryLoad(Library, out _))
                throw new DistributedError($"this process was started by an MPI launcher ({launch.Evidence}), but MPICH's library {Library} " +
                    "cannot be loaded: install MPICH (apt-get install mpich) on every node");
            if (!resolverSet)
            {
                NativeLibrary.SetDllImportResolver(typeof(MPI.Communicator).Assembly, (name, _, _) =>
                    name.StartsWith("msmpi", StringComparison.OrdinalIgnoreCase) ? NativeLibrary.Load(Library) : IntPtr.Zero);
                resolverSet = true;
            }
            string[] arguments = [];
            var environment = new MPI.Environment(ref arguments, MPI.Threading.Serialized);
            var world = MPI.Communicator.world;
            return Current = new MpiSession(launch, environment, world.Rank, world.Size, Version());
        }
    }

    /// <summary>Waits until every rank has called it.</summary>
    public void Barrier()
    {
        if (IsMpi && MpiNative.Barrier() is not 0 and var rc) throw new InvalidOperationException($"MPI barrier failed with MPI error {rc}");
    }

    /// <summary>
    /// Ends the session of this process (if any) as a command ends with <paramref name="exitCode"/>, and returns it. A rank
    /// that succeeded finalises MPI; a rank that failed while other ranks run aborts the whole job (MPI_Abort), so that no
    /// rank waits forever in a collective call for a rank that has given up.
    /// </summary>
    public static int Close(int exitCode)
    {
        MpiSession? session;
        lock (Gate)
        {
            session = Current;
            Current = null;
        }
        if (session?.environment is not { } environment) return exitCode;
        Console.Out.Flush();
        Console.Error.Flush();
        if (exitCode != 0 && session.Size > 1)
        {
            // A mistake every rank makes (a bad flag) fails every rank at once: the others give rank 0 a moment to print its
            // message and abort first; a failure of this rank alone aborts the job after that moment.
            if (!session.IsRoot) Thread.Sleep(AbortGrace);
            MPI.Unsafe.MPI_Abort(MPI.Unsafe.MPI_COMM_WORLD, exitCode);
        }
        session.Barrier();   // finalising waits for every rank, and MPICH's wait would poll without pause
        environment.Dispose();
        return exitCode;
    }

    private static unsafe string Version()
    {
        var buffer = new byte[8192];   // MPI_MAX_LIBRARY_VERSION_STRING in MPICH
        fixed (byte* p = buffer)
            if (MpiNative.GetLibraryVersion(p, out _) != 0) return Library;
        string text = Encoding.ASCII.GetString(buffer).TrimEnd('\0');
        return $"{text.Split('\n')[0].Trim()} ({Library})";
    }
}
