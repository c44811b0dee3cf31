using Cortex.Core.Tensors;
using Cortex.Experiments.Data;

namespace Cortex.Experiments.Stimuli;

/// <summary>
/// Clutter: square fragments (side <see cref="FragmentSize"/>; 0 means H/3) cut at random places from
/// other images and overlaid at random places by taking the brighter pixel (max), so objects on a dark
/// background stay visible and gain distractors. <see cref="Density"/> is the fragments' total area as a
/// fraction of the image area (fragments may overlap): round(Density·H·W / size²) fragments per image.
/// Fragments come from <see cref="Pool"/> when given (it must have the batch's image shape; an image's fragments then
/// depend only on the seed and its index, and come from the pool's other images, the indices naming images of the pool), else from the other images of the batch (which then needs at least two
/// images, and an image's fragments depend on its neighbours). Density 0 is the identity.
/// </summary>
/// <param name="Density">The fragments' total area as a fraction of the image's, ≥ 0.</param>
/// <param name="FragmentSize">The side of a fragment; 0: H/3.</param>
/// <param name="Pool">Where fragments are cut from; null: the batch.</param>
public sealed record Clutter(double Density, int FragmentSize = 0, Dataset? Pool = null) : IStimulusTransform
{
    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<float> source, Span<float> destination, Shape shape, int seed, ReadOnlySpan<int> indices)
    {
        var (batch, channels, height, width) = StimulusTransforms.Check("Clutter", source, destination, shape, indices);
        if (!(Density >= 0) || double.IsInfinity(Density)) throw new ArgumentOutOfRangeException(nameof(Density), $"Clutter: density must be finite and ≥ 0, got {Density}");
        int size = FragmentSize > 0 ? FragmentSize : Math.Max(1, height / 3);
        if (size > Math.Min(height, width)) throw new ArgumentOutOfRangeException(nameof(FragmentSize), $"Clutter: fragments of {size}×{size} do not fit in {height}×{width}");
        if (Pool is { } pool && pool.ImageShape != shape.Inner)
            throw new ArgumentException($"Clutter: pool images {pool.ImageShape} differ from the batch's {shape.Inner}");
        if (Pool is null && batch < 2 && Density > 0)
            throw new ArgumentException($"Clutter: without a pool, fragments come from the other images of the batch, and batch {shape} has only one");
        int count = (int)Math.Round(Density * height * width / (size * size));
        int imageSize = channels * height * width, plane = height * width;
        source.CopyTo(destination);
        for (int b = 0; b < batch; b++)
        {
            var random = StimulusTransforms.ForImage(seed, indices[b]);
            for (int f = 0; f < count; f++)
            {
                ReadOnlySpan<float> other;
                if (Pool is { } p)
                {
                    // Another image of the pool: the image's own index is passed over when the pool holds it.
                    int index = indices[b], o = p.Count > 1 && (uint)index < (uint)p.Count ? random.Next(p.Count - 1) : random.Next(p.Count);
                    other = p.Image(p.Count > 1 && (uint)index < (uint)p.Count && o >= index ? o + 1 : o);
                }
                else
                {
                    int o = random.Next(batch - 1);
                    other = source.Slice((o >= b ? o + 1 : o) * imageSize, imageSize);
                }
                int fy = random.Next(height - size + 1), fx = random.Next(width - size + 1);
                int ty = random.Next(height - size + 1), tx = random.Next(width - size + 1);
                for (int c = 0; c < channels; c++)
                    for (int y = 0; y < size; y++)
                        for (int x = 0; x < size; x++)
                        {
                            ref float d = ref destination[b * imageSize + c * plane + (ty + y) * width + tx + x];
                            d = Math.Max(d, other[c * plane + (fy + y) * width + fx + x]);
                        }
            }
        }
    }
}
