using Cortex.Core.Tensors;

namespace Cortex.Experiments.Stimuli;

/// <summary>
/// A stimulus transform: a pure function of a batch of images [B, C, H, W], a seed and each image's index in its
/// dataset. The source is never changed; image b's randomness depends only on (seed, indices[b]) — not on its place in
/// the batch, the batch's size or the other images — so an image gets the same occluder whichever batch or order it
/// comes in, and a paired comparison between conditions sees the same stimuli. A level of 0 is the identity.
/// </summary>
public interface IStimulusTransform
{
    /// <summary>Writes the transformed batch into <paramref name="destination"/> (same length as the source); <paramref name="indices"/>[b] is image b's index in its dataset.</summary>
    void Apply(ReadOnlySpan<float> source, Span<float> destination, Shape shape, int seed, ReadOnlySpan<int> indices);
}
