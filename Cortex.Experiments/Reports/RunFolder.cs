using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Cortex.Experiments.Reports;

/// <summary>
/// A run's output folder, runs/&lt;name&gt;/ (git-ignored), kept as append-only history: <c>config.yaml</c> and
/// <c>run.json</c> (the resolved config and the environment, written once when the run starts), <c>history.jsonl</c>
/// (one line per invocation that wrote here: the start, every resume, with its checkpoint, flags and allowed changes),
/// <c>metrics.csv</c> (rows appended as they are measured) and <c>metrics.json</c>, <c>accuracy-per-step.png</c> and
/// <c>.svg</c>, and <c>checkpoint.ckpt</c>.
/// <para>
/// A new run never reuses a folder: <see cref="CreateUnique"/> adds -2, -3, … to a name that is taken (claimed
/// atomically, so two runs started in the same second get two folders), and <see cref="CreateNew"/> refuses an
/// existing folder. Only a resume reopens one (<see cref="Open"/>).
/// </para>
/// </summary>
public sealed class RunFolder
{
    /// <summary>Where runs go when no <c>--out</c> is given: <c>runs/</c> under the working directory.</summary>
    public const string DefaultRoot = "runs";

    /// <summary>The longest run name, in UTF-8 bytes (file systems allow 255 per folder name).</summary>
    public const int MaxNameLength = 100;

    /// <summary>The name of the folder's history file, one JSON line per invocation.</summary>
    public const string HistoryFileName = "history.jsonl";

    private RunFolder(string path, bool isNew)
    {
        Path = path;
        Name = System.IO.Path.GetFileName(path);
        IsNew = isNew;
    }

    /// <summary>Whether this folder was made for this run (rather than reopened to continue one).</summary>
    public bool IsNew { get; }

    /// <summary>The folder's name (the run's name).</summary>
    public string Name { get; }

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    /// <summary><c>config.yaml</c>: the resolved network file the run trained.</summary>
    public string ConfigFile => File("config.yaml");

    /// <summary><c>run.json</c>: the environment and settings of the run.</summary>
    public string RunFile => File("run.json");

    /// <summary><c>history.jsonl</c>: one line per invocation that wrote here.</summary>
    public string HistoryFile => File(HistoryFileName);

    /// <summary><c>metrics.csv</c>: every measurement, appended as measured.</summary>
    public string MetricsCsv => File("metrics.csv");

    /// <summary><c>metrics.json</c>: the same measurements as JSON.</summary>
    public string MetricsJson => File("metrics.json");

    /// <summary><c>accuracy-per-step.png</c>: test accuracy at each time step.</summary>
    public string PlotPng => File("accuracy-per-step.png");

    /// <summary><c>accuracy-per-step.svg</c>: the same plot as SVG.</summary>
    public string PlotSvg => File("accuracy-per-step.svg");

    /// <summary><c>checkpoint.ckpt</c>: the latest checkpoint.</summary>
    public string Checkpoint => File("checkpoint.ckpt");

    /// <summary>The path of file <paramref name="name"/> in this folder.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>What is wrong with <paramref name="name"/> as a run name (one folder name), or null when nothing is.</summary>
    public static string? NameProblem(string name)
    {
        if (string.IsNullOrWhiteSpace(name)) return "is empty";
        if (name != name.Trim()) return "starts or ends with a space";
        if (name is "." or "..") return "is not a folder name";
        if (name.StartsWith('.')) return "starts with '.' (it would be a hidden folder)";
        if (name.IndexOfAny(['/', '\\']) >= 0) return "contains a slash; a run name is one folder name (--out says where it goes)";
        if (name.Any(char.IsControl) || name.IndexOfAny(System.IO.Path.GetInvalidFileNameChars()) >= 0) return "contains a control character";
        int bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes > MaxNameLength) return $"is {bytes} bytes long; the limit is {MaxNameLength}";
        return null;
    }

    /// <summary>
    /// The name of a run of <paramref name="network"/> started at <paramref name="utc"/>: the network's name with anything
    /// but letters, digits, '-', '_', '.' and '+' replaced by '-' (and shortened), then the time to the second.
    /// </summary>
    public static string DefaultName(string network, DateTime utc)
    {
        var text = new StringBuilder();
        foreach (char c in network)
            text.Append(char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or '+' ? c : '-');
        string stem = text.ToString().TrimStart('.', '-').TrimEnd('.');
        while (Encoding.UTF8.GetByteCount(stem) > 60) stem = stem[..^1];
        if (stem.Length == 0) stem = "run";
        return $"{stem}-{utc.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}";
    }

    /// <summary>
    /// Checks, without creating anything, that <paramref name="root"/> (named by <paramref name="option"/> in messages)
    /// is or can become a folder that run folders can be written into; returns its full path.
    /// </summary>
    public static string CheckRoot(string root, string option = "--out")
    {
        string full;
        try
        {
            if (string.IsNullOrWhiteSpace(root)) throw new ArgumentException("the path is empty");
            full = System.IO.Path.GetFullPath(root);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new RunFolderError($"{option} '{root}': not a usable path ({e.Message})", e);
        }
        if (System.IO.File.Exists(full)) throw new RunFolderError($"{option} {full}: is a file, not a folder");
        string existing = full;
        while (!Directory.Exists(existing))
        {
            string? parent = System.IO.Path.GetDirectoryName(existing);
            if (parent is null) break;
            if (System.IO.File.Exists(parent)) throw new RunFolderError($"{option} {full}: the folder cannot be created ({parent} is a file)");
            existing = parent;
        }
        string probe = System.IO.Path.Combine(existing, $".cortex-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RunFolderError(existing == full
                ? $"{option} {full}: the folder is not writable ({e.Message})"
                : $"{option} {full}: the folder cannot be created ({existing} is not writable: {e.Message})", e);
        }
        return full;
    }

    /// <summary>As <see cref="CheckRoot"/>, then creates the folder.</summary>
    public static string PrepareRoot(string root, string option = "--out")
    {
        string full = CheckRoot(root, option);
        try
        {
            Directory.CreateDirectory(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RunFolderError($"{option} {full}: the folder cannot be created ({e.Message})", e);
        }
        return full;
    }

    /// <summary>Creates runs/&lt;name&gt;/ under <paramref name="root"/>; an existing folder that is not empty is refused.</summary>
    public static RunFolder CreateNew(string root, string name, string option = "--name")
    {
        if (NameProblem(name) is { } problem) throw new RunFolderError($"{option} '{name}': the run name {problem}");
        string path = System.IO.Path.Combine(PrepareRoot(root), name);
        if (Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any() || !TryClaim(path))
            throw new RunFolderError($"{option} '{name}': the run folder {path} already exists; choose another name, " +
                $"or continue that run with --resume {System.IO.Path.Combine(path, "checkpoint.ckpt")}");
        return new RunFolder(path, isNew: true);
    }

    /// <summary>
    /// Creates a new folder called <paramref name="name"/> under <paramref name="root"/>, or <paramref name="name"/>-2,
    /// -3, … when it is taken: the first free one, claimed atomically.
    /// </summary>
    public static RunFolder CreateUnique(string root, string name)
    {
        if (NameProblem(name) is { } problem) throw new RunFolderError($"run name '{name}' {problem}");
        string full = PrepareRoot(root);
        for (int i = 1; i <= 10_000; i++)
        {
            string path = System.IO.Path.Combine(full, i == 1 ? name : $"{name}-{i}");
            if (!Directory.Exists(path) && TryClaim(path)) return new RunFolder(path, isNew: true);
        }
        throw new RunFolderError($"{full}: 10000 run folders called {name}… already exist; choose a name with --name");
    }

    /// <summary>An existing run folder, to continue a run in.</summary>
    public static RunFolder Open(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (!Directory.Exists(full)) throw new RunFolderError($"run folder {full} does not exist");
        return new RunFolder(full, isNew: false);
    }

    /// <summary>Whether <paramref name="path"/> is a folder a run wrote (it has run.json or history.jsonl).</summary>
    public static bool IsRunFolder(string path) =>
        System.IO.File.Exists(System.IO.Path.Combine(path, "run.json")) || System.IO.File.Exists(System.IO.Path.Combine(path, HistoryFileName));

    /// <summary>Makes <paramref name="path"/> and claims it by creating its history file, which fails when another run did so first.</summary>
    private static bool TryClaim(string path)
    {
        try
        {
            Directory.CreateDirectory(path);
            using (new FileStream(System.IO.Path.Combine(path, HistoryFileName), FileMode.CreateNew, FileAccess.Write))
            {
            }
            return true;
        }
        catch (IOException) when (System.IO.File.Exists(System.IO.Path.Combine(path, HistoryFileName)))
        {
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RunFolderError($"run folder {path}: cannot be created ({e.Message})", e);
        }
    }

    /// <summary>
    /// Writes config.yaml and run.json: the resolved config, the run's settings (as its checkpoints record them: optimiser,
    /// schedules, training stimulus, data, …; empty when not given) and the environment (once, when the run starts).
    /// </summary>
    public void WriteRun(string resolvedConfig, RunEnvironment environment, IReadOnlyDictionary<string, string>? settings = null) => Guard("config.yaml and run.json", () =>
    {
        Reporting.WriteText(ConfigFile, resolvedConfig);
        Reporting.WriteText(RunFile, JsonSerializer.Serialize(new
        {
            name = Name,
            config = resolvedConfig,
            settings = settings ?? new Dictionary<string, string>(),
            environment,
        }, Reporting.Json));
    });

    /// <summary>Appends one line to history.jsonl.</summary>
    public void AppendHistory(RunEvent entry) => Guard(HistoryFileName, () =>
    {
        var options = new JsonSerializerOptions(Reporting.Json) { WriteIndented = false, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };
        using var file = new FileStream(HistoryFile, FileMode.Append, FileAccess.Write, FileShare.Read);
        file.Write(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(entry, options) + "\n"));
        file.Flush(flushToDisk: true);
    });

    /// <summary>The lines of history.jsonl, oldest first (a torn last line, left by a kill, is skipped).</summary>
    public IReadOnlyList<RunEvent> History()
    {
        if (!System.IO.File.Exists(HistoryFile)) return [];
        var events = new List<RunEvent>();
        var lines = System.IO.File.ReadAllText(HistoryFile).Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0) continue;
            try
            {
                events.Add(JsonSerializer.Deserialize<RunEvent>(lines[i], Reporting.Json) ?? throw new JsonException("null"));
            }
            catch (JsonException) when (i == lines.Length - 1)
            {
                // the last line was being written when the process was killed
            }
            catch (JsonException e)
            {
                throw new RunFolderError($"{HistoryFile}:{i + 1}: not a history entry ({e.Message})", e);
            }
        }
        return events;
    }

    /// <summary>
    /// The metrics a run folder holds (or those of <paramref name="from"/>, another run's metrics.csv, for a new folder
    /// that continues its checkpoint), as a log that appends every new row to metrics.csv as it is added. With
    /// <paramref name="throughEpoch"/>, rows of later epochs (measured after the checkpoint a resume starts from, so
    /// about to be measured again) are left out; <paramref name="dropped"/> says how many.
    /// </summary>
    public MetricsLog OpenMetrics(int? throughEpoch, out int dropped, string? from = null)
    {
        dropped = 0;
        var log = new MetricsLog(Name);
        string source = from ?? MetricsCsv;
        if (System.IO.File.Exists(source))
        {
            var rows = MetricsLog.ReadCsv(source);
            foreach (var row in rows)
                if (throughEpoch is not { } last || row.Epoch <= last) log.Add(row);
            dropped = rows.Count - log.Records.Count;
            Guard("metrics.csv", () => log.WriteCsv(MetricsCsv));
        }
        log.AppendTo(MetricsCsv);
        return log;
    }

    /// <summary>Writes metrics.csv (again, whole) and metrics.json.</summary>
    public void WriteMetrics(MetricsLog metrics) => Guard("metrics.csv and metrics.json", () =>
    {
        metrics.WriteCsv(MetricsCsv);
        metrics.WriteJson(MetricsJson);
    });

    private void Guard(string what, Action write)
    {
        try
        {
            write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RunFolderError($"run folder {Path}: cannot write {what} ({e.Message})", e);
        }
    }

    /// <summary>The folder's path.</summary>
    public override string ToString() => Path;
}
