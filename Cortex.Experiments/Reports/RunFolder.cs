using System.Text.Json;

namespace Cortex.Experiments.Reports;

/// <summary>
/// A run's output folder, runs/&lt;name&gt;/ (git-ignored): <c>config.yaml</c> (the resolved config as given),
/// <c>run.json</c> (name, config text and environment), <c>metrics.csv</c> and <c>metrics.json</c>,
/// <c>accuracy-per-step.png</c> and <c>.svg</c>, and <c>checkpoint.ckpt</c>.
/// </summary>
public sealed class RunFolder
{
    public const string DefaultRoot = "runs";

    private RunFolder(string name, string path)
    {
        Name = name;
        Path = path;
    }

    public string Name { get; }

    public string Path { get; }

    public string ConfigFile => File("config.yaml");

    public string RunFile => File("run.json");

    public string MetricsCsv => File("metrics.csv");

    public string MetricsJson => File("metrics.json");

    public string PlotPng => File("accuracy-per-step.png");

    public string PlotSvg => File("accuracy-per-step.svg");

    public string Checkpoint => File("checkpoint.ckpt");

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Creates (or reuses, when resuming) runs/&lt;name&gt;/ under <paramref name="root"/>.</summary>
    public static RunFolder Create(string name, string root = DefaultRoot)
    {
        if (string.IsNullOrWhiteSpace(name) || name is "." or ".." || name.IndexOfAny(['/', '\\']) >= 0 || name.IndexOfAny(System.IO.Path.GetInvalidFileNameChars()) >= 0)
            throw new ArgumentException($"run name '{name}' must be a plain folder name (no slashes)");
        string path = System.IO.Path.GetFullPath(System.IO.Path.Combine(root, name));
        Directory.CreateDirectory(path);
        return new RunFolder(name, path);
    }

    /// <summary>Writes config.yaml and run.json: the resolved config and the environment.</summary>
    public void WriteRun(string resolvedConfig, RunEnvironment environment)
    {
        Reporting.WriteText(ConfigFile, resolvedConfig);
        Reporting.WriteText(RunFile, JsonSerializer.Serialize(new { name = Name, config = resolvedConfig, environment }, Reporting.Json));
    }

    /// <summary>Writes metrics.csv and metrics.json.</summary>
    public void WriteMetrics(MetricsLog metrics)
    {
        metrics.WriteCsv(MetricsCsv);
        metrics.WriteJson(MetricsJson);
    }

    public override string ToString() => Path;
}
