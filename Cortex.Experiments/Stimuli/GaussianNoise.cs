using Cortex.Core.Tensors;
using Cortex.Experiments.Data;

namespace Cortex.Experiments.Stimuli;

/// <summary>
/// Additive Gaussian noise: x + σ·ε, ε ~ N(0, 1) independently per pixel. With <see cref="Clamp"/> the
/// result is clipped to [<see cref="Low"/>, <see cref="High"/>] (the [0, 1] range of unnormalised pixels).
/// </summary>
public sealed record GaussianNoise(double Sigma, bool Clamp = false, float Low = 0f, float High = 1f) : IStimulusTransform
{
    public void Apply(ReadOnlySpan<float> source, Span<float> destination, Shape shape, int seed)
    {
        var (batch, channels, height, width) = StimulusTransforms.Check("GaussianNoise", source, destination, shape);
        if (!(Sigma >= 0) || double.IsInfinity(Sigma)) throw new ArgumentOutOfRangeException(nameof(Sigma), $"GaussianNoise: σ must be finite and ≥ 0, got {Sigma}");
        int size = channels * height * width;
        for (int b = 0; b < batch; b++)
        {
            var random = StimulusTransforms.ForImage(seed, b);
            for (int i = b * size; i < (b + 1) * size; i++)
            {
                float value = source[i] + (float)(Sigma * random.NextGaussian());
                destination[i] = Clamp ? Math.Clamp(value, Low, High) : value;
            }
        }
    }
}
