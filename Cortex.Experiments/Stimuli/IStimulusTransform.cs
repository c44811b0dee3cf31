using Cortex.Core.Tensors;

namespace Cortex.Experiments.Stimuli;

/// <summary>
/// A stimulus transform for experiments: a pure function of a batch of images [B, C, H, W] and a seed.
/// The source is never changed; the same seed gives the same result, and image b's randomness depends
/// only on (seed, b), not on the other images.
/// </summary>
public interface IStimulusTransform
{
    /// <summary>Writes the transformed batch into <paramref name="destination"/> (same length as the source).</summary>
    void Apply(ReadOnlySpan<float> source, Span<float> destination, Shape shape, int seed);
}

public static class StimulusTransforms
{
    /// <summary>The transformed batch as a new array.</summary>
    public static float[] Apply(this IStimulusTransform transform, ReadOnlySpan<float> images, Shape shape, int seed)
    {
        var result = new float[images.Length];
        transform.Apply(images, result, shape, seed);
        return result;
    }

    /// <summary>Checks a batch shape [B, C, H, W] against the spans; returns (B, C, H, W).</summary>
    internal static (int B, int C, int H, int W) Check(string name, ReadOnlySpan<float> source, Span<float> destination, Shape shape)
    {
        if (shape.Rank != 4) throw new ArgumentException($"{name}: a batch has shape [B, C, H, W], got {shape}");
        if (source.Length != shape.Size || destination.Length != shape.Size)
            throw new ArgumentException($"{name}: batch {shape} needs {shape.Size} values, got source {source.Length}, destination {destination.Length}");
        return (shape[0], shape[1], shape[2], shape[3]);
    }

    /// <summary>The random source for image b of a batch.</summary>
    internal static Random ForImage(int seed, int b) => new(Data.Seeds.Derive(seed, Data.Seeds.Stimulus, b));
}
