using Cortex.Areas.Options;
using Cortex.Experiments.Data;

namespace Cortex.Experiments.Stimuli;

/// <summary>
/// One kind of stimulus transform of the closed set <see cref="StimulusKinds"/>: its word, what its level means, its
/// options, and how a level and options become a transform of a dataset's images (the pool the batch's indices refer to:
/// where clutter and debris cut their fragments, and whose background fills occluders).
/// </summary>
/// <param name="Word">The word in a stimulus condition (<c>occlusion</c>).</param>
/// <param name="Summary">What it does, in one line.</param>
/// <param name="Syntax">How it is written, with its level and options (<c>occlusion:F[:size=N|A-B][:blobs]</c>).</param>
/// <param name="Read">Checks a level and options and returns the transform for a pool; throws an <see cref="ArgumentException"/> naming what is wrong.</param>
public sealed record StimulusKind(string Word, string Summary, string Syntax, Func<double, StimulusOptions, Func<Dataset, IStimulusTransform>> Read) : IRegistryEntry;
