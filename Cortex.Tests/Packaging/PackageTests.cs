using System.Globalization;
using System.Reflection;
using Cortex.Connectivity;
using Cortex.Connectivity.Building;
using Cortex.Connectivity.Variants;
using Cortex.Core.Backends;
using Cortex.Tests.Connectivity;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Packaging;

/// <summary>
/// The packages users install: <c>dotnet pack</c> runs once for this fixture (on the build the tests run from) into a
/// temporary folder; one test installs the <c>cortex</c> tool from it, another references the library packages from
/// a fresh console project. Restores go to a temporary package folder, fed only by the fresh packages (Cortex.*) and
/// the packages already restored on this machine (everything else), so no stale copy can be picked up.
/// </summary>
[NonParallelizable]
public sealed class PackageTests
{
    private const string Version = "0.1.0";
    private DirectoryInfo work = null!;
    private string packages = null!, nugetConfig = null!;

    [OneTimeSetUp]
    public void Pack()
    {
        // The test assembly also runs where only the .NET runtime is installed (docs/decisions/0004); packing needs the SDK.
        var (listed, sdks) = ExternalProcess.Run(ExternalProcess.Dotnet, ["--list-sdks"], Path.GetTempPath(), ExternalProcess.DotnetEnvironment());
        if (listed != 0 || string.IsNullOrWhiteSpace(sdks)) Assert.Ignore("no .NET SDK on this machine: packing and installing the packages need one");
        work = Directory.CreateTempSubdirectory("cortex-packages");
        packages = Path.Combine(work.FullName, "packages");
        string configuration = typeof(PackageTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var (code, output) = Dotnet(Networks.RepoRoot(), "pack", Path.Combine(Networks.RepoRoot(), "Cortex.slnx"), "--no-build", "-c", configuration,
            "-o", packages, "--disable-build-servers");
        Assert.That(code, Is.EqualTo(0), output);

        string cache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } set ? set
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        nugetConfig = Path.Combine(work.FullName, "nuget.config");
        File.WriteAllText(nugetConfig, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config><add key="globalPackagesFolder" value="{Path.Combine(work.FullName, "restored")}" /></config>
              <packageSources>
                <clear />
                <add key="cortex" value="{packages}" />
                <add key="restored" value="{cache}" />
              </packageSources>
              <packageSourceMapping>
                <packageSource key="cortex"><package pattern="Cortex.*" /></packageSource>
                <packageSource key="restored"><package pattern="*" /></packageSource>
              </packageSourceMapping>
            </configuration>
            """);
    }

    [OneTimeTearDown]
    public void Remove()
    {
        try { work?.Delete(recursive: true); }
        catch (IOException) { }
    }

    [Test]
    public void EveryPackageCarriesItsMetadataAndSymbols()
    {
        foreach (var id in new[] { "Cortex.Core", "Cortex.Areas", "Cortex.Connectivity", "Cortex.Experiments", "Cortex.Cli" })
        {
            string package = Path.Combine(packages, $"{id}.{Version}.nupkg");
            Assert.That(File.Exists(package), Is.True, $"{id}: no package in {string.Join(", ", Directory.GetFiles(packages).Select(Path.GetFileName))}");
            Assert.That(File.Exists(Path.Combine(packages, $"{id}.{Version}.snupkg")), Is.True, $"{id}: no symbol package");
            using var zip = System.IO.Compression.ZipFile.OpenRead(package);
            using var reader = new StreamReader(zip.GetEntry($"{id}.nuspec")!.Open());
            var nuspec = System.Xml.Linq.XDocument.Parse(reader.ReadToEnd());
            string Field(string name) => nuspec.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value ?? "";
            Assert.That(Field("id"), Is.EqualTo(id));
            Assert.That(Field("version"), Is.EqualTo(Version));
            Assert.That(Field("license"), Is.EqualTo("MIT"), id);
            Assert.That(Field("readme"), Is.EqualTo("README.md"), id);
            Assert.That(Field("description"), Does.Contain("Cortex").Or.Contain("cortex"), id);
            Assert.That(nuspec.Descendants().Any(e => e.Name.LocalName == "repository" && e.Attribute("type")?.Value == "git"), Is.True, $"{id}: repository");
            Assert.That(zip.GetEntry("README.md"), Is.Not.Null, $"{id}: readme file");
            Assert.That(zip.GetEntry("LICENSE"), Is.Not.Null, $"{id}: licence file");
        }
    }

    [Test]
    public void TheToolInstallsAndRuns()
    {
        string tools = Path.Combine(work.FullName, "tools");
        var (code, output) = Dotnet(work.FullName, "tool", "install", "Cortex.Cli", "--version", Version, "--tool-path", tools, "--configfile", nugetConfig);
        Assert.That(code, Is.EqualTo(0), output);
        string cortex = Path.Combine(tools, OperatingSystem.IsWindows() ? "cortex.exe" : "cortex");

        (code, output) = ExternalProcess.Run(cortex, ["--help"], work.FullName, ExternalProcess.DotnetEnvironment());
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("inspect").And.Contain("train").And.Contain("record").And.Contain("rsa"));

        (code, output) = ExternalProcess.Run(cortex, ["inspect", Path.Combine(Networks.ConfigFolder, "blt.yaml")], work.FullName,
            ExternalProcess.DotnetEnvironment());
        Assert.That(code, Is.EqualTo(0), output);
        var ledger = Networks.Config("blt").Ledger;
        Assert.That(output, Does.Contain("blt").And.Contain(ledger.Synapses.ToString("N0", CultureInfo.InvariantCulture)));
    }

    [Test]
    public void AConsoleProjectReferencesTheLibrariesAndRunsANetwork()
    {
        string project = Path.Combine(work.FullName, "consumer");
        Directory.CreateDirectory(project);
        File.WriteAllText(Path.Combine(project, "consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Cortex.Connectivity" Version="{Version}" />
                <PackageReference Include="Cortex.Experiments" Version="{Version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(project, "Program.cs"), """
            using System.Globalization;
            using Cortex.Connectivity;
            using Cortex.Connectivity.Building;
            using Cortex.Core.Backends;

            var loaded = NetworkLoader.Load(args[0]);
            using var backend = new CpuBackend<float>();
            using var network = NetworkBuilder.Build(loaded, backend, seed: 7);
            var images = new float[2 * 28 * 28];
            for (int i = 0; i < images.Length; i++) images[i] = i % 29 / 29f;
            var logits = network.Forward(images, 2, training: false)[0].ToArray();
            Console.WriteLine($"network {network.Name}, {network.Steps} steps");
            Console.WriteLine("logits " + string.Join(" ", logits.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
            """);
        string network = Path.Combine(work.FullName, "small.yaml");
        File.WriteAllText(network, SmallNetwork);

        var (code, output) = Dotnet(project, "restore", "--configfile", nugetConfig, "--disable-build-servers");
        Assert.That(code, Is.EqualTo(0), output);
        (code, output) = Dotnet(project, "run", "--no-restore", "--disable-build-servers", "--", network);
        Assert.That(code, Is.EqualTo(0), output);
        Assert.That(output, Does.Contain("network small, 2 steps"));

        // The same network, seed and images in this process give the same logits.
        using var backend = new CpuBackend<float>();
        using var expected = NetworkBuilder.Build(NetworkLoader.Parse(SmallNetwork), backend, seed: 7);
        var images = new float[2 * 28 * 28];
        for (int i = 0; i < images.Length; i++) images[i] = i % 29 / 29f;
        var logits = expected.Forward(images, 2, training: false)[0].ToArray();
        var printed = output.Split('\n').Single(l => l.StartsWith("logits ", StringComparison.Ordinal))["logits ".Length..]
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => float.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.That(printed, Has.Length.EqualTo(logits.Length));
        Assert.That(printed, Is.EqualTo(logits).Within(1e-5f));
    }

    [Test]
    public void TheTutorialProgramComparesBltWithBOnTinyData()
    {
        // The C# of docs/tutorial.md, as written there, in a fresh console project: it must build and run against the packages.
        string tutorial = File.ReadAllText(Path.Combine(Networks.RepoRoot(), "docs", "tutorial.md"));
        var blocks = System.Text.RegularExpressions.Regex.Matches(tutorial, "```csharp\\n(.*?)```", System.Text.RegularExpressions.RegexOptions.Singleline);
        Assert.That(blocks, Has.Count.EqualTo(1), "docs/tutorial.md should hold one C# program");
        string project = Path.Combine(work.FullName, "tutorial");
        Directory.CreateDirectory(project);
        File.WriteAllText(Path.Combine(project, "tutorial.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Cortex.Experiments" Version="{Version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(project, "Program.cs"), blocks[0].Groups[1].Value);
        string data = Path.Combine(work.FullName, "tutorial-data");
        Workspace.WriteData(data, train: 48, test: 20, size: 28);
        string blt = Path.Combine(Networks.ConfigFolder, "blt.yaml");

        var (code, output) = Dotnet(project, "restore", "--configfile", nugetConfig, "--disable-build-servers");
        Assert.That(code, Is.EqualTo(0), output);
        (code, output) = Dotnet(project, "run", "--no-restore", "--disable-build-servers", "--", blt, data, "48", "20", "16");
        Assert.That(code, Is.EqualTo(0), output);

        var loaded = NetworkLoader.Load(blt);
        var b = VariantKinds.All["feedforward"].Apply(loaded).Network;
        Assert.That(output, Does.Contain($"ledger B: {b.Ledger.Neurons} neurons, {b.Ledger.Synapses} synapses"));
        Assert.That(output, Does.Contain($"ledger BLT: {loaded.Ledger.Neurons} neurons, {loaded.Ledger.Synapses} synapses"));
        Assert.That(b.Ledger.Synapses, Is.LessThan(loaded.Ledger.Synapses));
        Assert.That(output, Does.Contain("training on 48 images, testing on 20"));
        var steps = output.Split('\n').Where(l => l.StartsWith("t = ", StringComparison.Ordinal)).ToList();
        Assert.That(steps, Has.Count.EqualTo(loaded.Spec.Time.Steps), output);
        foreach (var line in steps) Assert.That(line, Does.Match(@"^t = \d: BLT \d+\.\d%, B \d+\.\d%, BLT − B [-+]?\d+\.\d points, BLT alone right on \d+, B alone on \d+, p = [\d.E-]+"));
        Assert.That(Directory.GetDirectories(Path.Combine(project, "runs")), Has.Length.EqualTo(2), "one run folder per network");
    }

    private const string SmallNetwork = """
        name: small
        time: { steps: 2 }
        input: { shape: [1, 28, 28] }
        areas:
          - { name: V1, level: 1, shape: [3, 14, 14], activation: relu }
        projections:
          - { from: image, to: V1, type: feedforward, kernel: 3, resample: maxpool, factor: 2 }
          - { from: V1, to: V1, type: lateral, kernel: 3 }
        readout: { from: V1, classes: 10, steps: all }
        """;

    private static (int Code, string Output) Dotnet(string directory, params string[] arguments) =>
        ExternalProcess.Run(ExternalProcess.Dotnet, arguments, directory, ExternalProcess.DotnetEnvironment(), timeoutSeconds: 600);
}
