using System.CommandLine;
using Cortex.Core.Backends;
using Cortex.Core.Simulation;

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
