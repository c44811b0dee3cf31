namespace Cortex.Experiments.Recording;

/// <summary>One recorded area: its name and the shape of its state for one image, [C, H, W] or [N].</summary>
/// <param name="Name">The area's name in the network file (V1, V2, …).</param>
/// <param name="Shape">The state of one image at one step: [C, H, W] for a spatial area, [N] for a vector area.</param>
public sealed record RecordedArea(string Name, int[] Shape)
{
    /// <summary>Values of one image at one step: C·H·W or N.</summary>
    public int Size => Shape.Aggregate(1, (a, d) => checked(a * d));
}

/// <summary>
/// What a recording holds and where it came from. Each area is recorded as float32 [images, steps, …area shape],
/// in C order: image i at the k-th recorded step is block (i·S + k) of <see cref="RecordedArea.Size"/> values.
/// </summary>
public sealed record RecordingLayout
{
    /// <summary>The network's name.</summary>
    public required string Network { get; init; }

    /// <summary>The network's resolved configuration, as YAML text (every default written out).</summary>
    public required string Config { get; init; }

    /// <summary>The network's ledger (neurons, synapses, synaptic operations, effective depth) as JSON text.</summary>
    public required string Ledger { get; init; }

    /// <summary>The name of the dataset the images came from.</summary>
    public required string Dataset { get; init; }

    /// <summary>The recorded areas, in the order asked for.</summary>
    public required IReadOnlyList<RecordedArea> Areas { get; init; }

    /// <summary>The recorded time steps (1-based, as in <c>Network.State(area, step)</c>; 0 is the initial state), in order.</summary>
    public required IReadOnlyList<int> Steps { get; init; }

    /// <summary>Each recorded image's index in the dataset, [images].</summary>
    public required IReadOnlyList<int> Images { get; init; }

    /// <summary>Each recorded image's class label, [images].</summary>
    public required IReadOnlyList<int> Labels { get; init; }

    /// <summary>The dataset's class names; labels index into them.</summary>
    public required IReadOnlyList<string> ClassNames { get; init; }

    /// <summary>The number of recorded images.</summary>
    public int Count => Images.Count;

    /// <summary>The recorded area called <paramref name="name"/>; a clear error naming the recorded areas when absent.</summary>
    public RecordedArea Area(string name) => Areas.FirstOrDefault(a => a.Name == name)
        ?? throw new ArgumentException($"no area '{name}' was recorded; recorded: {string.Join(", ", Areas.Select(a => a.Name))}");

    /// <summary>The position of <paramref name="step"/> among <see cref="Steps"/>; a clear error when it was not recorded.</summary>
    public int StepIndex(int step)
    {
        for (int k = 0; k < Steps.Count; k++)
            if (Steps[k] == step) return k;
        throw new ArgumentException($"step {step} was not recorded; recorded steps: {string.Join(", ", Steps)}");
    }

    /// <summary>The shape of an area's array in a file: [images, steps, …area shape].</summary>
    public long[] ArrayShape(RecordedArea area) => [Count, Steps.Count, .. area.Shape.Select(d => (long)d)];

    /// <summary>Checks that the parts agree (as many labels as images, steps in increasing order, names unique).</summary>
    public void Validate()
    {
        if (Labels.Count != Images.Count)
            throw new ArgumentException($"recording of {Network}: {Images.Count} images but {Labels.Count} labels");
        if (Areas.Count == 0) throw new ArgumentException($"recording of {Network}: no areas");
        if (Steps.Count == 0) throw new ArgumentException($"recording of {Network}: no steps");
        for (int k = 1; k < Steps.Count; k++)
            if (Steps[k] <= Steps[k - 1]) throw new ArgumentException($"recording of {Network}: steps must increase, got {string.Join(", ", Steps)}");
        if (Areas.Select(a => a.Name).Distinct().Count() != Areas.Count)
            throw new ArgumentException($"recording of {Network}: an area is named twice in {string.Join(", ", Areas.Select(a => a.Name))}");
        foreach (int label in Labels)
            if ((uint)label >= (uint)ClassNames.Count)
                throw new ArgumentException($"recording of {Network}: label {label} is outside the {ClassNames.Count} classes");
    }
}
