using Cortex.Connectivity.Spec;

namespace Cortex.Experiments.Data;

/// <summary>
/// Whether a network can read a dataset, checked when the data loads and before anything is built: the input's
/// shape against the images' (channels and size; a vector input must hold one image's values) and each readout's
/// classes against the dataset's. Each problem names the key in the network file and the data.
/// </summary>
public static class DatasetFit
{
    /// <summary>Every reason <paramref name="spec"/> cannot read <paramref name="data"/> (input shape, readout classes), each naming the key and the data; empty when it can.</summary>
    public static IReadOnlyList<string> Problems(NetworkSpec spec, Dataset data)
    {
        var problems = new List<string>();
        var input = spec.Input.Shape;
        var image = data.ImageShape;
        if (input.IsSpatial ? !input.Dimensions.AsSpan().SequenceEqual(image.Dims) : input.Size != image.Size)
        {
            string what = !input.IsSpatial ? $"a vector input needs one image's {image.Size} values"
                : input.Channels != image[0] ? $"{input.Channels} channel{(input.Channels == 1 ? "" : "s")} against the images' {image[0]}"
                : $"{input.Height}×{input.Width} pixels against the images' {image[1]}×{image[2]}";
            problems.Add($"{spec.Input.At("shape")}: {input} does not match the images of {data.Name}, which are {image} ({what})");
        }
        foreach (var readout in spec.Readouts)
            if (readout.Classes != data.ClassNames.Count)
                problems.Add($"{readout.At("classes")}: readout '{readout.Name}' scores {readout.Classes} classes, but {data.Name} has " +
                    $"{data.ClassNames.Count} (labels 0..{data.ClassNames.Count - 1}); a readout needs one score per class");
        return problems;
    }
}
