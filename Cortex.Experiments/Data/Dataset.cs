using Cortex.Core.Tensors;

namespace Cortex.Experiments.Data;

/// <summary>
/// Images and labels in memory: <see cref="Images"/> is float [N, C, H, W] (MNIST-like files give C = 1,
/// pixels scaled to [0, 1]), <see cref="Labels"/> int [N]. <see cref="Background"/> is the value a blank
/// (zero-intensity) pixel has in <see cref="Images"/>: 0 before normalisation, −mean/std after; padding,
/// blank steps and occluders use it.
/// </summary>
public sealed class Dataset
{
    /// <summary>A dataset called <paramref name="name"/> over <paramref name="images"/> ([N, C, H, W] row-major, kept, not copied) with <paramref name="labels"/> ([N], each in 0 … classes − 1).</summary>
    /// <param name="name">For logs and messages (e.g. <c>Fashion-MNIST train</c>).</param>
    /// <param name="images">Pixel values, N·C·H·W of them.</param>
    /// <param name="imageShape">One image's shape, [C, H, W].</param>
    /// <param name="labels">Fine class labels, [N].</param>
    /// <param name="classNames">The name of each class; its count is the number of classes.</param>
    /// <param name="coarse">Coarse groups of the classes, or null.</param>
    /// <param name="background">The value of a blank pixel (0 for unnormalised images).</param>
    /// <exception cref="ArgumentException">The image shape is not rank 3, the count of values does not match the labels, a label is out of range, or the coarse map does not cover every class.</exception>
    public Dataset(string name, float[] images, Shape imageShape, int[] labels, IReadOnlyList<string> classNames,
        ClassGroups? coarse = null, float background = 0f)
    {
        if (imageShape.Rank != 3) throw new ArgumentException($"dataset '{name}': image shape must be [C, H, W], got {imageShape}");
        if (images.Length != (long)labels.Length * imageShape.Size)
            throw new ArgumentException($"dataset '{name}': {labels.Length} labels of images {imageShape} need {labels.Length * imageShape.Size} values, got {images.Length}");
        foreach (int label in labels)
            if ((uint)label >= (uint)classNames.Count)
                throw new ArgumentException($"dataset '{name}': label {label} is outside 0..{classNames.Count - 1}");
        if (coarse is not null && coarse.FineToCoarse.Count != classNames.Count)
            throw new ArgumentException($"dataset '{name}': the coarse map has {coarse.FineToCoarse.Count} entries for {classNames.Count} classes");
        Name = name;
        Images = images;
        ImageShape = imageShape;
        Labels = labels;
        ClassNames = classNames;
        Coarse = coarse;
        Background = background;
    }

    /// <summary>The dataset's name, for logs and messages.</summary>
    public string Name { get; }

    /// <summary>Pixel values, [N, C, H, W] row-major.</summary>
    public float[] Images { get; }

    /// <summary>One image's shape, [C, H, W].</summary>
    public Shape ImageShape { get; }

    /// <summary>Fine class labels, [N].</summary>
    public int[] Labels { get; }

    /// <summary>The name of each class, indexed by label.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The coarse groups of the classes, where the dataset has them.</summary>
    public ClassGroups? Coarse { get; }

    /// <summary>The value of a blank pixel.</summary>
    public float Background { get; }

    /// <summary>Images in the dataset, N.</summary>
    public int Count => Labels.Length;

    /// <summary>The whole dataset's shape, [N, C, H, W].</summary>
    public Shape Shape => ImageShape.Prepend(Count);

    /// <summary>One image, [C, H, W].</summary>
    public ReadOnlySpan<float> Image(int index) => Images.AsSpan(index * ImageShape.Size, ImageShape.Size);

    /// <summary>Coarse labels, [N]; an error for datasets without coarse groups.</summary>
    public int[] CoarseLabels() =>
        (Coarse ?? throw new InvalidOperationException($"dataset '{Name}' has no coarse groups")).Map(Labels);

    /// <summary>The images at the given indices, in that order.</summary>
    public Dataset Select(IReadOnlyList<int> indices, string? name = null)
    {
        int size = ImageShape.Size;
        var images = new float[indices.Count * size];
        var labels = new int[indices.Count];
        for (int i = 0; i < indices.Count; i++)
        {
            Image(indices[i]).CopyTo(images.AsSpan(i * size, size));
            labels[i] = Labels[indices[i]];
        }
        return new Dataset(name ?? Name, images, ImageShape, labels, ClassNames, Coarse, Background);
    }

    /// <summary>Images <c>start .. start + count − 1</c>.</summary>
    public Dataset Range(int start, int count, string? name = null)
    {
        if (start < 0 || count < 0 || start + count > Count)
            throw new ArgumentOutOfRangeException(nameof(start), $"dataset '{Name}': range [{start}, {start + count}) is outside its {Count} images");
        int size = ImageShape.Size;
        return new Dataset(name ?? Name, Images.AsSpan(start * size, count * size).ToArray(), ImageShape,
            Labels.AsSpan(start, count).ToArray(), ClassNames, Coarse, Background);
    }

    /// <summary>Mean and standard deviation over every pixel (computed in double).</summary>
    public (double Mean, double Std) PixelStatistics()
    {
        double sum = 0, sumSquares = 0;
        foreach (float v in Images)
        {
            sum += v;
            sumSquares += (double)v * v;
        }
        double n = Math.Max(1, Images.Length), mean = sum / n;
        return (mean, Math.Sqrt(Math.Max(0, sumSquares / n - mean * mean)));
    }

    /// <summary>A copy with every pixel x replaced by (x − mean) / std; use the training set's statistics for every split.</summary>
    public Dataset Normalise(double mean, double std)
    {
        if (!(std > 0) || double.IsInfinity(std) || !double.IsFinite(mean))
            throw new ArgumentOutOfRangeException(nameof(std), $"dataset '{Name}': normalisation needs a finite mean and std > 0, got mean {mean}, std {std}");
        float m = (float)mean, inverse = (float)(1 / std);
        var images = new float[Images.Length];
        for (int i = 0; i < images.Length; i++) images[i] = (Images[i] - m) * inverse;
        return new Dataset(Name, images, ImageShape, Labels, ClassNames, Coarse, (Background - m) * inverse);
    }

    /// <summary>
    /// A dataset from IDX images and labels: pixels scaled from bytes to [0, 1]. The counts must agree and
    /// every label must name a class; errors name the files.
    /// </summary>
    public static Dataset FromIdx(string name, DatasetKind kind, string imagesPath, IdxImages images, string labelsPath, byte[] labels)
    {
        if (images.Count != labels.Length)
            throw new DataError($"{imagesPath} holds {images.Count} images but {labelsPath} holds {labels.Length} labels; the counts must match");
        var fine = new int[labels.Length];
        for (int i = 0; i < fine.Length; i++)
        {
            fine[i] = labels[i];
            if (fine[i] >= kind.ClassCount)
                throw new DataError($"{labelsPath}: label {fine[i]} at index {i} is outside the {kind.ClassCount} classes of {kind.Name} (0..{kind.ClassCount - 1})");
        }
        var pixels = new float[images.Pixels.Length];
        const float scale = 1f / 255f;
        for (int i = 0; i < pixels.Length; i++) pixels[i] = images.Pixels[i] * scale;
        return new Dataset(name, pixels, new Shape(1, images.Rows, images.Columns), fine, kind.ClassNames, kind.Coarse);
    }

    /// <summary>One line: name, image count, image shape and class count.</summary>
    public override string ToString() => $"{Name}: {Count} images {ImageShape}, {ClassNames.Count} classes";
}
