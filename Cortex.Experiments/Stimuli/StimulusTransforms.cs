using Cortex.Core.Tensors;

namespace Cortex.Experiments.Stimuli;

/// <summary>What the stimulus transforms share: calls without indices (image b is image b of its set), shape checks and each image's random source.</summary>
public static class StimulusTransforms
{
    /// <summary>The transformed batch as a new array; image b is treated as image b of its set (indices 0..B − 1).</summary>
    public static float[] Apply(this IStimulusTransform transform, ReadOnlySpan<float> images, Shape shape, int seed)
    {
        var result = new float[images.Length];
        transform.Apply(images, result, shape, seed, Positions(shape));
        return result;
    }

    /// <summary>The transformed batch as a new array, image b being image <paramref name="indices"/>[b] of its set.</summary>
    public static float[] Apply(this IStimulusTransform transform, ReadOnlySpan<float> images, Shape shape, int seed, ReadOnlySpan<int> indices)
    {
        var result = new float[images.Length];
        transform.Apply(images, result, shape, seed, indices);
        return result;
    }

    /// <summary>0..B − 1 for a batch [B, …].</summary>
    internal static int[] Positions(Shape shape) => [.. Enumerable.Range(0, shape.Rank > 0 ? shape[0] : 0)];

    /// <summary>Checks a batch shape [B, C, H, W] against the spans and the indices; returns (B, C, H, W).</summary>
    internal static (int B, int C, int H, int W) Check(string name, ReadOnlySpan<float> source, Span<float> destination, Shape shape, ReadOnlySpan<int> indices)
    {
        if (shape.Rank != 4) throw new ArgumentException($"{name}: a batch has shape [B, C, H, W], got {shape}");
        if (source.Length != shape.Size || destination.Length != shape.Size)
            throw new ArgumentException($"{name}: batch {shape} needs {shape.Size} values, got source {source.Length}, destination {destination.Length}");
        if (indices.Length != shape[0])
            throw new ArgumentException($"{name}: batch {shape} needs one index per image, got {indices.Length}");
        return (shape[0], shape[1], shape[2], shape[3]);
    }

    /// <summary>The random source of the image with index <paramref name="index"/> in its set.</summary>
    internal static Random ForImage(int seed, int index) => new(Data.Seeds.Derive(seed, Data.Seeds.Stimulus, index));
}
