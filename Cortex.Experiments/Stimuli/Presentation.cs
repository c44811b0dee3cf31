using Cortex.Core.Tensors;
using Cortex.Experiments.Data;

namespace Cortex.Experiments.Stimuli;

/// <summary>What the input shows at one time step: the image, a blank, or the image through a transform.</summary>
public sealed record StepStimulus(bool IsBlank, IStimulusTransform? Transform = null)
{
    public static readonly StepStimulus Image = new(false);

    public static readonly StepStimulus Blank = new(true);

    public static StepStimulus Transformed(IStimulusTransform transform) => new(false, transform);

    public override string ToString() => IsBlank ? "blank" : Transform is null ? "image" : Transform.ToString()!;
}

/// <summary>
/// A presentation schedule over time: which stimulus the input carries at each step. Steps are indexed
/// from 0 (step index 0 is t = 1, as the tensors' <c>Step(t)</c>). Three forms: the image at every step;
/// the image for the first k steps, then blank; or an explicit per-step list. A transformed step draws its
/// randomness from (seed, step), so noise can change from step to step.
/// </summary>
public sealed class Presentation
{
    private readonly int? firstSteps;
    private readonly StepStimulus[]? steps;

    private Presentation(int? firstSteps, StepStimulus[]? steps)
    {
        this.firstSteps = firstSteps;
        this.steps = steps;
    }

    /// <summary>The image at every step.</summary>
    public static Presentation EveryStep { get; } = new(null, null);

    /// <summary>The image for steps 0..k−1, then blank.</summary>
    public static Presentation FirstSteps(int k)
    {
        if (k < 0) throw new ArgumentOutOfRangeException(nameof(k), $"presentation: the image must show for ≥ 0 steps, got {k}");
        return new Presentation(k, null);
    }

    /// <summary>An explicit stimulus for each step; asking for a step past the list's end is an error.</summary>
    public static Presentation PerStep(params IReadOnlyList<StepStimulus> steps)
    {
        if (steps.Count == 0) throw new ArgumentException("presentation: the per-step list is empty");
        return new Presentation(null, [.. steps]);
    }

    /// <summary>
    /// Parses "every", "first:K", or a comma-separated list of "image" and "blank" (e.g. "image,image,blank").
    /// </summary>
    public static Presentation Parse(string text)
    {
        string t = text.Trim().ToLowerInvariant();
        if (t is "every" or "all") return EveryStep;
        if (t.StartsWith("first:", StringComparison.Ordinal))
            return int.TryParse(t.AsSpan(6), out int k) && k >= 0 ? FirstSteps(k)
                : throw new ArgumentException($"presentation '{text}': 'first:K' needs a whole number K ≥ 0");
        var list = new List<StepStimulus>();
        foreach (var part in t.Split(',', StringSplitOptions.TrimEntries))
            list.Add(part switch
            {
                "image" => StepStimulus.Image,
                "blank" => StepStimulus.Blank,
                _ => throw new ArgumentException($"presentation '{text}': unknown step '{part}'; allowed: every, first:K, or a list of image|blank"),
            });
        return PerStep(list);
    }

    /// <summary>The stimulus at step index <paramref name="step"/> (from 0).</summary>
    public StepStimulus At(int step)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), $"presentation: step index must be ≥ 0, got {step}");
        if (steps is not null)
            return step < steps.Length ? steps[step]
                : throw new ArgumentOutOfRangeException(nameof(step), $"presentation lists {steps.Length} steps, step index {step} was asked for");
        return firstSteps is { } k && step >= k ? StepStimulus.Blank : StepStimulus.Image;
    }

    /// <summary>
    /// Writes the input for step index <paramref name="step"/> of a batch [B, C, H, W] into
    /// <paramref name="destination"/>: the images, <paramref name="blank"/> everywhere, or the transformed images.
    /// </summary>
    public void Input(int step, ReadOnlySpan<float> images, Shape shape, Span<float> destination, float blank = 0f, int seed = 0)
    {
        if (images.Length != shape.Size || destination.Length != shape.Size)
            throw new ArgumentException($"presentation: batch {shape} needs {shape.Size} values, got images {images.Length}, destination {destination.Length}");
        var stimulus = At(step);
        if (stimulus.IsBlank) destination.Fill(blank);
        else if (stimulus.Transform is { } transform) transform.Apply(images, destination, shape, Seeds.Derive(seed, Seeds.Stimulus, step));
        else images.CopyTo(destination);
    }

    /// <summary>The input for one step as a new array.</summary>
    public float[] Input(int step, ReadOnlySpan<float> images, Shape shape, float blank = 0f, int seed = 0)
    {
        var result = new float[images.Length];
        Input(step, images, shape, result, blank, seed);
        return result;
    }

    public override string ToString() => steps is not null ? string.Join(",", steps.Select(s => s.ToString()))
        : firstSteps is { } k ? $"first:{k}" : "every";
}
