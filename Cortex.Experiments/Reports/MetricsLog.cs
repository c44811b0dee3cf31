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
/// and as JSON (<c>{"run": …, "metrics": [{epoch, split, t, metric, value}, …]}</c>).
/// </summary>
public sealed class MetricsLog(string run)
{
    private readonly List<MetricRecord> records = [];

    public string Run { get; } = run;

    public IReadOnlyList<MetricRecord> Records => records;

    public void Add(MetricRecord record) => records.Add(record);

    public void Add(int epoch, string split, int? t, string metric, double value) => records.Add(new(epoch, split, t, metric, value));

    /// <summary>Adds one value per read step: each (t, value), t the 1-based time step.</summary>
    public void AddSteps(int epoch, string split, string metric, IEnumerable<(int T, double Value)> steps)
    {
        foreach (var (t, value) in steps) records.Add(new(epoch, split, t, metric, value));
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

    public string ToCsv()
    {
        var text = new StringBuilder("epoch,split,t,metric,value\n");
        foreach (var r in records)
            text.Append(r.Epoch.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(Field(r.Split)).Append(',')
                .Append(r.T?.ToString(CultureInfo.InvariantCulture) ?? "").Append(',')
                .Append(Field(r.Metric)).Append(',')
                .Append(r.Value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        return text.ToString();
    }

    public string ToJson() => JsonSerializer.Serialize(new { run = Run, metrics = records }, Reporting.Json);

    public void WriteCsv(string path) => Reporting.WriteText(path, ToCsv());

    public void WriteJson(string path) => Reporting.WriteText(path, ToJson());

    /// <summary>A CSV field, quoted when it holds a comma, quote or line break.</summary>
    private static string Field(string value) =>
        value.AsSpan().IndexOfAny(",\"\n\r") < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";
}
