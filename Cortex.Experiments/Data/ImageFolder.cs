using Cortex.Core.Tensors;
using SkiaSharp;

namespace Cortex.Experiments.Data;

/// <summary>
/// Images in class folders, one sub-folder per class (named after it; classes in ordinal order of the names):
/// <c>root/&lt;class&gt;/*.png</c>, or split already as <c>root/train/&lt;class&gt;/…</c> and <c>root/test/&lt;class&gt;/…</c>.
/// Images (PNG, JPEG, BMP, GIF, WebP) are decoded with SkiaSharp, stretched to <see cref="Height"/> × <see cref="Width"/>
/// (bilinear), composited over black where transparent, and kept as RGB (3 channels) or grey (1 channel, luma
/// 0.299 R + 0.587 G + 0.114 B), scaled to [0, 1]. Files with other extensions, and hidden files, are skipped.
/// Every problem — a missing folder, no class folders, an empty class, an image that does not decode, train and test
/// with different classes — is a <see cref="DataError"/> naming the folder or file.
/// </summary>
/// <param name="Channels">1 (grey) or 3 (RGB).</param>
/// <param name="Height">Image height after resizing.</param>
/// <param name="Width">Image width after resizing.</param>
public sealed record ImageFolder(int Channels, int Height, int Width)
{
    /// <summary>The file extensions read as images (case-insensitive).</summary>
    public static readonly IReadOnlyList<string> Extensions = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"];

    /// <summary>Without train/ and test/ sub-folders, this share of each class's images (in file-name order) trains; the rest tests.</summary>
    public const double TrainFraction = 0.8;

    /// <summary>
    /// The training and test sets under <paramref name="root"/>: its train/ and test/ folders, or, without them, each
    /// class's first <see cref="TrainFraction"/> of images (by file name) for training and the rest for testing.
    /// </summary>
    public (Dataset Train, Dataset Test) Load(string root)
    {
        Check();
        string full = Path.GetFullPath(root);
        if (!Directory.Exists(full)) throw new DataError($"{full}: the folder does not exist");
        string train = Path.Combine(full, "train"), test = Path.Combine(full, "test");
        if (Directory.Exists(train) && Directory.Exists(test))
        {
            var trainSet = LoadFolder(train, "image folder train");
            var testSet = LoadFolder(test, "image folder test");
            if (!trainSet.ClassNames.SequenceEqual(testSet.ClassNames))
                throw new DataError($"{full}: train/ has classes {string.Join(", ", trainSet.ClassNames)} but test/ has {string.Join(", ", testSet.ClassNames)}; they must match");
            return (trainSet, testSet);
        }
        var classes = Classes(full);
        var trainFiles = new List<(string, int)>();
        var testFiles = new List<(string, int)>();
        for (int c = 0; c < classes.Count; c++)
        {
            var files = Images(classes[c]);
            int cut = files.Count == 1 ? 1 : (int)Math.Round(files.Count * TrainFraction);
            trainFiles.AddRange(files.Take(cut).Select(f => (f, c)));
            testFiles.AddRange(files.Skip(cut).Select(f => (f, c)));
        }
        var names = classes.Select(Path.GetFileName).ToList();
        return (Decode("image folder train", trainFiles, names!), Decode("image folder test", testFiles, names!));
    }

    /// <summary>Every image under <paramref name="folder"/>'s class sub-folders, as one dataset.</summary>
    public Dataset LoadFolder(string folder, string? name = null)
    {
        Check();
        var classes = Classes(Path.GetFullPath(folder));
        var files = classes.SelectMany((c, i) => Images(c).Select(f => (f, i))).ToList();
        return Decode(name ?? Path.GetFileName(Path.GetFullPath(folder)), files, [.. classes.Select(c => Path.GetFileName(c)!)]);
    }

    /// <summary>One image file as floats [C, H, W] in [0, 1].</summary>
    public float[] Read(string path)
    {
        Check();
        using var decoded = SKBitmap.Decode(path)
            ?? throw new DataError($"{path}: cannot be decoded as an image (corrupt, empty, or not in a format SkiaSharp reads: PNG, JPEG, BMP, GIF, WebP)");
        using var resized = decoded.Resize(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Premul), new SKSamplingOptions(SKFilterMode.Linear))
            ?? throw new DataError($"{path}: could not be resized from {decoded.Width}×{decoded.Height} to {Width}×{Height}");
        var rgba = resized.GetPixelSpan();   // premultiplied: transparent pixels are already composited over black
        int plane = Height * Width;
        var values = new float[Channels * plane];
        for (int p = 0; p < plane; p++)
        {
            float r = rgba[4 * p] / 255f, g = rgba[4 * p + 1] / 255f, b = rgba[4 * p + 2] / 255f;
            if (Channels == 1) values[p] = 0.299f * r + 0.587f * g + 0.114f * b;
            else
            {
                values[p] = r;
                values[plane + p] = g;
                values[2 * plane + p] = b;
            }
        }
        return values;
    }

    private void Check()
    {
        if (Channels is not (1 or 3)) throw new ArgumentOutOfRangeException(nameof(Channels), $"image folder: channels must be 1 (grey) or 3 (RGB), got {Channels}");
        if (Height < 1 || Width < 1) throw new ArgumentOutOfRangeException(nameof(Height), $"image folder: size must be positive, got {Height}×{Width}");
    }

    private static List<string> Classes(string folder)
    {
        if (!Directory.Exists(folder)) throw new DataError($"{folder}: the folder does not exist");
        var classes = Directory.EnumerateDirectories(folder).Where(d => !Path.GetFileName(d).StartsWith('.')).Order(StringComparer.Ordinal).ToList();
        if (classes.Count == 0)
            throw new DataError($"{folder}: no class folders; expected one sub-folder per class holding its images ({string.Join(", ", Extensions)}), " +
                "or train/ and test/ folders that each hold them");
        return classes;
    }

    private static List<string> Images(string classFolder)
    {
        var files = Directory.EnumerateFiles(classFolder)
            .Where(f => !Path.GetFileName(f).StartsWith('.') && Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0)
            throw new DataError($"{classFolder}: the class folder holds no images ({string.Join(", ", Extensions)}); remove it or add images");
        return files;
    }

    private Dataset Decode(string name, IReadOnlyList<(string File, int Class)> files, IReadOnlyList<string> classes)
    {
        int size = Channels * Height * Width;
        var pixels = new float[files.Count * size];
        try
        {
            Parallel.For(0, files.Count, i => Read(files[i].File).CopyTo(pixels, i * size));
        }
        catch (AggregateException e) when (e.InnerExceptions.OfType<DataError>().FirstOrDefault() is { } first)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
        }
        return new Dataset(name, pixels, new Shape(Channels, Height, Width), [.. files.Select(f => f.Class)], classes);
    }
}
