using Cortex.Core.Tensors;
using Cortex.Experiments.Data;

namespace Cortex.Experiments.Checkpoints;

/// <summary>A named float array: a parameter's values, a gradient's, or a piece of optimiser state.</summary>
public sealed record NamedArray
{
    /// <summary>An array called <paramref name="name"/> of shape <paramref name="shape"/>; <paramref name="values"/> (row-major, kept, not copied) must hold exactly <see cref="Shape.Size"/> values.</summary>
    /// <exception cref="ArgumentException">The name is empty, or the count of values does not match the shape.</exception>
    public NamedArray(string name, Shape shape, float[] values)
    {
        if (string.IsNullOrEmpty(name)) throw new ArgumentException("a checkpoint array needs a name");
        if (values.Length != shape.Size)
            throw new ArgumentException($"checkpoint array '{name}': shape {shape} needs {shape.Size} values, got {values.Length}");
        Name = name;
        Shape = shape;
        Values = values;
    }

    /// <summary>The array's name within its checkpoint, with its prefix (<c>param/V1.weight</c>; see <see cref="WeightLoader"/>).</summary>
    public string Name { get; }

    /// <summary>The array's shape, as the tensor it came from had it.</summary>
    public Shape Shape { get; }

    /// <summary>The values, row-major, <see cref="Shape"/>.Size of them.</summary>
    public float[] Values { get; }

    /// <summary>A copy of a tensor's values (downloaded from its device).</summary>
    public static NamedArray From(string name, Tensor<float> tensor) => new(name, tensor.Shape, tensor.ToArray());
}

/// <summary>
/// What a checkpoint records besides its arrays. <see cref="Data"/> is the position of the next batch to
/// train on (its epoch is the epoch in progress); <see cref="Step"/> counts optimiser steps taken.
/// <see cref="Fingerprint"/> identifies the network the arrays belong to (see <see cref="Fingerprints"/>).
/// <see cref="Properties"/> holds anything else a run needs to continue (optimiser name, schedule state).
/// </summary>
public sealed record CheckpointMetadata
{
    /// <summary>The file format the checkpoint was written in (<see cref="CheckpointFile.FormatVersion"/>).</summary>
    public int FormatVersion { get; init; } = CheckpointFile.FormatVersion;

    /// <summary>The network's parameter fingerprint (names and shapes); a checkpoint loads only into a network with the same one.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>The resolved configuration, as text (the YAML the run was started from, with defaults filled in).</summary>
    public string Config { get; init; } = "";

    /// <summary>The run's seed.</summary>
    public int Seed { get; init; }

    /// <summary>Optimiser steps taken when the checkpoint was written.</summary>
    public long Step { get; init; }

    /// <summary>The position of the next batch to train on.</summary>
    public DataPosition Data { get; init; }

    /// <summary>When the checkpoint was written, in UTC.</summary>
    public DateTime CreatedUtc { get; init; } = DateTime.UtcNow;

    /// <summary>Text settings the run needs to continue (optimiser, schedule, data identity …), by name; see <see cref="Training.RunSettings"/>.</summary>
    public IReadOnlyDictionary<string, string> Properties { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// A checkpoint in memory: metadata and named arrays (weights, optimiser state). Read and write it with
/// <see cref="CheckpointFile"/>. <see cref="Path"/> is the file it came from, for messages.
/// </summary>
public sealed class Checkpoint
{
    private readonly Dictionary<string, NamedArray> byName = new(StringComparer.Ordinal);

    /// <summary>A checkpoint of <paramref name="metadata"/> and <paramref name="arrays"/>; <paramref name="path"/> is the file it came from, for messages.</summary>
    /// <exception cref="ArgumentException">Two arrays have the same name.</exception>
    public Checkpoint(CheckpointMetadata metadata, IEnumerable<NamedArray> arrays, string? path = null)
    {
        Metadata = metadata;
        Path = path;
        var list = new List<NamedArray>();
        foreach (var array in arrays)
        {
            if (!byName.TryAdd(array.Name, array)) throw new ArgumentException($"{Where}: array '{array.Name}' appears twice");
            list.Add(array);
        }
        Arrays = list;
    }

    /// <summary>What the checkpoint records besides its arrays.</summary>
    public CheckpointMetadata Metadata { get; }

    /// <summary>Every array, in the order written.</summary>
    public IReadOnlyList<NamedArray> Arrays { get; }

    /// <summary>The file this checkpoint was read from, or null for one made in memory.</summary>
    public string? Path { get; }

    private string Where => Path is null ? "checkpoint" : $"checkpoint {Path}";

    /// <summary>Whether an array called <paramref name="name"/> is present.</summary>
    public bool Contains(string name) => byName.ContainsKey(name);

    /// <summary>The array called <paramref name="name"/>; a clear error when it is absent.</summary>
    public NamedArray Get(string name) => byName.TryGetValue(name, out var array) ? array
        : throw new CheckpointError($"{Where}: no array '{name}'; it holds {Listing()}");

    /// <summary>Copies array <paramref name="name"/> into a tensor of the same shape (uploading it to the tensor's device).</summary>
    public void CopyInto(string name, Tensor<float> tensor)
    {
        var array = Get(name);
        if (array.Shape != tensor.Shape)
            throw new CheckpointError($"{Where}: array '{name}' has shape {array.Shape}, but the network's tensor has shape {tensor.Shape}");
        tensor.CopyFrom(array.Values);
    }

    /// <summary>Fails unless the checkpoint was written by the network with fingerprint <paramref name="expected"/>.</summary>
    public void EnsureFingerprint(string expected, string? networkName = null)
    {
        if (Metadata.Fingerprint == expected) return;
        string network = networkName is null ? "" : $" '{networkName}'";
        throw new CheckpointError(
            $"{Where} belongs to a different network: it was written by a network with fingerprint {Metadata.Fingerprint}, " +
            $"but the network{network} it is being loaded into has fingerprint {expected}");
    }

    private string Listing()
    {
        var names = Arrays.Take(8).Select(a => $"'{a.Name}'").ToList();
        if (Arrays.Count > 8) names.Add($"… ({Arrays.Count} in all)");
        return names.Count == 0 ? "no arrays" : string.Join(", ", names);
    }
}
