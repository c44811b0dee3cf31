namespace Cortex.Areas;

/// <summary>
/// The shape of an area or of the input: spatial [C, H, W] or vector [N] (held as C = N, H = W = 1).
/// <see cref="Unknown"/> stands for a shape that could not be read (the file then has an error).
/// </summary>
public readonly record struct AreaShape(int Channels, int Height, int Width, bool IsSpatial)
{
    /// <summary>A spatial shape [C, H, W]: <paramref name="channels"/> feature maps of <paramref name="height"/> × <paramref name="width"/> neurons.</summary>
    public static AreaShape Spatial(int channels, int height, int width) => new(channels, height, width, true);
    /// <summary>A vector shape [N]: <paramref name="n"/> neurons with no spatial layout (held as C = N, H = W = 1).</summary>
    public static AreaShape Vector(int n) => new(n, 1, 1, false);
    /// <summary>The shape of an area whose shape could not be read or inferred; its <see cref="Size"/> is 0 and it prints as <c>[?]</c>.</summary>
    public static readonly AreaShape Unknown = new(0, 0, 0, false);

    /// <summary>Whether the shape was read (every size positive), as opposed to <see cref="Unknown"/>.</summary>
    public bool IsKnown => Channels > 0;

    /// <summary>Neurons (or input values): C·H·W, or N.</summary>
    public long Size => (long)Channels * Height * Width;

    /// <summary>[C, H, W] or [N], as written in a network file.</summary>
    public int[] Dimensions => IsSpatial ? [Channels, Height, Width] : [Channels];

    /// <summary>The shape as a network file writes it, <c>[32, 28, 28]</c> or <c>[10]</c>; <c>[?]</c> when unknown.</summary>
    public override string ToString() => IsKnown ? $"[{string.Join(", ", Dimensions)}]" : "[?]";
}
