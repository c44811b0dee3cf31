using Cortex.Core.Tensors;
using Cortex.Experiments.Data;

namespace Cortex.Experiments.Stimuli;

/// <summary>
/// A scrambled-patch mask: the image is cut into P×P patches (all channels together), which are put back in a random
/// order — the same pixels, the same local statistics, none of the shape. P must divide the height and the width; 0
/// takes the largest divisor of both that is at most a quarter of the smaller side (7 for 28×28, 8 for 32×32). The order
/// of image i depends only on (seed, i).
/// </summary>
/// <param name="PatchSize">P, the side of a patch; 0: the default above.</param>
public sealed record ScrambledPatches(int PatchSize = 0) : IStimulusTransform
{
    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<float> source, Span<float> destination, Shape shape, int seed, ReadOnlySpan<int> indices)
    {
        var (batch, channels, height, width) = StimulusTransforms.Check("ScrambledPatches", source, destination, shape, indices);
        int p = Size(height, width);
        int rows = height / p, columns = width / p, size = channels * height * width;
        for (int b = 0; b < batch; b++)
        {
            var order = Seeds.Permutation(rows * columns, Seeds.Derive(seed, Seeds.Stimulus, indices[b]));
            for (int to = 0; to < order.Length; to++)
            {
                int from = order[to];
                int fy = from / columns * p, fx = from % columns * p, ty = to / columns * p, tx = to % columns * p;
                for (int c = 0; c < channels; c++)
                    for (int y = 0; y < p; y++)
                        source.Slice(b * size + (c * height + fy + y) * width + fx, p).CopyTo(destination.Slice(b * size + (c * height + ty + y) * width + tx, p));
            }
        }
    }

    /// <summary>The patch side used for images of <paramref name="height"/>×<paramref name="width"/>.</summary>
    public int Size(int height, int width)
    {
        if (PatchSize > 0)
            return height % PatchSize == 0 && width % PatchSize == 0 ? PatchSize
                : throw new ArgumentException($"scrambled patches: a patch side of {PatchSize} does not divide {height}×{width} images");
        int largest = Math.Max(1, Math.Min(height, width) / 4);
        for (int p = largest; p > 1; p--)
            if (height % p == 0 && width % p == 0) return p;
        return 1;
    }
}
