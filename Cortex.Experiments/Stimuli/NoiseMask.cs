using Cortex.Core.Tensors;
using Cortex.Experiments.Data;

namespace Cortex.Experiments.Stimuli;

/// <summary>
/// A noise mask: every pixel of image i drawn independently from N(μᵢ, sᵢ²), with μᵢ and sᵢ the mean and standard
/// deviation of image i's own pixels (so the mask has the image's brightness and contrast, and no structure). The draws
/// depend only on (seed, i).
/// </summary>
public sealed record NoiseMask : IStimulusTransform
{
    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<float> source, Span<float> destination, Shape shape, int seed, ReadOnlySpan<int> indices)
    {
        var (batch, channels, height, width) = StimulusTransforms.Check("NoiseMask", source, destination, shape, indices);
        int size = channels * height * width;
        for (int b = 0; b < batch; b++)
        {
            var image = source.Slice(b * size, size);
            double sum = 0, squares = 0;
            foreach (float v in image)
            {
                sum += v;
                squares += (double)v * v;
            }
            double mean = sum / size, std = Math.Sqrt(Math.Max(0, squares / size - mean * mean));
            var random = StimulusTransforms.ForImage(seed, indices[b]);
            var mask = destination.Slice(b * size, size);
            for (int i = 0; i < size; i++) mask[i] = (float)(mean + std * random.NextGaussian());
        }
    }
}
