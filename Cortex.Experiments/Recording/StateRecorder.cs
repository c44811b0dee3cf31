using System.Text.Json;
using System.Text.Json.Serialization;
using Cortex.Connectivity;
using Cortex.Connectivity.Reading;
using Cortex.Core.Simulation;
using Cortex.Experiments.Data;
using Cortex.Experiments.Stimuli;

namespace Cortex.Experiments.Recording;

/// <summary>
/// Runs a trained network on images in inference mode (running normalisation statistics) and records the state h(t)
/// of chosen areas at chosen steps, batch by batch, into an <see cref="IRecordingWriter"/>:
/// <code>
/// var layout = StateRecorder.Plan(network, loaded, test, images: [.. Enumerable.Range(0, 500)], areas: ["V1", "IT"]);
/// using (var writer = RecordingFiles.Create(RecordingFormat.Hdf5, "states.h5", layout))
///     StateRecorder.Run(network, test, layout, writer);
/// </code>
/// </summary>
public static class StateRecorder
{
    /// <summary>
    /// The layout of a recording: <paramref name="images"/> are indices into <paramref name="data"/>; <paramref name="areas"/>
    /// defaults to every area, <paramref name="steps"/> to 1 … T. The network's resolved config and ledger come from
    /// <paramref name="loaded"/>, the network file it was built from.
    /// </summary>
    public static RecordingLayout Plan(Network<float> network, LoadedNetwork loaded, Dataset data, IReadOnlyList<int> images,
        IReadOnlyList<string>? areas = null, IReadOnlyList<int>? steps = null)
    {
        var program = network.Program;
        if (!data.ImageShape.Dims.SequenceEqual(program.InputShape))
            throw new ArgumentException($"{network.Name} takes images of [{string.Join(", ", program.InputShape)}], but {data.Name} has images of {data.ImageShape}");
        foreach (int i in images)
            if ((uint)i >= (uint)data.Count) throw new ArgumentOutOfRangeException(nameof(images), $"image {i} is outside {data.Name}'s 0..{data.Count - 1}");
        if (images.Count == 0) throw new ArgumentException("no images to record");
        var chosen = new List<RecordedArea>();
        foreach (string name in areas ?? network.AreaNames)
        {
            var area = program.Areas.FirstOrDefault(a => a.Name == name)
                ?? throw new ArgumentException($"{network.Name} has no area '{name}'; its areas: {string.Join(", ", network.AreaNames)}");
            chosen.Add(new RecordedArea(area.Name, [.. area.Shape]));
        }
        var recorded = steps ?? [.. Enumerable.Range(1, network.Steps)];
        foreach (int t in recorded)
            if (t < 0 || t > network.Steps) throw new ArgumentOutOfRangeException(nameof(steps), $"step {t} is outside {network.Name}'s 0..{network.Steps} (0: the initial state)");
        var layout = new RecordingLayout
        {
            Network = network.Name,
            Config = NetworkWriter.Write(loaded.Spec),
            Ledger = JsonSerializer.Serialize(loaded.Ledger, LedgerJson),
            Dataset = data.Name,
            Areas = chosen,
            Steps = [.. recorded.Distinct().Order()],
            Images = [.. images],
            Labels = [.. images.Select(i => data.Labels[i])],
            ClassNames = [.. data.ClassNames],
        };
        layout.Validate();
        return layout;
    }

    /// <summary>
    /// Runs the images of <paramref name="layout"/> through the network in batches of <paramref name="batchSize"/> (the last
    /// batch padded with blank images, whose states are dropped) and writes each area's states to <paramref name="writer"/>.
    /// The images are shown as <paramref name="stimulus"/> says (null: clean), which also makes the masks of a network whose
    /// presentation shows one.
    /// </summary>
    public static void Run(Network<float> network, Dataset data, RecordingLayout layout, IRecordingWriter writer, int batchSize = 100,
        StimulusCondition? stimulus = null)
    {
        stimulus ??= StimulusCondition.Clean;
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch size must be ≥ 1, got {batchSize}");
        batchSize = Math.Min(batchSize, layout.Count);
        int imageSize = data.ImageShape.Size, steps = layout.Steps.Count;
        var input = new float[batchSize * imageSize];
        var masks = network.ShowsMask ? new float[input.Length] : [];
        var state = new float[layout.Areas.Max(a => a.Size) * batchSize];
        var block = new float[layout.Areas.Max(a => a.Size) * batchSize * steps];
        for (int first = 0; first < layout.Count; first += batchSize)
        {
            int count = Math.Min(batchSize, layout.Count - first);
            Array.Fill(input, data.Background);
            for (int b = 0; b < count; b++) data.Image(layout.Images[first + b]).CopyTo(input.AsSpan(b * imageSize, imageSize));
            int[] indices = [.. layout.Images.Skip(first).Take(count)];
            stimulus.Apply(data, indices, input.AsSpan(0, count * imageSize));
            if (network.ShowsMask) stimulus.MakeMasks(input.AsSpan(0, count * imageSize), masks.AsSpan(0, count * imageSize), data.ImageShape, indices);
            network.Forward(input, masks, batchSize, training: false);
            for (int a = 0; a < layout.Areas.Count; a++)
            {
                var area = layout.Areas[a];
                int size = area.Size;
                for (int k = 0; k < steps; k++)
                {
                    network.Backend.Download(network.State(area.Name, layout.Steps[k]), state.AsSpan(0, batchSize * size));   // [B, …area]
                    for (int b = 0; b < count; b++)
                        state.AsSpan(b * size, size).CopyTo(block.AsSpan((b * steps + k) * size, size));
                }
                writer.Write(a, first, count, block.AsSpan(0, count * steps * size));   // [count, S, …area]
            }
        }
    }

    /// <summary>Plans and runs a recording into memory.</summary>
    public static RecordedStates Record(Network<float> network, LoadedNetwork loaded, Dataset data, IReadOnlyList<int> images,
        IReadOnlyList<string>? areas = null, IReadOnlyList<int>? steps = null, int batchSize = 100, StimulusCondition? stimulus = null)
    {
        var recording = new RecordedStates(Plan(network, loaded, data, images, areas, steps));
        Run(network, data, recording.Layout, recording, batchSize, stimulus);
        return recording;
    }

    private static readonly JsonSerializerOptions LedgerJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };
}
