using Cortex.Areas;
using Cortex.Connectivity;

namespace Cortex.Experiments.Benchmarks;

/// <summary>
/// A network's input replaced by a synthetic one of another shape, for benchmarks at the scale a GPU needs (e.g.
/// configs/networks/v1-v2-v4-it.yaml, written for 1×28×28 images, on 3×64×64): the input takes the new channels,
/// height and width, and every spatial area's height and width are scaled by the same factors (28 → 64: 28 → 64,
/// 14 → 32, 7 → 16), which must give whole numbers. Kernels, strides, pooling and upsampling factors stay as written.
/// </summary>
internal static class SyntheticInput
{
    /// <summary>"3x64x64" (or "3×64×64", or "3,64,64") as [C, H, W]; throws ArgumentException naming what is wrong.</summary>
    public static (int Channels, int Height, int Width) Parse(string text)
    {
        var parts = text.Trim().Split(['x', 'X', '×', ','], StringSplitOptions.TrimEntries);
        if (parts.Length != 3 || !parts.All(p => int.TryParse(p, out int v) && v > 0 && v <= 4096))
            throw new ArgumentException($"expected the input shape as CxHxW, e.g. 3x64x64 (each 1 to 4,096), got '{text}'");
        return (int.Parse(parts[0]), int.Parse(parts[1]), int.Parse(parts[2]));
    }

    /// <summary><paramref name="loaded"/> with its input resized (see the class summary), validated again.</summary>
    public static LoadedNetwork Resize(LoadedNetwork loaded, int channels, int height, int width)
    {
        var spec = loaded.Spec;
        var input = spec.Input.Shape;
        if (!input.IsSpatial)
            throw new ArgumentException($"{spec.Name}: its input {input} is not an image [C, H, W]; a synthetic image shape does not apply");
        var areas = spec.Areas.Select(a =>
        {
            if (!a.Shape.IsSpatial) return a;
            if (a.Shape.Height * height % input.Height != 0 || a.Shape.Width * width % input.Width != 0)
                throw new ArgumentException($"{spec.Name}: area {a.Name} {a.Shape} does not scale to whole numbers from an input of " +
                    $"{input.Height}×{input.Width} to {height}×{width}");
            return a with { Shape = AreaShape.Spatial(a.Shape.Channels, a.Shape.Height * height / input.Height, a.Shape.Width * width / input.Width) };
        }).ToList();
        var resized = spec with { Input = spec.Input with { Shape = AreaShape.Spatial(channels, height, width) }, Areas = areas };
        try
        {
            return NetworkLoader.Validate(resized);
        }
        catch (Cortex.Connectivity.Validation.ConfigErrors e)
        {
            throw new ArgumentException($"{spec.Name} at {channels}×{height}×{width}: {string.Join("; ", e.Errors)}");
        }
    }
}
