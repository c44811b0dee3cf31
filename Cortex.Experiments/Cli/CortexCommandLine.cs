using System.CommandLine;
using Cortex.Connectivity;
using Cortex.Connectivity.Validation;
using Cortex.Core.Backends;
using Cortex.Core.Kernels;
using Cortex.Core.Simulation;
using Cortex.Experiments.Checkpoints;
using Cortex.Experiments.Data;
using Cortex.Experiments.Distributed;
using Cortex.Experiments.Reports;
using Cortex.Experiments.Training;
using Spectre.Console;

namespace Cortex.Experiments.Cli;

/// <summary>
/// The <c>cortex</c> command line. User mistakes print one located message and exit 2 (<see cref="ExitCodes"/>);
/// nothing prints a stack trace for them, and a bug prints one line saying where its trace was written.
/// </summary>
public static class CortexCommandLine
{
    /// <summary>Runs the <c>cortex</c> command line on <paramref name="args"/> and returns the process's exit code (<see cref="ExitCodes"/>).</summary>
    public static int Run(string[] args)
    {
        var root = new RootCommand("Cortex: networks of visual areas with feedforward, lateral and feedback projections, simulated over time on a CPU or GPU.")
        {
            BenchCommand.Create(),
            InspectCommand.Create(),
            TrainCommand.Create(),
            EvalCommand.Create(),
            QuickstartCommand.Create(),
            RecordCommand.Create(),
            RsaCommand.Create(),
            VariantCommand.Create(),
            ExperimentCommand.Create(),
        };
        return Run(root, args);
    }

    /// <summary>
    /// Parses and runs <paramref name="args"/> against <paramref name="root"/>: a command line that does not parse
    /// prints one line (<see cref="ParseErrorMessage"/>) and returns 2; a user mistake prints its message and returns
    /// 2; a divergence returns 3; anything else is a bug, reported by <see cref="InternalErrorReport"/> with 70.
    /// </summary>
    /// <remarks>
    /// A command that joined MPI (<see cref="MpiSession"/>) ends it here: a rank that succeeded finalises MPI, a rank that failed
    /// prints its message (naming its rank) and aborts the whole job, so that no other rank waits for it forever.
    /// </remarks>
    public static int Run(RootCommand root, string[] args)
    {
        InternalErrorReport.RunFolder = null;
        int code;
        try
        {
            var parsed = root.Parse(args);
            if (parsed.Action is System.CommandLine.Invocation.ParseErrorAction)
            {
                Console.Error.WriteLine(ParseErrorMessage.For(parsed));
                return ExitCodes.UserError;
            }
            code = parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (UserMessage(e) is { } message)
        {
            Console.Error.WriteLine($"cortex{RankLabel()}: {message}");
            code = e is TrainingDivergedException ? ExitCodes.Diverged : ExitCodes.UserError;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine(InternalErrorReport.Write(e, args));
            code = ExitCodes.InternalError;
        }
        return MpiSession.Close(code);
    }

    /// <summary>" (rank r of N)" in a run over several MPI ranks, so that a message says which rank failed; else empty.</summary>
    private static string RankLabel() => MpiSession.Current is { Size: > 1 } mpi ? $" (rank {mpi.Rank} of {mpi.Size})" : "";

    /// <summary>The message of an exception that reports a user mistake (or a divergence) rather than a bug; null for a bug.</summary>
    public static string? UserMessage(Exception e) => e switch
    {
        UserError or DataError or CheckpointError or RunFolderError or TrainingDivergedException or DeviceMemoryException or DeviceUnavailableException
            or DistributedError or Experiments.RunStoreError => e.Message,
        _ => null,
    };

    /// <summary>The --device option shared by every command that computes.</summary>
    public static Option<string?> DeviceOption() => new("--device")
    {
        Description = $"where to compute: {string.Join("|", Devices.Names)} (default: the {Devices.EnvironmentVariable} environment variable, else auto)",
    };

    /// <summary>The --precision option of every command that trains, evaluates or measures.</summary>
    public static Option<string?> PrecisionOption() => new("--precision")
    {
        Description = "arithmetic of the convolutions on a GPU: fp32 | tf32 (default: the network file's precision key, else tf32 on CUDA — " +
            "PyTorch's default for convolutions — and fp32 elsewhere; the CPU path always computes in fp32)",
    };

    /// <summary>The precision --precision names (null when it is not given), or a user error naming the allowed words.</summary>
    public static ConvPrecision? ParsePrecision(string? flag) => flag is null ? null
        : ConvPrecisions.Parse(flag) ?? throw new UserError($"--precision: unknown precision '{flag}'; allowed: {string.Join(", ", ConvPrecisions.Names)}");

    /// <summary>
    /// Sets the convolutions of <paramref name="backend"/> to --precision, else to the network file's key, else to the
    /// device's default, and says which and why on <paramref name="log"/>; returns the words that describe it.
    /// </summary>
    public static string ApplyPrecision<T>(IBackend<T> backend, ConvPrecision? flag, ConvPrecision? file, TextWriter log)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        string used = ConvPrecisions.Apply(backend, flag ?? file);
        string source = flag is not null ? "--precision" : file is not null ? "the network file's precision key" : "the device's default";
        log.WriteLine($"precision: convolutions {used} ({source})");
        return used;
    }

    /// <summary>
    /// A Spectre console on the current standard output (which tests may redirect); 110 columns wide when the
    /// output is not a terminal, so that tables keep one line per row in logs.
    /// </summary>
    public static IAnsiConsole Out()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (Console.IsOutputRedirected || Console.Out != StandardOutput) console.Profile.Width = Math.Max(console.Profile.Width, 110);
        return console;
    }

    private static readonly TextWriter StandardOutput = Console.Out;

    /// <summary>Loads and validates a network file; every error becomes one user error listing all of them with their positions.</summary>
    public static LoadedNetwork LoadNetwork(FileInfo file)
    {
        try
        {
            var loaded = NetworkLoader.Load(file.FullName);
            foreach (var w in loaded.Warnings) Console.Error.WriteLine(w);
            return loaded;
        }
        catch (ConfigErrors e)
        {
            throw new UserError($"{file.Name}: {e.Errors.Count} error{(e.Errors.Count == 1 ? "" : "s")}" + Environment.NewLine +
                string.Join(Environment.NewLine, e.Errors.Concat(e.Warnings)));
        }
    }

    /// <summary>Resolves --device, turning a bad or missing device into a user error.</summary>
    public static DeviceKind ResolveDevice(string? flag, TextWriter log)
    {
        try
        {
            var (kind, reason) = Devices.Resolve(flag);
            log.WriteLine($"device: {reason}");
            return kind;
        }
        catch (Exception e) when (e is DeviceUnavailableException or ArgumentException)
        {
            throw new UserError(e.Message);
        }
    }
}
