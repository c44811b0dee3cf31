using Cortex.Experiments.Data;
using PureHDF;
using PureHDF.Selections;

namespace Cortex.Experiments.Recording;

/// <summary>
/// A recording as one HDF5 file (written and read with PureHDF):
/// <code>
/// /                  attributes: format ("cortex-recording"), version (1), network, dataset, config (YAML text), ledger (JSON text)
/// /states/&lt;area&gt;     float32 [images, steps, …area shape], chunked by image; attribute steps (int32 [steps])
/// /labels            int32 [images]   class labels
/// /images            int32 [images]   indices into the dataset
/// /steps             int32 [steps]    the recorded time steps (1-based; 0 is the initial state)
/// /class_names       strings [classes]
/// </code>
/// In Python: <c>f = h5py.File("states.h5"); v1 = f["states/V1"][:]; config = f.attrs["config"]</c>.
/// </summary>
public sealed class Hdf5Recording : IRecordingWriter
{
    private readonly RecordingLayout layout;
    private readonly H5Dataset<float[]>[] datasets;
    private readonly H5NativeWriter writer;

    private Hdf5Recording(string path, RecordingLayout layout)
    {
        this.layout = layout;
        datasets = [.. layout.Areas.Select(a =>
        {
            var shape = layout.ArrayShape(a);
            var dataset = new H5Dataset<float[]>(fileDims: [.. shape.Select(d => (ulong)d)], chunks: [1, .. shape.Skip(1).Select(d => (uint)d)]);
            dataset.Attributes["steps"] = layout.Steps.ToArray();
            return dataset;
        })];
        var states = new H5Group();
        for (int a = 0; a < datasets.Length; a++) states[layout.Areas[a].Name] = datasets[a];
        var file = new H5File
        {
            ["states"] = states,
            ["labels"] = layout.Labels.ToArray(),
            ["images"] = layout.Images.ToArray(),
            ["steps"] = layout.Steps.ToArray(),
            ["class_names"] = layout.ClassNames.ToArray(),
        };
        file.Attributes["format"] = NpyRecording.FormatName;
        file.Attributes["version"] = NpyRecording.FormatVersion;
        file.Attributes["network"] = layout.Network;
        file.Attributes["dataset"] = layout.Dataset;
        file.Attributes["config"] = layout.Config;
        file.Attributes["ledger"] = layout.Ledger;
        writer = file.BeginWrite(path);
    }

    /// <summary>Creates the file with every dataset declared; the state arrays are filled by <see cref="Write"/> as the recorder runs.</summary>
    public static Hdf5Recording Create(string path, RecordingLayout layout)
    {
        layout.Validate();
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } folder) Directory.CreateDirectory(folder);
        return new Hdf5Recording(path, layout);
    }

    /// <inheritdoc/>
    public void Write(int area, int first, int count, ReadOnlySpan<float> values)
    {
        var shape = layout.ArrayShape(layout.Areas[area]);
        long stride = shape.Skip(1).Aggregate(1L, (x, d) => x * d);
        if (values.Length != count * stride)
            throw new ArgumentException($"area {layout.Areas[area].Name}: {count} images need {count * stride} values, got {values.Length}");
        int rank = shape.Length;
        var start = new ulong[rank];
        start[0] = (ulong)first;
        var counts = shape.Select(d => (ulong)d).ToArray();
        counts[0] = (ulong)count;
        var ones = Enumerable.Repeat(1UL, rank).ToArray();
        var selection = new HyperslabSelection(rank, start, strides: ones, counts, blocks: ones);   // images first … first + count − 1, all of the rest
        writer.Write(datasets[area], values.ToArray(), fileSelection: selection);
    }

    /// <summary>Finishes and closes the file.</summary>
    public void Dispose() => writer.Dispose();

    /// <summary>Reads an HDF5 recording back into memory; a file that is not one is a <see cref="DataError"/>.</summary>
    public static RecordedStates Read(string path)
    {
        PureHDF.VOL.Native.NativeFile file;
        try { file = H5File.OpenRead(path); }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new DataError($"{path}: not a readable HDF5 file ({e.Message})", e);
        }
        using (file)
        {
            try
            {
                string Text(string name) => file.AttributeExists(name) ? file.Attribute(name).Read<string>()
                    : throw new DataError($"{path}: no attribute '{name}'; not a Cortex recording");
                if (Text("format") != NpyRecording.FormatName) throw new DataError($"{path}: format '{Text("format")}', expected '{NpyRecording.FormatName}'");
                int version = file.Attribute("version").Read<int>();
                if (version != NpyRecording.FormatVersion) throw new DataError($"{path}: version {version}, this Cortex reads version {NpyRecording.FormatVersion}");
                var states = file.Group("states");
                var areas = new List<RecordedArea>();
                var values = new List<float[]>();
                foreach (var child in states.Children().OfType<IH5Dataset>())
                {
                    var dims = child.Space.Dimensions;
                    if (dims.Length < 3) throw new DataError($"{path}: states/{child.Name} has shape ({string.Join(", ", dims)}), expected [images, steps, …area shape]");
                    areas.Add(new RecordedArea(child.Name, [.. dims.Skip(2).Select(d => (int)d)]));
                    values.Add(child.Read<float[]>());
                }
                var layout = new RecordingLayout
                {
                    Network = Text("network"),
                    Config = Text("config"),
                    Ledger = Text("ledger"),
                    Dataset = Text("dataset"),
                    Areas = areas,
                    Steps = file.Dataset("steps").Read<int[]>(),
                    Images = file.Dataset("images").Read<int[]>(),
                    Labels = file.Dataset("labels").Read<int[]>(),
                    ClassNames = file.Dataset("class_names").Read<string[]>(),
                };
                layout.Validate();
                return new RecordedStates(layout, values);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException)
            {
                throw new DataError($"{path}: not a Cortex recording ({e.Message})", e);
            }
        }
    }
}
