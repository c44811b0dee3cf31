using Cortex.Areas.Options;

namespace Cortex.Experiments.Stimuli;

/// <summary>
/// One kind of mask of the closed set <see cref="MaskKinds"/>: what a <c>first-k-then-mask</c> presentation shows after
/// step k. A mask is made per image from the image as shown (after the condition's transforms), as a stimulus transform
/// of it, seeded by (the condition's seed, the image's index).
/// </summary>
/// <param name="Word">The word (<c>mask:scramble</c>).</param>
/// <param name="Summary">What the mask is, in one line.</param>
/// <param name="Syntax">How it is written, with its options.</param>
/// <param name="Read">Checks the options and returns the mask maker; throws an <see cref="ArgumentException"/> naming what is wrong.</param>
public sealed record MaskKind(string Word, string Summary, string Syntax, Func<StimulusOptions, IStimulusTransform> Read) : IRegistryEntry;
