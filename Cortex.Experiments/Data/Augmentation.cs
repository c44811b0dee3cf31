using Cortex.Core.Tensors;

namespace Cortex.Experiments.Data;

/// <summary>
/// Random shifts: pad each image by <c>k</c> pixels of background and crop a window of the original size at
/// a random offset, i.e. move the image by (dy, dx) with dy, dx uniform in −k..k.
/// </summary>
public static class Augmentation
{
    /// <summary>
    /// destination[c, y, x] = source[c, y − dy, x − dx], and <paramref name="fill"/> where that falls outside
    /// the image. Positive dy moves the content down, positive dx to the right. Shapes are [C, H, W].
    /// </summary>
    public static void Shift(ReadOnlySpan<float> source, Span<float> destination, Shape imageShape, int dy, int dx, float fill)
    {
        int channels = imageShape[0], height = imageShape[1], width = imageShape[2];
        if (source.Length != imageShape.Size || destination.Length != imageShape.Size)
            throw new ArgumentException($"Shift: image {imageShape} needs {imageShape.Size} values, got source {source.Length}, destination {destination.Length}");
        destination.Fill(fill);
        int x0 = Math.Max(0, dx), x1 = Math.Min(width, width + dx);
        if (x1 <= x0) return;
        for (int c = 0; c < channels; c++)
            for (int y = Math.Max(0, dy); y < Math.Min(height, height + dy); y++)
            {
                int to = (c * height + y) * width, from = (c * height + y - dy) * width;
                source.Slice(from + x0 - dx, x1 - x0).CopyTo(destination.Slice(to + x0, x1 - x0));
            }
    }

    /// <summary>Shifts each image of a batch [B, C, H, W] in place by its own random offset in −maxShift..maxShift.</summary>
    public static void RandomShifts(Span<float> images, Shape imageShape, int count, int maxShift, float fill, Random random)
    {
        if (maxShift < 0) throw new ArgumentOutOfRangeException(nameof(maxShift), $"shift augmentation: the largest shift must be ≥ 0, got {maxShift}");
        if (maxShift == 0) return;
        int size = imageShape.Size;
        Span<float> scratch = size <= 4096 ? stackalloc float[size] : new float[size];
        for (int b = 0; b < count; b++)
        {
            int dy = random.Next(-maxShift, maxShift + 1), dx = random.Next(-maxShift, maxShift + 1);
            var image = images.Slice(b * size, size);
            image.CopyTo(scratch);
            Shift(scratch, image, imageShape, dy, dx, fill);
        }
    }
}
