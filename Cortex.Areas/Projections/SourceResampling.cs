using System.Numerics;
using Cortex.Areas.Options;
using Cortex.Core.Kernels;
using Cortex.Core.Tensors;

namespace Cortex.Areas.Projections;

/// <summary>How a source is resampled before it is read (the <c>resample</c> key).</summary>
public enum ResampleKind
{
    /// <summary>Read as it is.</summary>
    None,

    /// <summary>Max pooling (windows of <c>pool_window</c>, stride <c>factor</c>, padding <c>pool_padding</c>).</summary>
    MaxPool,

    /// <summary>Average pooling (same windows; padding is not counted in the mean).</summary>
    AvgPool,

    /// <summary>Nearest-neighbour upsampling by <c>factor</c>.</summary>
    UpsampleNearest,

    /// <summary>Bilinear upsampling by <c>factor</c> (align_corners = false).</summary>
    UpsampleBilinear,
}

/// <summary>
/// Pooling or upsampling of a source before a connection reads it (conv and dense projections, and readouts): the
/// <c>resample</c>, <c>factor</c>, <c>pool_window</c> and <c>pool_padding</c> keys. A pool's window defaults to the
/// factor and its padding to 0 (windows of 2, stride 2); CORnet-Z's overlapping pools are window 3, stride 2, padding 1.
/// Backward adds into the source's gradient, or writes it.
/// </summary>
/// <param name="Kind">What is done.</param>
/// <param name="Factor">The pool stride or the upsampling factor (1 without resampling).</param>
/// <param name="Window">The pool window (equal to the factor unless given).</param>
/// <param name="Padding">The pool padding.</param>
public sealed record SourceResampling(ResampleKind Kind, int Factor, int Window, int Padding)
{
    private static readonly string[] Words = ["none", "maxpool", "avgpool", "upsample-nearest", "upsample-bilinear"];

    /// <summary>No resampling.</summary>
    public static readonly SourceResampling None = new(ResampleKind.None, 1, 1, 0);

    /// <summary>Whether the source is read as it is.</summary>
    public bool IsNone => Kind == ResampleKind.None;

    /// <summary>Whether it pools.</summary>
    public bool Pools => Kind is ResampleKind.MaxPool or ResampleKind.AvgPool;

    /// <summary>The word of <see cref="Kind"/> as written in files.</summary>
    public string Word => Words[(int)Kind];

    /// <summary>The documentation rows of its keys; <paramref name="upsampling"/>: whether upsampling is offered.</summary>
    public static IReadOnlyList<OptionKey> Keys(bool upsampling) =>
    [
        new("resample", upsampling ? string.Join(" | ", Words) : "none | maxpool | avgpool", "none", "pooling or upsampling of the source before it is read"),
        new("factor", "integer ≥ 2", "2 when resampling", "pool stride, or upsampling factor"),
        new("pool_window", "integer ≥ 1", "factor", "the pooling window (maxpool, avgpool)"),
        new("pool_padding", "integer ≥ 0, < pool_window", "0", "zero padding of the pooled map (max pooling never picks it; average pooling does not count it)"),
    ];

    /// <summary>Reads the keys; <paramref name="upsampling"/>: whether upsampling is allowed here.</summary>
    public static SourceResampling Read(IOptionReader reader, bool upsampling)
    {
        var allowed = upsampling ? Words : Words[..3];
        int? choice = reader.Choice("resample", allowed);
        var kind = (ResampleKind)(choice ?? 0);
        int factor = reader.Int("factor", 2, what: "factor (a resampling factor)") ?? (kind == ResampleKind.None ? 1 : 2);
        if (kind == ResampleKind.None && reader.Has("factor") && (choice is not null || !reader.Has("resample")))
        {
            reader.Error("factor", $"factor is given without resample; set resample: {string.Join(", ", allowed.Skip(1))}");
            factor = 1;
        }
        bool pools = kind is ResampleKind.MaxPool or ResampleKind.AvgPool;
        foreach (var key in new[] { "pool_window", "pool_padding" })
            if (!pools && reader.Has(key)) reader.Error(key, $"{key} applies to resample: maxpool or avgpool");
        int window = (pools ? reader.Int("pool_window", 1) : null) ?? factor;
        int padding = (pools ? reader.Int("pool_padding", 0) : null) ?? 0;
        if (pools && padding >= window)
        {
            reader.Error("pool_padding", $"pool_padding must be less than pool_window ({window}), got {padding}");
            padding = 0;
        }
        return new SourceResampling(kind, factor, window, padding);
    }

    /// <summary>Writes the keys that apply.</summary>
    public void Write(IOptionWriter writer)
    {
        writer.Add("resample", Word);
        if (IsNone) return;
        writer.Add("factor", Factor.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!Pools) return;
        writer.Add("pool_window", Window.ToString(System.Globalization.CultureInfo.InvariantCulture));
        writer.Add("pool_padding", Padding.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>The shape after resampling, or null with a reason (a map too small for the window, a vector source).</summary>
    public AreaShape? Apply(AreaShape source, out string? error)
    {
        error = null;
        if (IsNone) return source;
        if (!source.IsSpatial)
        {
            error = $"{Word} needs a spatial source [C, H, W], not a vector";
            return null;
        }
        if (!Pools) return AreaShape.Spatial(source.Channels, Upsample.OutputSize(source.Height, Factor), Upsample.OutputSize(source.Width, Factor));
        if (source.Height + 2 * Padding < Window || source.Width + 2 * Padding < Window)
        {
            error = $"{Word} (window {Window}, padding {Padding}) needs a map at least {Window - 2 * Padding}×{Window - 2 * Padding}";
            return null;
        }
        return AreaShape.Spatial(source.Channels, Pool2d.OutputSize(source.Height, Window, Factor, Padding), Pool2d.OutputSize(source.Width, Window, Factor, Padding));
    }

    /// <summary>"maxpool 3/2/1" style, for the ledger; empty when none.</summary>
    public string Describe() => IsNone ? "" : Pools
        ? (Window == Factor && Padding == 0 ? $" {Word}×{Factor}" : $" {Word} {Window}×{Window} s{Factor} p{Padding}")
        : $" {Word}×{Factor}";

    /// <summary>resampled = R(source).</summary>
    public void Forward<T>(Tensor<T> source, Tensor<T> resampled) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (Kind)
        {
            case ResampleKind.MaxPool: Pool2d.MaxForward(source, resampled, Window, Factor, Padding); break;
            case ResampleKind.AvgPool: Pool2d.AvgForward(source, resampled, Window, Factor, Padding); break;
            case ResampleKind.UpsampleNearest: Upsample.NearestForward(source, resampled); break;
            case ResampleKind.UpsampleBilinear: Upsample.BilinearForward(source, resampled); break;
            default: throw new InvalidOperationException("no resampling to run");
        }
    }

    /// <summary>dSource += ∂L/∂source given ∂L/∂resampled (dSource = … when not <paramref name="accumulate"/>).</summary>
    public void Backward<T>(Tensor<T> source, Tensor<T> resampled, Tensor<T> dResampled, Tensor<T> dSource, bool accumulate) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (Kind)
        {
            case ResampleKind.MaxPool: Pool2d.MaxBackward(source, resampled, dResampled, dSource, Window, Factor, Padding, accumulate); break;
            case ResampleKind.AvgPool: Pool2d.AvgBackward(dResampled, dSource, Window, Factor, Padding, accumulate); break;
            case ResampleKind.UpsampleNearest: Upsample.NearestBackward(dResampled, dSource, accumulate); break;
            case ResampleKind.UpsampleBilinear: Upsample.BilinearBackward(dResampled, dSource, accumulate); break;
            default: throw new InvalidOperationException("no resampling to run");
        }
    }
}
