using Cortex.Core.Tensors;

namespace Cortex.Experiments.Stimuli;

/// <summary>The occluders' shape: hard-edged rectangles or soft Gaussian blobs.</summary>
public enum OccluderShape
{
    /// <summary>Hard-edged rectangles.</summary>
    Patches,

    /// <summary>Soft Gaussian blobs.</summary>
    Blobs,
}

/// <summary>
/// Occlusion: occluders are added at random places until at least <see cref="Coverage"/> of each image's
/// pixels are covered, and covered pixels take the value <see cref="Fill"/> (0, the black background, by
/// default; pass the dataset's <c>Background</c> for normalised data, or e.g. 0.5 for grey occluders).
/// Patches are rectangles with sides uniform in [MinSize, MaxSize], lying inside the image; a blob is a
/// Gaussian bump m = exp(−d²/2σ²) with σ uniform in [MinSize, MaxSize]/2, and a pixel counts as covered
/// where the combined mask M (the maximum over blobs) reaches ½. Pixels become x·(1 − M) + Fill·M.
/// Coverage overshoots by at most one occluder. Sizes of 0 mean H/8 and H/4 (at least 1 pixel). Coverage 0 is the identity.
/// </summary>
/// <param name="Coverage">The fraction of each image's pixels covered, in [0, 1].</param>
/// <param name="Shape">Patches or blobs.</param>
/// <param name="Fill">The value covered pixels take.</param>
/// <param name="MinSize">The least side of a patch (σ of a blob is half a size); 0: H/8.</param>
/// <param name="MaxSize">The largest side; 0: H/4.</param>
public sealed record Occlusion(double Coverage, OccluderShape Shape = OccluderShape.Patches, float Fill = 0f, int MinSize = 0, int MaxSize = 0)
    : IStimulusTransform
{
    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<float> source, Span<float> destination, Shape shape, int seed, ReadOnlySpan<int> indices)
    {
        var (batch, channels, height, width) = StimulusTransforms.Check("Occlusion", source, destination, shape, indices);
        var mask = Mask(shape, seed, indices); // [B, H, W]
        int plane = height * width;
        for (int b = 0; b < batch; b++)
            for (int c = 0; c < channels; c++)
            {
                int offset = (b * channels + c) * plane;
                for (int i = 0; i < plane; i++)
                {
                    float m = mask[b * plane + i];
                    destination[offset + i] = source[offset + i] * (1 - m) + Fill * m;
                }
            }
    }

    /// <summary>The occlusion mask M in [0, 1], [B, H, W], shared by an image's channels; image b is image b of its set.</summary>
    public float[] Mask(Shape shape, int seed) => Mask(shape, seed, StimulusTransforms.Positions(shape));

    /// <summary>The occlusion mask M in [0, 1], [B, H, W], shared by an image's channels; image b's occluders depend only on (seed, indices[b]).</summary>
    public float[] Mask(Shape shape, int seed, ReadOnlySpan<int> indices)
    {
        if (shape.Rank != 4) throw new ArgumentException($"Occlusion: a batch has shape [B, C, H, W], got {shape}");
        if (!(Coverage >= 0 && Coverage <= 1)) throw new ArgumentOutOfRangeException(nameof(Coverage), $"Occlusion: coverage must lie in [0, 1], got {Coverage}");
        if (indices.Length != shape[0]) throw new ArgumentException($"Occlusion: batch {shape} needs one index per image, got {indices.Length}");
        int batch = shape[0], height = shape[2], width = shape[3], plane = height * width;
        int min = MinSize > 0 ? MinSize : Math.Max(1, height / 8), max = MaxSize > 0 ? MaxSize : Math.Max(min, height / 4);
        if (min > max || max > Math.Min(height, width))
            throw new ArgumentOutOfRangeException(nameof(MaxSize), $"Occlusion: occluder sizes {min}..{max} must be ordered and fit in {height}×{width}");
        var mask = new float[batch * plane];
        int target = (int)Math.Ceiling(Coverage * plane - 1e-9);
        for (int b = 0; b < batch; b++)
        {
            var image = mask.AsSpan(b * plane, plane);
            var random = StimulusTransforms.ForImage(seed, indices[b]);
            int covered = 0;
            for (int attempt = 0; covered < target && attempt < 100 * plane; attempt++)
                covered += Shape == OccluderShape.Patches
                    ? AddPatch(image, height, width, random.Next(min, max + 1), random.Next(min, max + 1), random)
                    : AddBlob(image, height, width, 0.5 * (min + (max - min) * random.NextDouble()), random);
        }
        return mask;
    }

    /// <summary>Sets a random rectangle to 1; returns how many pixels became covered.</summary>
    private static int AddPatch(Span<float> mask, int height, int width, int h, int w, Random random)
    {
        int top = random.Next(0, height - h + 1), left = random.Next(0, width - w + 1), added = 0;
        for (int y = top; y < top + h; y++)
            for (int x = left; x < left + w; x++)
            {
                ref float m = ref mask[y * width + x];
                if (m < 0.5f) added++;
                m = 1;
            }
        return added;
    }

    /// <summary>Adds a Gaussian blob at a random centre (M = max(M, m)); returns how many pixels crossed ½.</summary>
    private static int AddBlob(Span<float> mask, int height, int width, double sigma, Random random)
    {
        double cy = random.NextDouble() * (height - 1), cx = random.NextDouble() * (width - 1);
        double inverse = 1 / (2 * sigma * sigma);
        int added = 0;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                double d2 = (y - cy) * (y - cy) + (x - cx) * (x - cx);
                float value = (float)Math.Exp(-d2 * inverse);
                ref float m = ref mask[y * width + x];
                if (value > m)
                {
                    if (m < 0.5f && value >= 0.5f) added++;
                    m = value;
                }
            }
        return added;
    }
}
