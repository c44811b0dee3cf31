using Cortex.Core.Tensors;
using Cortex.Experiments.Data;

namespace Cortex.Experiments.Stimuli;

/// <summary>
/// Additive Gaussian noise: x + σ·ε, ε ~ N(0, 1) independently per pixel. With <see cref="Clamp"/> the
/// result is clipped to [<see cref="Low"/>, <see cref="High"/>] (the [0, 1] range of unnormalised pixels). σ = 0 is the
/// identity (without clipping).
/// </summary>
/// <param name="Sigma">σ, in the pixels' units.</param>
/// <param name="Clamp">Whether to clip the result.</param>
/// <param name="Low">The least value after clipping.</param>
/// <param name="High">The largest value after clipping.</param>
public sealed record GaussianNoise(double Sigma, bool Clamp = false, float Low = 0f, float High = 1f) : IStimulusTransform
{
    /// <inheritdoc/>
    public void Apply(ReadOnlySpan<float> source, Span<float> destination, Shape shape, int seed, ReadOnlySpan<int> indices)
    {
        var (batch, channels, height, width) = StimulusTransforms.Check("GaussianNoise", source, destination, shape, indices);
        if (!(Sigma >= 0) || double.IsInfinity(Sigma)) throw new ArgumentOutOfRangeException(nameof(Sigma), $"GaussianNoise: σ must be finite and ≥ 0, got {Sigma}");
        int size = channels * height * width;
        if (Sigma == 0 && !Clamp)
        {
            source.CopyTo(destination);
            return;
        }
        for (int b = 0; b < batch; b++)
        {
            var random = StimulusTransforms.ForImage(seed, indices[b]);
            for (int i = b * size; i < (b + 1) * size; i++)
            {
                float value = source[i] + (float)(Sigma * random.NextGaussian());
                destination[i] = Clamp ? Math.Clamp(value, Low, High) : value;
            }
        }
    }
}
