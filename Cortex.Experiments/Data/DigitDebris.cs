using Cortex.Core.Tensors;
using Cortex.Experiments.Stimuli;

namespace Cortex.Experiments.Data;

/// <summary>
/// Digit debris in the style of Spoerer, McClure and Kriegeskorte (2017): each image is occluded by
/// <see cref="Fragments"/> square fragments (side <see cref="FragmentSize"/>) cut at random places from other, randomly
/// chosen images of the same set and pasted at random places over it. A fragment replaces the pixels it covers (all its
/// pixels, dark ones too), so parts of the object are hidden, unlike <see cref="Stimuli.Clutter"/>, which keeps the
/// brighter pixel. The number of fragments is the debris level; 0 is the identity.
/// <para>
/// Image i's fragments depend only on (seed, i): the same seed gives the same images whatever the order or the batch, and
/// a higher level with the same seed adds fragments on top of a lower level's (level 30 = level 10 + 20 more). As a
/// stimulus transform (<see cref="IStimulusTransform"/>) the fragments come from <see cref="Pool"/>, the set whose
/// indices the batch carries.
/// </para>
/// </summary>
/// <param name="Fragments">Fragments per image (the debris level), ≥ 0.</param>
/// <param name="FragmentSize">The side of a fragment in pixels; at most the image's height and width.</param>
/// <param name="Pool">The set the images belong to, where fragments are cut from (needed as a stimulus transform).</param>
public sealed record DigitDebris(int Fragments, int FragmentSize = 9, Dataset? Pool = null) : IStimulusTransform
{
    /// <summary>Where a seed's random numbers for debris are drawn from, apart from other stimuli.</summary>
    private const int Stream = 0x64656272;

    /// <summary>A copy of <paramref name="source"/> with debris on every image; labels, classes and coarse groups are kept.</summary>
    public Dataset Apply(Dataset source, int seed)
    {
        Check(source, source.ImageShape);
        int size = source.ImageShape.Size;
        var images = (float[])source.Images.Clone();
        Parallel.For(0, source.Count, i => Scatter(source, i, images.AsSpan(i * size, size), seed));
        return new Dataset($"{source.Name} + digit debris ({Fragments} fragments of {FragmentSize}×{FragmentSize}, seed {seed})", images, source.ImageShape,
            source.Labels, source.ClassNames, source.Coarse, source.Background);
    }

    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<float> source, Span<float> destination, Shape shape, int seed, ReadOnlySpan<int> indices)
    {
        var (batch, _, _, _) = StimulusTransforms.Check("DigitDebris", source, destination, shape, indices);
        var pool = Pool ?? throw new ArgumentException("DigitDebris: as a stimulus transform it needs the pool of images its batch's indices refer to");
        Check(pool, shape.Inner);
        source.CopyTo(destination);
        int size = shape.Inner.Size;
        for (int b = 0; b < batch; b++)
        {
            if ((uint)indices[b] >= (uint)pool.Count)
                throw new ArgumentOutOfRangeException(nameof(indices), $"DigitDebris: image index {indices[b]} is outside the {pool.Count} images of {pool.Name}");
            Scatter(pool, indices[b], destination.Slice(b * size, size), seed);
        }
    }

    private void Check(Dataset source, Shape imageShape)
    {
        if (Fragments < 0) throw new ArgumentOutOfRangeException(nameof(Fragments), $"digit debris: the number of fragments must be ≥ 0, got {Fragments}");
        if (source.ImageShape != imageShape) throw new ArgumentException($"digit debris: pool images {source.ImageShape} differ from the batch's {imageShape}");
        int height = imageShape[1], width = imageShape[2];
        if (FragmentSize < 1 || FragmentSize > Math.Min(height, width))
            throw new ArgumentOutOfRangeException(nameof(FragmentSize), $"digit debris: fragments of {FragmentSize}×{FragmentSize} do not fit in {height}×{width} images");
        if (Fragments > 0 && source.Count < 2)
            throw new ArgumentException($"digit debris: fragments come from other images of the set, and {source.Name} has {source.Count}");
    }

    /// <summary>Pastes image i's fragments, cut from other images of <paramref name="source"/>, over <paramref name="image"/> [C, H, W].</summary>
    private void Scatter(Dataset source, int i, Span<float> image, int seed)
    {
        int channels = source.ImageShape[0], height = source.ImageShape[1], width = source.ImageShape[2], plane = height * width;
        var random = new Random(Seeds.Derive(seed, Seeds.Stimulus, Stream, i));
        for (int f = 0; f < Fragments; f++)
        {
            int o = random.Next(source.Count - 1);
            var other = source.Image(o >= i ? o + 1 : o);
            int fy = random.Next(height - FragmentSize + 1), fx = random.Next(width - FragmentSize + 1);
            int ty = random.Next(height - FragmentSize + 1), tx = random.Next(width - FragmentSize + 1);
            for (int c = 0; c < channels; c++)
                for (int y = 0; y < FragmentSize; y++)
                    other.Slice(c * plane + (fy + y) * width + fx, FragmentSize).CopyTo(image.Slice(c * plane + (ty + y) * width + tx, FragmentSize));
        }
    }
}
