using Cortex.Connectivity;
using Cortex.Connectivity.Validation;

namespace Cortex.Tests.Connectivity;

/// <summary>Where the repository's network files are, and small networks written inline.</summary>
internal static class Networks
{
    /// <summary>The repository root: the first folder above the test assembly that holds Cortex.slnx.</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Cortex.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException("no Cortex.slnx above " + TestContext.CurrentContext.TestDirectory);
    }

    public static string ConfigFolder => Path.Combine(RepoRoot(), "configs", "networks");

    public static LoadedNetwork Config(string name) => NetworkLoader.Load(Path.Combine(ConfigFolder, name + ".yaml"));

    /// <summary>Every error message of <paramref name="yaml"/>, as printed (<c>file:line:column path: text</c>).</summary>
    public static List<string> Errors(string yaml, string file = "test.yaml")
    {
        var (_, _, diagnostics) = NetworkLoader.Check(yaml, file);
        return diagnostics.Errors.Select(e => e.ToString()).ToList();
    }

    public static List<string> Warnings(string yaml, string file = "test.yaml")
    {
        var (_, _, diagnostics) = NetworkLoader.Check(yaml, file);
        Assert.That(diagnostics.Errors, Is.Empty, "the network should be valid");
        return diagnostics.Warnings.Select(e => e.ToString()).ToList();
    }

    /// <summary>
    /// A chain image [1, 4, 4] → A → B → C (levels 1..3, [2, 4, 4] each, conv 3×3), readout from C, with
    /// <paramref name="extra"/> projection lines appended and <paramref name="time"/> as the time mapping.
    /// </summary>
    public static string Chain(string time, string extra = "", string presentation = "every-step", string areaExtra = "") => $$"""
        name: chain
        time: {{time}}
        input: { name: image, shape: [1, 4, 4], presentation: {{presentation}} }
        areas:
          - { name: A, level: 1, shape: [2, 4, 4]{{areaExtra}} }
          - { name: B, level: 2, shape: [2, 4, 4] }
          - { name: C, level: 3, shape: [2, 4, 4] }
        projections:
          - { from: image, to: A, type: feedforward }
          - { from: A, to: B, type: feedforward }
          - { from: B, to: C, type: feedforward }
        {{extra}}
        readout: { from: C, classes: 2 }
        """;
}
