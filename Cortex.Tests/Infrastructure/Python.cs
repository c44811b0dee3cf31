namespace Cortex.Tests.Infrastructure;

/// <summary>
/// Runs a script with the system's Python (/usr/bin/python3, where Debian's python3-numpy and python3-h5py install), to
/// check files against the libraries users read them with. Tests that need it are ignored, with the reason, when Python or a
/// module is missing; .ci/run installs both.
/// </summary>
public static class Python
{
    public const string Executable = "/usr/bin/python3";

    /// <summary>Runs <paramref name="script"/> with <paramref name="arguments"/>; ignores the test when a module in <paramref name="modules"/> is missing.</summary>
    public static string Run(string script, IReadOnlyList<string> modules, params string[] arguments)
    {
        if (!File.Exists(Executable)) Assert.Ignore($"{Executable} is not installed (apt-get install python3 {string.Join(" ", modules.Select(m => "python3-" + m))})");
        foreach (var module in modules)
        {
            var (found, _) = ExternalProcess.Run(Executable, ["-c", $"import {module}"], Path.GetTempPath());
            if (found != 0) Assert.Ignore($"the Python module {module} is not installed (apt-get install python3-{module})");
        }
        var (code, output) = ExternalProcess.Run(Executable, ["-c", script, .. arguments], Path.GetTempPath(), timeoutSeconds: 120);
        Assert.That(code, Is.EqualTo(0), output);
        return output;
    }
}
