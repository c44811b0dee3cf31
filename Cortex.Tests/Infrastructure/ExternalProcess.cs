using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Cortex.Tests.Infrastructure;

/// <summary>Runs another program (dotnet, python3, an installed tool) and captures what it prints.</summary>
public static class ExternalProcess
{
    /// <summary>
    /// Runs <paramref name="file"/> with <paramref name="arguments"/> in <paramref name="directory"/>; returns its exit code and its
    /// standard output and error together. Fails the test when it runs past <paramref name="timeoutSeconds"/>.
    /// </summary>
    public static (int Code, string Output) Run(string file, IEnumerable<string> arguments, string directory,
        IReadOnlyDictionary<string, string?>? environment = null, int timeoutSeconds = 300)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{file} {string.Join(' ', arguments)} ran past {timeoutSeconds} s:\n{output}");
        }
        process.WaitForExit();
        lock (output) return (process.ExitCode, output.ToString());
    }

    /// <summary>The cortex program (Cortex.Cli's cortex.dll), built beside this test assembly's configuration; fails the test when it is not built.</summary>
    public static string CortexProgram()
    {
        string configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        string program = Path.Combine(Cortex.Tests.Connectivity.Networks.RepoRoot(), "Cortex.Cli", "bin", configuration, "net10.0", "cortex.dll");
        Assert.That(File.Exists(program), program);
        return program;
    }

    /// <summary>The folder of the .NET installation running the tests (the <c>dotnet</c> executable lives there).</summary>
    public static string DotnetRoot => Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));

    /// <summary>The <c>dotnet</c> executable of that installation.</summary>
    public static string Dotnet => File.Exists(Path.Combine(DotnetRoot, "dotnet")) ? Path.Combine(DotnetRoot, "dotnet") : "dotnet";

    /// <summary>
    /// The environment for a child <c>dotnet</c>: without the MSBuild variables the test host inherits from <c>dotnet test</c>
    /// (they would point the child at the parent's build), quiet, and with no build servers left running.
    /// </summary>
    public static Dictionary<string, string?> DotnetEnvironment()
    {
        var environment = new Dictionary<string, string?>
        {
            ["DOTNET_ROOT"] = DotnetRoot,
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
            ["DOTNET_CLI_WORKLOAD_UPDATE_NOTIFY_DISABLE"] = "1",
            ["MSBUILDDISABLENODEREUSE"] = "1",
            ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
            ["UseSharedCompilation"] = "false",
        };
        foreach (var name in Environment.GetEnvironmentVariables().Keys.Cast<string>())
            if (name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) && name != "MSBUILDDISABLENODEREUSE")
                environment[name] = null;
        return environment;
    }
}
