using System.CommandLine;
using Cortex.Connectivity;
using Cortex.Connectivity.Validation;
using Cortex.Core.Backends;
using Cortex.Core.Simulation;
using Spectre.Console;

namespace Cortex.Experiments.Cli;

/// <summary>The <c>cortex</c> command line. User mistakes print one clear line and exit 2; nothing prints a stack trace for them.</summary>
public static class CortexCommandLine
{
    public static int Run(string[] args)
    {
        var root = new RootCommand("Cortex: networks of visual areas with feedforward, lateral and feedback projections, simulated over time on a CPU or GPU.")
        {
            BenchCommand.Create(),
            InspectCommand.Create(),
            TrainCommand.Create(),
            TrainCommand.CreateEval(),
            QuickstartCommand.Create(),
            RecordCommand.Create(),
            RsaCommand.Create(),
        };
        try
        {
            return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is UserError or DeviceMemoryException)
        {
            Console.Error.WriteLine($"cortex: {e.Message}");
            return 2;
        }
    }

    /// <summary>The --device option shared by every command that computes.</summary>
    public static Option<string?> DeviceOption() => new("--device")
    {
        Description = $"where to compute: {string.Join("|", Devices.Names)} (default: the {Devices.EnvironmentVariable} environment variable, else auto)",
    };

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

/// <summary>A mistake in what the user asked for: reported as one line, exit code 2.</summary>
public sealed class UserError(string message) : Exception(message);
