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

    /// <summary>A shape of the given dimensions, outermost first (the array is copied).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is ≤ 0, or the product exceeds 2³¹ − 1 elements.</exception>
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

    /// <summary>Number of dimensions.</summary>
    public int Rank => dims?.Length ?? 0;

    /// <summary>The extent along <paramref name="axis"/>; a negative axis counts from the end (−1 is the innermost).</summary>
    public int this[int axis] => axis >= 0 ? dims[axis] : dims[dims.Length + axis];

    /// <summary>The dimensions, outermost first.</summary>
    public ReadOnlySpan<int> Dims => dims;

    /// <summary>The shape of one slice along the outermost axis: [T, B, …] → [B, …].</summary>
    public Shape Inner => new(dims[1..]);

    /// <summary>Prepends an outer axis: [B, …] with n → [n, B, …].</summary>
    public Shape Prepend(int n) => new([n, .. dims]);

    /// <summary>Whether both shapes have the same dimensions in the same order.</summary>
    public bool Equals(Shape other) => Dims.SequenceEqual(other.Dims);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Shape s && Equals(s);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var d in Dims) h.Add(d);
        return h.ToHashCode();
    }

    /// <summary>Whether <paramref name="a"/> and <paramref name="b"/> have the same dimensions.</summary>
    public static bool operator ==(Shape a, Shape b) => a.Equals(b);

    /// <summary>Whether <paramref name="a"/> and <paramref name="b"/> differ in rank or in a dimension.</summary>
    public static bool operator !=(Shape a, Shape b) => !a.Equals(b);

    /// <summary>The dimensions in brackets, e.g. <c>[128, 32, 28, 28]</c>.</summary>
    public override string ToString() => Format(dims ?? []);

    private static string Format(int[] d) => "[" + string.Join(", ", d) + "]";
}
