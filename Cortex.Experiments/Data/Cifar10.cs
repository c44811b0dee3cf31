using Cortex.Core.Tensors;

namespace Cortex.Experiments.Data;

/// <summary>
/// CIFAR-10 in its binary format (Krizhevsky 2009): <c>data_batch_1.bin</c> … <c>data_batch_5.bin</c> (training, 10,000
/// images each) and <c>test_batch.bin</c>, in a folder (or its <c>cifar-10-batches-bin</c> sub-folder). Each record is
/// 3,073 bytes: the label (0–9), then 1,024 red, 1,024 green and 1,024 blue bytes, rows of 32 top to bottom — that is,
/// [3, 32, 32] in C order. Pixels are scaled to [0, 1]. Every problem is a <see cref="DataError"/> naming the file.
/// </summary>
public static class Cifar10
{
    /// <summary>Image side in pixels.</summary>
    public const int Side = 32;

    /// <summary>Bytes of one record: a label byte and 3 × 32 × 32 pixel bytes.</summary>
    public const int RecordLength = 1 + 3 * Side * Side;

    /// <summary>The training files, in order.</summary>
    public static readonly IReadOnlyList<string> TrainFiles = [.. Enumerable.Range(1, 5).Select(i => $"data_batch_{i}.bin")];

    /// <summary>The test file.</summary>
    public const string TestFile = "test_batch.bin";

    /// <summary>The ten classes and two coarse groups, vehicles (airplane, automobile, ship, truck) and animals.</summary>
    public static readonly DatasetKind Kind = new(
        "CIFAR-10",
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
        new ClassGroups(["vehicles", "animals"], [0, 0, 1, 1, 1, 1, 1, 1, 0, 0]),
        SystemDirectory: null,
        SystemPackage: null,
        ShippedFolder: null);

    /// <summary>The training set (the five batches, in order) and the test set from <paramref name="folder"/>.</summary>
    public static (Dataset Train, Dataset Test) Load(string folder)
    {
        string directory = Resolve(folder);
        var missing = TrainFiles.Append(TestFile).Where(f => !File.Exists(Path.Combine(directory, f))).ToList();
        if (missing.Count > 0)
            throw new DataError($"{directory}: CIFAR-10 (binary version) needs {string.Join(", ", TrainFiles)} and {TestFile}; missing: {string.Join(", ", missing)}");
        var batches = TrainFiles.Select(f => ReadBatch(Path.Combine(directory, f))).ToList();
        var train = Join($"{Kind.Name} train", batches);
        var test = Join($"{Kind.Name} test", [ReadBatch(Path.Combine(directory, TestFile))]);
        return (train, test);
    }

    /// <summary>
    /// One batch file: its images as bytes [N, 3, 32, 32] and its labels. The length must be a whole number of records, and
    /// every label one of the ten classes.
    /// </summary>
    public static (byte[] Pixels, byte[] Labels) ReadBatch(string path)
    {
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataError($"{path}: cannot be read: {e.Message}", e);
        }
        if (bytes.Length == 0) throw new DataError($"{path}: the file is empty; a CIFAR-10 batch holds records of {RecordLength} bytes");
        if (bytes.Length % RecordLength != 0)
        {
            int whole = bytes.Length / RecordLength;
            throw new DataError($"{path}: {bytes.Length} bytes is not a whole number of {RecordLength}-byte records (1 label + 3×32×32 pixels): " +
                $"record {whole} is truncated after {bytes.Length - whole * RecordLength} bytes; the file is truncated or not a CIFAR-10 binary batch");
        }
        int count = bytes.Length / RecordLength, size = RecordLength - 1;
        var labels = new byte[count];
        var pixels = new byte[count * size];
        for (int i = 0; i < count; i++)
        {
            labels[i] = bytes[i * RecordLength];
            if (labels[i] >= Kind.ClassCount)
                throw new DataError($"{path}: label {labels[i]} of record {i} (byte {(long)i * RecordLength}) is outside the {Kind.ClassCount} classes of CIFAR-10 (0..9); " +
                    "is this the CIFAR-100 format (2 label bytes per record)?");
            bytes.AsSpan(i * RecordLength + 1, size).CopyTo(pixels.AsSpan(i * size, size));
        }
        return (pixels, labels);
    }

    /// <summary>Writes a batch file from bytes [N, 3, 32, 32] and labels (for tests and exported subsets).</summary>
    public static void WriteBatch(string path, ReadOnlySpan<byte> pixels, ReadOnlySpan<byte> labels)
    {
        int size = RecordLength - 1;
        if (pixels.Length != labels.Length * size) throw new ArgumentException($"{labels.Length} records need {labels.Length * size} pixel bytes, got {pixels.Length}");
        using var file = File.Create(path);
        for (int i = 0; i < labels.Length; i++)
        {
            file.WriteByte(labels[i]);
            file.Write(pixels.Slice(i * size, size));
        }
    }

    /// <summary>The folder holding the batches: <paramref name="folder"/> itself or its cifar-10-batches-bin sub-folder.</summary>
    private static string Resolve(string folder)
    {
        string full = Path.GetFullPath(folder);
        if (!Directory.Exists(full)) throw new DataError($"{full}: the folder does not exist");
        string nested = Path.Combine(full, "cifar-10-batches-bin");
        return !File.Exists(Path.Combine(full, TestFile)) && Directory.Exists(nested) ? nested : full;
    }

    private static Dataset Join(string name, IReadOnlyList<(byte[] Pixels, byte[] Labels)> batches)
    {
        var pixels = new float[batches.Sum(b => (long)b.Pixels.Length)];
        var labels = new int[batches.Sum(b => b.Labels.Length)];
        long p = 0;
        int l = 0;
        foreach (var (bytes, batchLabels) in batches)
        {
            for (int i = 0; i < bytes.Length; i++) pixels[p++] = bytes[i] / 255f;
            foreach (byte label in batchLabels) labels[l++] = label;
        }
        return new Dataset(name, pixels, new Shape(3, Side, Side), labels, Kind.ClassNames, Kind.Coarse);
    }
}
