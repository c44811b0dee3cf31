using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Cortex.Experiments.Reports;

/// <summary>Where and how a run ran, saved beside its results so it can be reproduced.</summary>
public sealed record RunEnvironment(
    string Device,
    string Commit,
    int Seed,
    string DotNet,
    string OperatingSystem,
    string Machine,
    string Architecture,
    int ProcessorCount,
    DateTime StartedUtc,
    string CommandLine)
{
    /// <summary>
    /// The arithmetic of the run's convolutions, as <see cref="Cortex.Core.Kernels.ConvPrecisions.Describe"/> words it
    /// ("tf32 (tensor cores)", "fp32", "fp32 (the CPU path computes in fp32)", …); null in records written before it was kept.
    /// </summary>
    public string? Precision { get; init; }

    /// <summary>
    /// The environment of this process. <paramref name="device"/> is the backend's description;
    /// the commit comes from <c>git rev-parse HEAD</c> in <paramref name="repository"/> (default: the working
    /// folder), "unknown" when git or the repository is missing. <paramref name="commandLine"/> is what the user typed
    /// (default: this process's arguments).
    /// </summary>
    public static RunEnvironment Capture(string device, int seed, string? repository = null, string? commandLine = null) => new(
        device,
        GitCommit(repository ?? Environment.CurrentDirectory),
        seed,
        RuntimeInformation.FrameworkDescription,
        RuntimeInformation.OSDescription,
        Environment.MachineName,
        RuntimeInformation.ProcessArchitecture.ToString(),
        Environment.ProcessorCount,
        DateTime.UtcNow,
        commandLine ?? string.Join(' ', Environment.GetCommandLineArgs().Skip(1)));

    /// <summary>The commit checked out in <paramref name="directory"/>, or "unknown".</summary>
    public static string GitCommit(string directory)
    {
        try
        {
            var start = new ProcessStartInfo("git", ["rev-parse", "HEAD"])
            {
                WorkingDirectory = directory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var git = Process.Start(start);
            if (git is null) return "unknown";
            var output = git.StandardOutput.ReadToEndAsync();
            _ = git.StandardError.ReadToEndAsync();
            if (!git.WaitForExit(5000))
            {
                git.Kill();
                return "unknown";
            }
            string commit = output.Result.Trim();
            return git.ExitCode == 0 && commit.Length >= 7 ? commit : "unknown";
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return "unknown";
        }
    }
}
