namespace Cortex.Experiments.Statistics;

/// <summary>
/// What one readout did on every test image at each of its read steps: the predicted class (the arg-max of the
/// logits, the first one on ties), the confidence (the top softmax probability, stored as a float) and — through
/// <see cref="Label"/> — whether the prediction is correct. Steps are 1-based step numbers (t = 1..T), or head
/// numbers for a feedforward network with auxiliary heads. Every (step, image) entry starts as class 0 with
/// confidence 0 and is filled by <see cref="Set"/> or <see cref="SetFromLogits"/>.
/// </summary>
public sealed class ReadoutOutcomes
{
    /// <summary>The most classes a readout may have (classes are stored as 16-bit numbers).</summary>
    public const int MaxClasses = ushort.MaxValue + 1;

    private readonly int[] steps;
    private readonly ushort[] labels;      // [N]
    private readonly ushort[] predicted;   // [S, N]
    private readonly float[] confidence;   // [S, N]

    /// <summary>An empty record for <paramref name="labels"/>.Count images, to be filled step by step.</summary>
    /// <param name="name">The readout's name (as in the network file).</param>
    /// <param name="classes">How many classes it tells apart.</param>
    /// <param name="steps">Its read steps, strictly increasing, from 1.</param>
    /// <param name="labels">The true class of each test image for this readout, in test-set order.</param>
    public ReadoutOutcomes(string name, int classes, IReadOnlyList<int> steps, IReadOnlyList<int> labels)
        : this(name, classes, [.. steps], ToLabels(labels, classes, name), null, null)
    {
    }

    /// <summary>A record with every entry given (the file reader); <paramref name="predicted"/> and <paramref name="confidence"/> are [S, N].</summary>
    internal ReadoutOutcomes(string name, int classes, int[] steps, ushort[] labels, ushort[]? predicted, float[]? confidence)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("a readout needs a name", nameof(name));
        if (classes < 1 || classes > MaxClasses) throw new ArgumentOutOfRangeException(nameof(classes), $"readout '{name}': {classes} classes; 1 to {MaxClasses} are allowed");
        if (steps.Length == 0) throw new ArgumentException($"readout '{name}' has no read steps", nameof(steps));
        for (int s = 0; s < steps.Length; s++)
            if (steps[s] < 1 || (s > 0 && steps[s] <= steps[s - 1]))
                throw new ArgumentException($"readout '{name}': read steps must be step numbers from 1, strictly increasing; got [{string.Join(", ", steps)}]", nameof(steps));
        Name = name;
        Classes = classes;
        this.steps = steps;
        this.labels = labels;
        long entries = (long)steps.Length * labels.Length;
        if (entries > Array.MaxLength) throw new ArgumentException($"readout '{name}': {steps.Length} steps × {labels.Length} images is too many entries");
        this.predicted = predicted ?? new ushort[entries];
        this.confidence = confidence ?? new float[entries];
        if (this.predicted.Length != entries || this.confidence.Length != entries)
            throw new ArgumentException($"readout '{name}': {steps.Length} steps × {labels.Length} images need {entries} entries");
    }

    /// <summary>The readout's name.</summary>
    public string Name { get; }

    /// <summary>How many classes it tells apart.</summary>
    public int Classes { get; }

    /// <summary>Its read steps (1-based step numbers, strictly increasing).</summary>
    public IReadOnlyList<int> Steps => steps;

    /// <summary>How many test images.</summary>
    public int Images => labels.Length;

    /// <summary>The true class of image <paramref name="image"/> for this readout.</summary>
    public int Label(int image) => labels[image];

    /// <summary>The position of step <paramref name="step"/> among the read steps (0-based).</summary>
    public int StepIndex(int step)
    {
        int index = Array.IndexOf(steps, step);
        return index >= 0 ? index : throw new ArgumentOutOfRangeException(nameof(step), $"readout '{Name}' does not read at step {step}; it reads at steps {string.Join(", ", steps)}");
    }

    /// <summary>Records that at step <paramref name="step"/> the readout predicted <paramref name="predictedClass"/> for image <paramref name="image"/> with top probability <paramref name="topProbability"/>.</summary>
    public void Set(int step, int image, int predictedClass, double topProbability)
    {
        if ((uint)predictedClass >= (uint)Classes) throw new ArgumentOutOfRangeException(nameof(predictedClass), $"readout '{Name}': class {predictedClass} outside 0..{Classes - 1}");
        if (!(topProbability >= 0 && topProbability <= 1)) throw new ArgumentOutOfRangeException(nameof(topProbability), $"readout '{Name}': confidence {topProbability} at step {step}, image {image}; it must be a probability");
        int at = Entry(step, image);
        predicted[at] = (ushort)predictedClass;
        confidence[at] = (float)topProbability;
    }

    /// <summary>
    /// Records the prediction of image <paramref name="image"/> at step <paramref name="step"/> from its logits
    /// (<see cref="Classes"/> values): the first arg-max, and the top softmax probability 1 / Σ exp(zₖ − max z) in double precision.
    /// </summary>
    public void SetFromLogits(int step, int image, ReadOnlySpan<float> logits)
    {
        if (logits.Length != Classes) throw new ArgumentException($"readout '{Name}': {logits.Length} logits for {Classes} classes", nameof(logits));
        int best = 0;
        for (int k = 1; k < logits.Length; k++)
            if (logits[k] > logits[best]) best = k;
        double max = logits[best], z = 0;
        for (int k = 0; k < logits.Length; k++) z += Math.Exp(logits[k] - max);
        if (!double.IsFinite(z)) throw new ArgumentException($"readout '{Name}': logits at step {step}, image {image} are not finite", nameof(logits));
        Set(step, image, best, 1 / z);
    }

    /// <summary>The class predicted for image <paramref name="image"/> at step <paramref name="step"/>.</summary>
    public int Predicted(int step, int image) => predicted[Entry(step, image)];

    /// <summary>The top probability for image <paramref name="image"/> at step <paramref name="step"/>.</summary>
    public float Confidence(int step, int image) => confidence[Entry(step, image)];

    /// <summary>Whether image <paramref name="image"/> is classified correctly at step <paramref name="step"/>.</summary>
    public bool Correct(int step, int image) => predicted[Entry(step, image)] == labels[image];

    /// <summary>Correctness of every image at step <paramref name="step"/>, in test-set order.</summary>
    public bool[] CorrectAt(int step)
    {
        int row = StepIndex(step) * Images;
        var correct = new bool[Images];
        for (int i = 0; i < correct.Length; i++) correct[i] = predicted[row + i] == labels[i];
        return correct;
    }

    /// <summary>The fraction of images classified correctly at step <paramref name="step"/>, in [0, 1].</summary>
    public double Accuracy(int step)
    {
        if (Images == 0) throw new InvalidOperationException($"readout '{Name}' has no images to score");
        return CorrectAt(step).Count(c => c) / (double)Images;
    }

    /// <summary>Whether the labels of this readout equal those of <paramref name="other"/> (the same test images, as far as the labels tell).</summary>
    public bool SameLabels(ReadoutOutcomes other) => labels.AsSpan().SequenceEqual(other.labels);

    internal ReadOnlySpan<int> StepArray => steps;

    internal ReadOnlySpan<ushort> LabelArray => labels;

    internal ReadOnlySpan<ushort> PredictedArray => predicted;

    internal ReadOnlySpan<float> ConfidenceArray => confidence;

    private int Entry(int step, int image)
    {
        if ((uint)image >= (uint)Images) throw new ArgumentOutOfRangeException(nameof(image), $"readout '{Name}': image {image} outside 0..{Images - 1}");
        return StepIndex(step) * Images + image;
    }

    private static ushort[] ToLabels(IReadOnlyList<int> labels, int classes, string name)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var result = new ushort[labels.Count];
        for (int i = 0; i < result.Length; i++)
            result[i] = labels[i] >= 0 && labels[i] < classes && labels[i] < MaxClasses
                ? (ushort)labels[i]
                : throw new ArgumentException($"readout '{name}': label {labels[i]} of image {i} is outside its {classes} classes", nameof(labels));
        return result;
    }
}
