using System.Text.Json;
using System.Text.Json.Nodes;
using Cortex.Experiments.Data;

namespace Cortex.Experiments.Recording;

/// <summary>
/// A recording as a folder of NumPy files: <c>&lt;area&gt;.npy</c> (float32 [images, steps, …area shape] per area),
/// <c>labels.npy</c> and <c>images.npy</c> (int32 [images]: class labels and dataset indices), <c>steps.npy</c> (int32
/// [steps]) and <c>meta.json</c> (format, network, dataset, areas with their shapes and files, steps, class names, the
/// resolved config as YAML text and the ledger as a JSON object). In Python:
/// <code>
/// v1 = numpy.load("rec/V1.npy"); labels = numpy.load("rec/labels.npy"); meta = json.load(open("rec/meta.json"))
/// </code>
/// </summary>
public sealed class NpyRecording : IRecordingWriter
{
    /// <summary>The value of <c>format</c> in meta.json (and of the <c>format</c> attribute of an HDF5 recording).</summary>
    public const string FormatName = "cortex-recording";

    /// <summary>The version of the layout described here.</summary>
    public const int FormatVersion = 1;

    /// <summary>The metadata file's name.</summary>
    public const string MetadataFile = "meta.json";

    private readonly RecordingLayout layout;
    private readonly FileStream[] files;
    private readonly long[] offsets;

    private NpyRecording(string folder, RecordingLayout layout)
    {
        this.layout = layout;
        files = new FileStream[layout.Areas.Count];
        offsets = new long[layout.Areas.Count];
        try
        {
            for (int a = 0; a < files.Length; a++)
            {
                var area = layout.Areas[a];
                var shape = layout.ArrayShape(area);
                files[a] = File.Create(Path.Combine(folder, FileName(area.Name)));
                offsets[a] = NpyFile.WriteHeader(files[a], NpyType.Float32, shape, shape.Aggregate(1L, (x, d) => x * d));
                files[a].SetLength(offsets[a] + shape.Aggregate(1L, (x, d) => x * d) * sizeof(float));
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>
    /// Creates <paramref name="folder"/> (if needed) and writes the sidecar files at once; the area files are filled by
    /// <see cref="Write"/> as the recorder runs.
    /// </summary>
    public static NpyRecording Create(string folder, RecordingLayout layout)
    {
        layout.Validate();
        foreach (var area in layout.Areas) FileName(area.Name);
        Directory.CreateDirectory(folder);
        NpyFile.Write<int>(Path.Combine(folder, "labels.npy"), layout.Labels.ToArray(), layout.Count);
        NpyFile.Write<int>(Path.Combine(folder, "images.npy"), layout.Images.ToArray(), layout.Count);
        NpyFile.Write<int>(Path.Combine(folder, "steps.npy"), layout.Steps.ToArray(), layout.Steps.Count);
        File.WriteAllText(Path.Combine(folder, MetadataFile), Metadata(layout).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return new NpyRecording(folder, layout);
    }

    /// <inheritdoc/>
    public void Write(int area, int first, int count, ReadOnlySpan<float> values)
    {
        int stride = layout.Steps.Count * layout.Areas[area].Size;
        if (values.Length != count * stride)
            throw new ArgumentException($"area {layout.Areas[area].Name}: {count} images need {count * stride} values, got {values.Length}");
        files[area].Position = offsets[area] + (long)first * stride * sizeof(float);
        files[area].Write(NpyFile.AsLittleEndianBytes(values));
    }

    /// <summary>Closes the area files.</summary>
    public void Dispose()
    {
        foreach (var file in files) file?.Dispose();
    }

    /// <summary>Reads a recording folder back into memory; every missing or inconsistent file is a <see cref="DataError"/>.</summary>
    public static RecordedStates Read(string folder)
    {
        string metaPath = Path.Combine(folder, MetadataFile);
        if (!File.Exists(metaPath)) throw new DataError($"{folder}: no {MetadataFile}; not a Cortex recording folder");
        JsonNode meta;
        try { meta = JsonNode.Parse(File.ReadAllText(metaPath)) ?? throw new JsonException("empty"); }
        catch (JsonException e) { throw new DataError($"{metaPath}: not valid JSON ({e.Message})", e); }
        string Text(string key) => meta[key]?.GetValue<string>() ?? throw new DataError($"{metaPath}: no '{key}'");
        if (Text("format") != FormatName) throw new DataError($"{metaPath}: format '{Text("format")}', expected '{FormatName}'");
        int version = meta["version"]?.GetValue<int>() ?? 0;
        if (version != FormatVersion) throw new DataError($"{metaPath}: version {version}, this Cortex reads version {FormatVersion}");
        var areas = (meta["areas"] as JsonArray ?? throw new DataError($"{metaPath}: no 'areas'"))
            .Select(a => new RecordedArea(a!["name"]!.GetValue<string>(), [.. a["shape"]!.AsArray().Select(d => d!.GetValue<int>())])).ToList();
        var labels = ReadInts(folder, "labels.npy");
        var layout = new RecordingLayout
        {
            Network = Text("network"),
            Config = Text("config"),
            Ledger = meta["ledger"]?.ToJsonString() ?? "{}",
            Dataset = Text("dataset"),
            Areas = areas,
            Steps = ReadInts(folder, "steps.npy"),
            Images = ReadInts(folder, "images.npy"),
            Labels = labels,
            ClassNames = [.. (meta["class_names"] as JsonArray ?? throw new DataError($"{metaPath}: no 'class_names'")).Select(c => c!.GetValue<string>())],
        };
        try { layout.Validate(); }
        catch (ArgumentException e) { throw new DataError($"{folder}: {e.Message}", e); }
        var values = new List<float[]>();
        foreach (var area in areas)
        {
            string path = Path.Combine(folder, FileName(area.Name));
            if (!File.Exists(path)) throw new DataError($"{folder}: {MetadataFile} lists area {area.Name}, but {Path.GetFileName(path)} is missing");
            var (array, shape) = NpyFile.Read<float>(path);
            if (!shape.SequenceEqual(layout.ArrayShape(area)))
                throw new DataError($"{path}: shape ({string.Join(", ", shape)}), but {MetadataFile} promises ({string.Join(", ", layout.ArrayShape(area))})");
            values.Add(array);
        }
        return new RecordedStates(layout, values);
    }

    /// <summary>The file of an area: <c>&lt;name&gt;.npy</c>; names that are not plain file names are refused.</summary>
    public static string FileName(string area)
    {
        if (area.Length == 0 || area.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')) || area.StartsWith('.')
            || area is "labels" or "images" or "steps")
            throw new ArgumentException($"area '{area}' cannot name a .npy file in a recording folder (letters, digits, '_', '-' and '.' only; not labels, images or steps); record it as HDF5");
        return area + ".npy";
    }

    private static int[] ReadInts(string folder, string name)
    {
        string path = Path.Combine(folder, name);
        if (!File.Exists(path)) throw new DataError($"{folder}: {name} is missing");
        var (values, shape) = NpyFile.Read<int>(path);
        if (shape.Length != 1) throw new DataError($"{path}: shape ({string.Join(", ", shape)}), expected one dimension");
        return values;
    }

    private static JsonObject Metadata(RecordingLayout layout) => new()
    {
        ["format"] = FormatName,
        ["version"] = FormatVersion,
        ["network"] = layout.Network,
        ["dataset"] = layout.Dataset,
        ["images"] = layout.Count,
        ["areas"] = new JsonArray([.. layout.Areas.Select(a => (JsonNode)new JsonObject
        {
            ["name"] = a.Name,
            ["shape"] = new JsonArray([.. a.Shape.Select(d => (JsonNode)d)]),
            ["file"] = FileName(a.Name),
            ["array_shape"] = new JsonArray([.. layout.ArrayShape(a).Select(d => (JsonNode)d)]),
        })]),
        ["steps"] = new JsonArray([.. layout.Steps.Select(s => (JsonNode)s)]),
        ["class_names"] = new JsonArray([.. layout.ClassNames.Select(c => (JsonNode)c)]),
        ["config"] = layout.Config,
        ["ledger"] = JsonNode.Parse(layout.Ledger),
    };
}
