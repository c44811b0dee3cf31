using Cortex.Core.Tensors;
using Cortex.Experiments.Data;

namespace Cortex.Tests.Datasets;

/// <summary>Tiny generated IDX files and datasets in a temporary folder that is deleted afterwards.</summary>
public sealed class TinyData : IDisposable
{
    public TinyData()
    {
        Directory = Path.Combine(Path.GetTempPath(), "cortex-tests-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public string PathOf(string name) => Path.Combine(Directory, name);

    /// <summary><paramref name="count"/> images of rows×cols with pixel (n, y, x) = (7n + 3y + x) mod 256, labels n mod 10.</summary>
    public static IdxImages Images(int count, int rows = 4, int cols = 3)
    {
        var pixels = new byte[count * rows * cols];
        for (int n = 0; n < count; n++)
            for (int y = 0; y < rows; y++)
                for (int x = 0; x < cols; x++)
                    pixels[(n * rows + y) * cols + x] = (byte)((7 * n + 3 * y + x) % 256);
        return new IdxImages(count, rows, cols, pixels);
    }

    public static byte[] Labels(int count) => Enumerable.Range(0, count).Select(n => (byte)(n % 10)).ToArray();

    /// <summary>Writes a split (e.g. "t10k") of <paramref name="count"/> images into <paramref name="folder"/> (default: this folder).</summary>
    public (string Images, string Labels) WriteSplit(string prefix, int count, bool gzip = true, string? folder = null)
    {
        string dir = folder ?? Directory;
        System.IO.Directory.CreateDirectory(dir);
        string suffix = gzip ? ".gz" : "";
        string images = Path.Combine(dir, $"{prefix}-images-idx3-ubyte{suffix}"), labels = Path.Combine(dir, $"{prefix}-labels-idx1-ubyte{suffix}");
        Idx.WriteImages(images, Images(count), gzip);
        Idx.WriteLabels(labels, Labels(count), gzip);
        return (images, labels);
    }

    /// <summary>A dataset whose image n is filled with the value n (so order is visible), labels n mod 10.</summary>
    public static Dataset Numbered(int count, int size = 2, bool coarse = true)
    {
        var images = new float[count * size * size];
        for (int n = 0; n < count; n++) images.AsSpan(n * size * size, size * size).Fill(n);
        var kind = DatasetKind.FashionMnist;
        return new Dataset("numbered", images, new Shape(1, size, size), Enumerable.Range(0, count).Select(n => n % 10).ToArray(),
            kind.ClassNames, coarse ? kind.Coarse : null);
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
