namespace Cortex.Experiments.Recording;

/// <summary>
/// A recording in memory: the layout and, per area, float [images, steps, …area shape] in C order. Made by
/// <see cref="StateRecorder.Record"/> or read from a file by <see cref="RecordingFiles.Read"/>; it is also the
/// in-memory <see cref="IRecordingWriter"/>.
/// </summary>
public sealed class RecordedStates : IRecordingWriter
{
    private readonly float[][] values;

    /// <summary>An empty recording of <paramref name="layout"/> (every value 0), to be filled through <see cref="Write"/>.</summary>
    public RecordedStates(RecordingLayout layout)
    {
        layout.Validate();
        Layout = layout;
        values = [.. layout.Areas.Select(a => new float[checked(layout.Count * layout.Steps.Count * a.Size)])];
    }

    /// <summary>A recording of <paramref name="layout"/> with the given values per area ([images, steps, …area shape] each).</summary>
    public RecordedStates(RecordingLayout layout, IReadOnlyList<float[]> areaValues)
    {
        layout.Validate();
        if (areaValues.Count != layout.Areas.Count)
            throw new ArgumentException($"recording of {layout.Network}: {areaValues.Count} arrays for {layout.Areas.Count} areas");
        for (int a = 0; a < areaValues.Count; a++)
        {
            long expected = (long)layout.Count * layout.Steps.Count * layout.Areas[a].Size;
            if (areaValues[a].Length != expected)
                throw new ArgumentException($"recording of {layout.Network}: area {layout.Areas[a].Name} needs {expected} values " +
                    $"([{string.Join(", ", layout.ArrayShape(layout.Areas[a]))}]), got {areaValues[a].Length}");
        }
        Layout = layout;
        values = [.. areaValues];
    }

    /// <summary>What is recorded and where it came from.</summary>
    public RecordingLayout Layout { get; }

    /// <summary>Every value of an area: [images, steps, …area shape].</summary>
    public float[] Values(string area) => values[IndexOf(area)];

    /// <summary>The state of one image at one recorded step: [..area shape].</summary>
    public ReadOnlySpan<float> State(string area, int image, int step)
    {
        int a = IndexOf(area), size = Layout.Areas[a].Size, k = Layout.StepIndex(step);
        if ((uint)image >= (uint)Layout.Count) throw new ArgumentOutOfRangeException(nameof(image), $"image {image} is outside 0..{Layout.Count - 1}");
        return values[a].AsSpan((image * Layout.Steps.Count + k) * size, size);
    }

    /// <summary>The patterns of every image at one step, as rows: [images, area size] (a copy).</summary>
    public float[] Patterns(string area, int step)
    {
        int size = Layout.Area(area).Size;
        var patterns = new float[Layout.Count * size];
        for (int i = 0; i < Layout.Count; i++) State(area, i, step).CopyTo(patterns.AsSpan(i * size, size));
        return patterns;
    }

    /// <inheritdoc/>
    public void Write(int area, int first, int count, ReadOnlySpan<float> block)
    {
        int stride = Layout.Steps.Count * Layout.Areas[area].Size;
        if (block.Length != count * stride)
            throw new ArgumentException($"area {Layout.Areas[area].Name}: {count} images need {count * stride} values, got {block.Length}");
        block.CopyTo(values[area].AsSpan(first * stride, count * stride));
    }

    /// <summary>Nothing to release: the values stay in memory.</summary>
    public void Dispose()
    {
    }

    private int IndexOf(string area)
    {
        for (int a = 0; a < Layout.Areas.Count; a++)
            if (Layout.Areas[a].Name == area) return a;
        throw new ArgumentException($"no area '{area}' was recorded; recorded: {string.Join(", ", Layout.Areas.Select(a => a.Name))}");
    }
}
