using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Cortex.Experiments.Reports;

/// <summary>
/// One measurement: <see cref="Metric"/> (accuracy, coarse-accuracy, loss, confidence …) on
/// <see cref="Split"/> (train, validation, test) after epoch <see cref="Epoch"/> (from 1), at time step
/// <see cref="T"/> (from 1, as t = 1..T in the docs; null for a measurement of the whole run, such as
/// images per second).
/// </summary>
public sealed record MetricRecord(int Epoch, string Split, int? T, string Metric, double Value);

/// <summary>
/// The metrics of one run, written as CSV (<c>epoch,split,t,metric,value</c>, one row per measurement)
/// and as JSON (<c>{"run": …, "metrics": [{epoch, split, t, metric, value}, …]}</c>). A log bound to a file
/// (<see cref="AppendTo"/>) appends each row to it as it is added, so a run that is killed keeps what it measured.
/// </summary>
public sealed class MetricsLog(string run)
{
    /// <summary>The first line of <c>metrics.csv</c>.</summary>
    public const string CsvHeader = "epoch,split,t,metric,value";

    private readonly List<MetricRecord> records = [];
    private string? appendPath;

    /// <summary>The run's name, written into the JSON.</summary>
    public string Run { get; } = run;

    /// <summary>Every measurement so far, in the order added.</summary>
    public IReadOnlyList<MetricRecord> Records => records;

    /// <summary>Adds a measurement (and appends its row to the bound file, if any).</summary>
    public void Add(MetricRecord record)
    {
        records.Add(record);
        if (appendPath is not null) Append([record]);
    }

    /// <summary>Adds a measurement of <paramref name="metric"/> on <paramref name="split"/> after epoch <paramref name="epoch"/> at step <paramref name="t"/> (1-based; null for the whole run).</summary>
    public void Add(int epoch, string split, int? t, string metric, double value) => Add(new MetricRecord(epoch, split, t, metric, value));

    /// <summary>Adds one value per read step: each (t, value), t the 1-based time step.</summary>
    public void AddSteps(int epoch, string split, string metric, IEnumerable<(int T, double Value)> steps)
    {
        foreach (var (t, value) in steps) Add(new MetricRecord(epoch, split, t, metric, value));
    }

    /// <summary>From now on, appends every added row to the CSV file at <paramref name="path"/> (written with its header when absent).</summary>
    public void AppendTo(string path) => appendPath = Path.GetFullPath(path);

    private void Append(IEnumerable<MetricRecord> rows)
    {
        var text = new StringBuilder();
        if (!File.Exists(appendPath)) text.Append(CsvHeader).Append('\n');
        foreach (var r in rows) Row(text, r);
        try
        {
            File.AppendAllText(appendPath!, text.ToString());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RunFolderError($"{appendPath}: cannot append metrics ({e.Message})", e);
        }
    }

    /// <summary>The values of a metric per time step (index i is t = i + 1) for one epoch and split, or for the last epoch that has them.</summary>
    public double[] PerStep(string split, string metric, int? epoch = null)
    {
        var matching = records.Where(r => r.Split == split && r.Metric == metric && r.T is not null).ToList();
        if (matching.Count == 0) return [];
        int e = epoch ?? matching.Max(r => r.Epoch);
        var rows = matching.Where(r => r.Epoch == e).ToList();
        var values = new double[rows.Max(r => r.T!.Value)];
        Array.Fill(values, double.NaN);
        foreach (var r in rows) values[r.T!.Value - 1] = r.Value;
        return values;
    }

    /// <summary>Every measurement as CSV, header first, one row each.</summary>
    public string ToCsv()
    {
        var text = new StringBuilder(CsvHeader).Append('\n');
        foreach (var r in records) Row(text, r);
        return text.ToString();
    }

    private static void Row(StringBuilder text, MetricRecord r) =>
        text.Append(r.Epoch.ToString(CultureInfo.InvariantCulture)).Append(',')
            .Append(Field(r.Split)).Append(',')
            .Append(r.T?.ToString(CultureInfo.InvariantCulture) ?? "").Append(',')
            .Append(Field(r.Metric)).Append(',')
            .Append(r.Value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');

    /// <summary>
    /// Reads the rows of a metrics.csv written by <see cref="ToCsv"/> or <see cref="AppendTo"/>. A last row without its
    /// line break (the process was killed while appending it) is dropped; any other malformed row is an error naming
    /// the file and line.
    /// </summary>
    public static IReadOnlyList<MetricRecord> ReadCsv(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RunFolderError($"{path}: cannot be read ({e.Message})", e);
        }
        var rows = new List<MetricRecord>();
        var fields = new List<string>();
        var field = new StringBuilder();
        int line = 1, rowLine = 1;
        bool quoted = false, header = true;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else { if (c == '\n') line++; field.Append(c); }
                continue;
            }
            if (c == '"' && field.Length == 0) quoted = true;
            else if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
            else if (c == '\n')
            {
                fields.Add(field.ToString());
                field.Clear();
                if (header)
                {
                    if (string.Join(",", fields).TrimEnd('\r') != CsvHeader)
                        throw new RunFolderError($"{path}:1: expected the header '{CsvHeader}', found '{string.Join(",", fields)}'");
                    header = false;
                }
                else rows.Add(Parse(path, rowLine, fields));
                fields.Clear();
                rowLine = ++line;
            }
            else if (c != '\r') field.Append(c);
        }
        return rows;
    }

    private static MetricRecord Parse(string path, int line, List<string> f)
    {
        if (f.Count == 5 && int.TryParse(f[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out int epoch)
            && (f[2].Length == 0 || int.TryParse(f[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
            && double.TryParse(f[4], NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            return new MetricRecord(epoch, f[1], f[2].Length == 0 ? null : int.Parse(f[2], CultureInfo.InvariantCulture), f[3], value);
        throw new RunFolderError($"{path}:{line}: not a metrics row (epoch,split,t,metric,value): '{string.Join(",", f)}'");
    }

    /// <summary>Every measurement as JSON: <c>{"run": …, "metrics": [{epoch, split, t, metric, value}, …]}</c>.</summary>
    public string ToJson() => JsonSerializer.Serialize(new { run = Run, metrics = records }, Reporting.Json);

    /// <summary>Writes <see cref="ToCsv"/> to <paramref name="path"/>.</summary>
    public void WriteCsv(string path) => Reporting.WriteText(path, ToCsv());

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/>.</summary>
    public void WriteJson(string path) => Reporting.WriteText(path, ToJson());

    /// <summary>A CSV field, quoted when it holds a comma, quote or line break.</summary>
    private static string Field(string value) =>
        value.AsSpan().IndexOfAny(",\"\n\r") < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";
}
