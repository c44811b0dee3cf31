using System.Globalization;
using Cortex.Connectivity;
using Cortex.Connectivity.Spec;
using Cortex.Core.Tensors;
using Cortex.Experiments.Data;

namespace Cortex.Experiments.Stimuli;

/// <summary>
/// What a network is shown, in training or testing: stimulus transforms applied to every image in order (occlusion,
/// noise, clutter, debris: <see cref="StimulusKinds"/>), optionally a presentation over time that replaces the network
/// file's (<c>every-step</c>, <c>first-k</c>, <c>first-k-then-mask</c>), the mask such a presentation shows after step k
/// (<see cref="MaskKinds"/>; scrambled patches unless named), and a seed.
/// <para>
/// Syntax (<see cref="Parse"/>, <see cref="ToString"/>): items joined by <c>+</c> — <c>occlusion:0.4</c>,
/// <c>noise:0.3+first-2-then-mask+mask:noise</c>, <c>debris:10:size=7+seed:3</c>; <c>clean</c> alone is no transform and
/// the network's own presentation.
/// </para>
/// <para>
/// Seeding: image i's randomness in transform k depends only on (seed, round, k, i), and its mask's on (seed, round, i),
/// where i is the image's index in its dataset. Testing uses round 0, so the same test image gets the same occluder in
/// every network, lesion and batch order — paired tests compare like with like; training uses the epoch number (from 1),
/// so an image gets fresh occluders each epoch, reproducibly (a resumed run sees the same ones).
/// </para>
/// </summary>
public sealed class StimulusCondition
{
    /// <summary>The seed of a condition that names none.</summary>
    public const int DefaultSeed = 0;

    /// <summary>Where masks draw their random numbers, apart from the transforms (which use their position 0, 1, …).</summary>
    private const int MaskStream = -1;

    /// <summary>A condition of the given parts.</summary>
    /// <param name="transforms">Applied in order to every image.</param>
    /// <param name="presentation">Replaces the network file's presentation; null keeps it.</param>
    /// <param name="mask">The mask shown after step k under <c>first-k-then-mask</c>; null: <see cref="MaskItem.Default"/>.</param>
    /// <param name="seed">The condition's seed.</param>
    public StimulusCondition(IReadOnlyList<StimulusItem> transforms, Presentation? presentation = null, MaskItem? mask = null, int seed = DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(transforms);
        Transforms = [.. transforms];
        Presentation = presentation;
        MaskGiven = mask is not null;
        Mask = mask ?? MaskItem.Default;
        Seed = seed;
    }

    /// <summary>No transform, the network's own presentation, the default mask and seed.</summary>
    public static StimulusCondition Clean { get; } = new([]);

    /// <summary>The transforms, applied in order.</summary>
    public IReadOnlyList<StimulusItem> Transforms { get; }

    /// <summary>The presentation that replaces the network file's; null keeps the file's.</summary>
    public Presentation? Presentation { get; }

    /// <summary>The mask shown at the steps whose input is a mask.</summary>
    public MaskItem Mask { get; }

    /// <summary>The condition's seed.</summary>
    public int Seed { get; }

    /// <summary>Whether the mask was named (rather than the default).</summary>
    private bool MaskGiven { get; }

    /// <summary>Whether it changes nothing: no transform (or only level-0 ones) and the network's own presentation.</summary>
    public bool IsClean => Transforms.All(t => t.Level == 0) && Presentation is null;

    /// <summary>The same condition without its transforms: the presentation, mask and seed (what a training run tests with).</summary>
    public StimulusCondition WithoutTransforms() => new([], Presentation, MaskGiven ? Mask : null, Seed);

    /// <summary>The syntax's items, for messages.</summary>
    public static string Syntax => $"items joined by '+': {StimulusKinds.Syntaxes}; a presentation ({Presentation.Allowed}); " +
        $"{string.Join(" or ", MaskKinds.All.Select(m => m.Syntax))}; seed:N; or clean alone";

    /// <summary>Reads a condition (see <see cref="StimulusCondition"/>); throws an <see cref="ArgumentException"/> quoting the item at fault.</summary>
    public static StimulusCondition Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.Trim();
        if (trimmed.Length == 0) throw new ArgumentException($"stimulus '{text}': it is empty; {Syntax}");
        if (trimmed == "clean") return Clean;
        var transforms = new List<StimulusItem>();
        Presentation? presentation = null;
        MaskItem? mask = null;
        int? seed = null;
        foreach (var item in trimmed.Split('+', StringSplitOptions.TrimEntries))
        {
            if (item.Length == 0) throw new ArgumentException($"stimulus '{text}': an item between '+' is empty");
            if (item == "clean") throw new ArgumentException($"stimulus '{text}': clean stands alone (it means no transform)");
            if (item.StartsWith("every-step", StringComparison.Ordinal) || item.StartsWith("first-", StringComparison.Ordinal))
            {
                if (presentation is not null) throw new ArgumentException($"stimulus '{text}': two presentations ({presentation}, {item}); give one");
                presentation = Connectivity.Spec.Presentation.TryParse(item, out var p) ? p
                    : throw new ArgumentException($"stimulus '{text}': unknown presentation '{item}'; allowed: {Presentation.Allowed}");
            }
            else if (item.StartsWith("mask:", StringComparison.Ordinal))
            {
                if (mask is not null) throw new ArgumentException($"stimulus '{text}': two masks ({mask}, {item}); give one");
                mask = MaskItem.Parse(item[5..]);
            }
            else if (item.StartsWith("seed:", StringComparison.Ordinal))
            {
                if (seed is not null) throw new ArgumentException($"stimulus '{text}': two seeds; give one");
                seed = int.TryParse(item[5..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int s) ? s
                    : throw new ArgumentException($"stimulus '{text}': '{item}' needs a whole number after 'seed:'");
            }
            else transforms.Add(StimulusItem.Parse(item));
        }
        return new StimulusCondition(transforms, presentation, mask, seed ?? DefaultSeed);
    }

    /// <summary>The condition in its syntax, canonical (transforms in order, then presentation, mask, seed): <c>occlusion:0.4+first-2-then-mask+mask:noise</c>.</summary>
    public override string ToString()
    {
        var items = Transforms.Select(t => t.ToString()).ToList();
        if (Presentation is not null) items.Add(Presentation.ToString());
        if (MaskGiven) items.Add(Mask.ToString());
        if (Seed != DefaultSeed) items.Add($"seed:{Seed.ToString(CultureInfo.InvariantCulture)}");
        return items.Count == 0 ? "clean" : string.Join('+', items);
    }

    /// <summary>
    /// The network as shown under this condition: its presentation replaced by <see cref="Presentation"/> (validated again),
    /// or unchanged when the condition keeps the file's. Build the network from the result.
    /// </summary>
    public LoadedNetwork ApplyTo(LoadedNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (Presentation is null || network.Spec.Input.Presentation == Presentation) return network;
        return NetworkLoader.Validate(network.Spec with { Input = network.Spec.Input with { Presentation = Presentation } });
    }

    /// <summary>
    /// Transforms a batch in place: <paramref name="images"/> [n, C, H, W] holds images <paramref name="indices"/>[0..n) of
    /// <paramref name="pool"/> (fragments of clutter and debris are cut from it; occluders take its background).
    /// <paramref name="round"/>: 0 when testing, the epoch number (from 1) when training.
    /// </summary>
    public void Apply(Dataset pool, ReadOnlySpan<int> indices, Span<float> images, int round = 0)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var shape = pool.ImageShape.Prepend(indices.Length);
        if (images.Length != shape.Size) throw new ArgumentException($"stimulus {this}: {indices.Length} images of {pool.ImageShape} need {shape.Size} values, got {images.Length}");
        float[]? scratch = null;
        for (int k = 0; k < Transforms.Count; k++)
        {
            if (Transforms[k].Level == 0) continue;
            scratch ??= new float[images.Length];
            images.CopyTo(scratch);
            Transforms[k].Create(pool).Apply(scratch, images, shape, Data.Seeds.Derive(Seed, Data.Seeds.Stimulus, round, k), indices);
        }
    }

    /// <summary>A copy of <paramref name="data"/> with every image transformed as a test set (round 0).</summary>
    public Dataset Apply(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (Transforms.All(t => t.Level == 0)) return data;
        var images = (float[])data.Images.Clone();
        Apply(data, [.. Enumerable.Range(0, data.Count)], images);
        return new Dataset($"{data.Name} + {this}", images, data.ImageShape, data.Labels, data.ClassNames, data.Coarse, data.Background);
    }

    /// <summary>
    /// What keeps this condition from being applied to <paramref name="data"/> (a patch or fragment larger than its images,
    /// a mask patch that does not divide them, a pool too small), found by applying it to the first images; null when it fits.
    /// </summary>
    public string? Problem(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.ImageShape.Rank != 3) return $"stimulus {this}: it transforms images [C, H, W], and {data.Name} holds {data.ImageShape}";
        int n = Math.Min(2, data.Count);
        if (n == 0) return null;
        var images = data.Images.AsSpan(0, n * data.ImageShape.Size).ToArray();
        int[] indices = [.. Enumerable.Range(0, n)];
        try
        {
            Apply(data, indices, images);
            MakeMasks(images, new float[images.Length], data.ImageShape, indices);
            return null;
        }
        catch (ArgumentException e)
        {
            return $"stimulus {this} does not fit {data.Name}: {e.Message}";
        }
    }

    /// <summary>
    /// Writes the mask of each image into <paramref name="masks"/> from the images as shown (<paramref name="shown"/>
    /// [n, C, H, W], already transformed), image b being image <paramref name="indices"/>[b] of its set.
    /// </summary>
    public void MakeMasks(ReadOnlySpan<float> shown, Span<float> masks, Shape imageShape, ReadOnlySpan<int> indices, int round = 0)
        => Mask.Maker.Apply(shown, masks, imageShape.Prepend(indices.Length), Data.Seeds.Derive(Seed, Data.Seeds.Stimulus, round, MaskStream), indices);
}
