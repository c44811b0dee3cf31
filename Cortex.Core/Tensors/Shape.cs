namespace Cortex.Core.Tensors;

/// <summary>
/// The extent of a tensor, outermost dimension first. Cortex uses one layout everywhere (row-major,
/// last index fastest): a spatial state at one step is [B, C, H, W], a vector state is [B, N], and a
/// history over time puts time first: [T, B, C, H, W] or [T, B, N]. Weights are [Co, Ci, Kh, Kw] for
/// convolutions and [Out, In] for dense projections.
/// </summary>
public readonly struct Shape : IEquatable<Shape>
{
    private readonly int[] dims;

    public Shape(params int[] dims)
    {
        ArgumentNullException.ThrowIfNull(dims);
        long size = 1;
        foreach (var d in dims)
        {
            if (d <= 0)
                throw new ArgumentOutOfRangeException(nameof(dims), $"shape {Format(dims)}: every dimension must be positive");
            size *= d;
        }
        if (size > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(dims), $"shape {Format(dims)}: {size} elements exceed the 2^31-1 limit of one tensor");
        this.dims = (int[])dims.Clone();
        Size = (int)size;
    }

    /// <summary>Number of elements.</summary>
    public int Size { get; }

    public int Rank => dims?.Length ?? 0;

    public int this[int axis] => axis >= 0 ? dims[axis] : dims[dims.Length + axis];

    public ReadOnlySpan<int> Dims => dims;

    /// <summary>The shape of one slice along the outermost axis: [T, B, …] → [B, …].</summary>
    public Shape Inner => new(dims[1..]);

    /// <summary>Prepends an outer axis: [B, …] with n → [n, B, …].</summary>
    public Shape Prepend(int n) => new([n, .. dims]);

    public bool Equals(Shape other) => Dims.SequenceEqual(other.Dims);

    public override bool Equals(object? obj) => obj is Shape s && Equals(s);

    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var d in Dims) h.Add(d);
        return h.ToHashCode();
    }

    public static bool operator ==(Shape a, Shape b) => a.Equals(b);

    public static bool operator !=(Shape a, Shape b) => !a.Equals(b);

    public override string ToString() => Format(dims ?? []);

    private static string Format(int[] d) => "[" + string.Join(", ", d) + "]";
}
