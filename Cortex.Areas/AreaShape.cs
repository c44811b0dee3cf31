namespace Cortex.Areas;

/// <summary>
/// The shape of an area or of the input: spatial [C, H, W] or vector [N] (held as C = N, H = W = 1).
/// <see cref="Unknown"/> stands for a shape that could not be read (the file then has an error).
/// </summary>
public readonly record struct AreaShape(int Channels, int Height, int Width, bool IsSpatial)
{
    public static AreaShape Spatial(int channels, int height, int width) => new(channels, height, width, true);
    public static AreaShape Vector(int n) => new(n, 1, 1, false);
    public static readonly AreaShape Unknown = new(0, 0, 0, false);

    public bool IsKnown => Channels > 0;

    /// <summary>Neurons (or input values): C·H·W, or N.</summary>
    public long Size => (long)Channels * Height * Width;

    /// <summary>[C, H, W] or [N], as written in a network file.</summary>
    public int[] Dimensions => IsSpatial ? [Channels, Height, Width] : [Channels];

    public override string ToString() => IsKnown ? $"[{string.Join(", ", Dimensions)}]" : "[?]";
}
