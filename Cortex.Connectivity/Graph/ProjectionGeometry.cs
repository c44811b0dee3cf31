using Cortex.Connectivity.Spec;

namespace Cortex.Connectivity.Graph;

/// <summary>
/// A projection's resolved geometry: the source after pooling or upsampling (<see cref="Resampled"/>), the
/// transposed convolution's output padding, its weight count and its multiply–accumulates per image per step.
/// </summary>
public readonly record struct ProjectionGeometry(AreaShape Source, AreaShape Resampled, AreaShape Target, int OutputPadding, long Weights, long MacsPerImage)
{
    /// <summary>
    /// Checks that <paramref name="p"/> maps <paramref name="source"/> onto <paramref name="target"/>, returning the geometry,
    /// or null with a message that says what the projection produces and which resampling or stride would fit.
    /// </summary>
    public static ProjectionGeometry? Resolve(ProjectionSpec p, AreaShape source, AreaShape target, out string? error)
    {
        error = null;
        string arrow = $"{p.From} {source} → {p.To} {target}";
        if (p.Connectivity == ConnectivityKind.Dense)
        {
            if (p.Resampling is not (Resampling.None or Resampling.MaxPool or Resampling.AvgPool))
            {
                error = $"{arrow}: a dense projection may pool its source (maxpool, avgpool) but not {Words(p.Resampling)}";
                return null;
            }
            var pooled = source;
            if (p.Resampling != Resampling.None)
            {
                if (!source.IsSpatial || source.Height < p.Factor || source.Width < p.Factor)
                {
                    error = $"{arrow}: {Words(p.Resampling)} (factor {p.Factor}) needs a spatial source at least {p.Factor}×{p.Factor}";
                    return null;
                }
                pooled = AreaShape.Spatial(source.Channels, source.Height / p.Factor, source.Width / p.Factor);
            }
            long dense = pooled.Size * target.Size;
            return new(source, pooled, target, 0, dense, dense);
        }

        if (!source.IsSpatial || !target.IsSpatial)
        {
            error = $"{arrow}: a conv projection connects spatial areas [C, H, W]; {(source.IsSpatial ? p.To : p.From)} is a vector; use connectivity: dense";
            return null;
        }
        long kk = (long)p.Kernel * p.Kernel;
        if (p.Resampling == Resampling.TransposedConv)
        {
            int f = p.Factor;
            int baseH = (source.Height - 1) * f - 2 * p.Padding + p.Kernel, baseW = (source.Width - 1) * f - 2 * p.Padding + p.Kernel;
            int opH = target.Height - baseH, opW = target.Width - baseW;
            if (opH < 0 || opH >= f || opW < 0 || opW >= f || opH != opW)
            {
                error = $"{arrow}: transposed-conv {p.Kernel}×{p.Kernel} factor {f} padding {p.Padding} gives {baseH}×{baseW} to {baseH + f - 1}×{baseW + f - 1}, "
                      + $"{p.To} is {target.Height}×{target.Width}{Fix(p, source, target)}";
                return null;
            }
            long weights = source.Channels * target.Channels * kk;
            return new(source, source, target, opH, weights, weights * source.Height * source.Width);
        }

        var resampled = Resample(p.Resampling, p.Factor, source);
        if (resampled is not { } r)
        {
            error = $"{arrow}: {Words(p.Resampling)} factor {p.Factor} needs a map at least {p.Factor}×{p.Factor}";
            return null;
        }
        var (h, w) = (ConvOut(r.Height, p.Kernel, p.Stride, p.Padding), ConvOut(r.Width, p.Kernel, p.Stride, p.Padding));
        if (h != target.Height || w != target.Width)
        {
            string via = p.Resampling == Resampling.None ? "" : $"{Words(p.Resampling)} (factor {p.Factor}) then ";
            string gives = h > 0 && w > 0 ? $"{h}×{w}" : "nothing (the kernel is larger than the padded map)";
            error = $"{arrow}: {via}conv {p.Kernel}×{p.Kernel} stride {p.Stride} padding {p.Padding} gives {gives}, {p.To} is {target.Height}×{target.Width}{Fix(p, source, target)}";
            return null;
        }
        long convWeights = source.Channels * target.Channels * kk;
        return new(source, r, target, 0, convWeights, convWeights * target.Height * target.Width);
    }

    /// <summary>Output size of a convolution: ⌊(n + 2p − k)/s⌋ + 1, or 0 when the kernel does not fit.</summary>
    public static int ConvOut(int n, int kernel, int stride, int padding)
        => n + 2 * padding < kernel ? 0 : (n + 2 * padding - kernel) / stride + 1;

    private static AreaShape? Resample(Resampling resampling, int factor, AreaShape s) => resampling switch
    {
        Resampling.None => s,
        Resampling.MaxPool or Resampling.AvgPool => s.Height >= factor && s.Width >= factor
            ? AreaShape.Spatial(s.Channels, s.Height / factor, s.Width / factor) : null,
        _ => AreaShape.Spatial(s.Channels, s.Height * factor, s.Width * factor),
    };

    public static string Words(Resampling r) => r switch
    {
        Resampling.None => "none",
        Resampling.MaxPool => "maxpool",
        Resampling.AvgPool => "avgpool",
        Resampling.UpsampleNearest => "upsample-nearest",
        Resampling.UpsampleBilinear => "upsample-bilinear",
        _ => "transposed-conv",
    };

    /// <summary>"; use resample: maxpool (factor 2) or stride: 2" — only options that were checked to fit.</summary>
    private static string Fix(ProjectionSpec p, AreaShape source, AreaShape target)
    {
        int k = p.Kernel, same = k / 2;
        var fits = new List<string>();
        bool Conv(int n, int m, int stride, int pad) => ConvOut(n, k, stride, pad) == m;
        if (Conv(source.Height, target.Height, 1, same) && Conv(source.Width, target.Width, 1, same))
            fits.Add($"resample: none, stride: 1, padding: {same}");
        if (source.Height > target.Height && source.Height % target.Height == 0 && source.Height / target.Height == source.Width / target.Width
            && source.Width % target.Width == 0)
        {
            int f = source.Height / target.Height;
            if (Conv(source.Height / f, target.Height, 1, same) && Conv(source.Width / f, target.Width, 1, same))
                fits.Add($"resample: maxpool (factor {f})");
            if (Conv(source.Height, target.Height, f, same) && Conv(source.Width, target.Width, f, same))
                fits.Add($"stride: {f}");
        }
        if (target.Height > source.Height && target.Height % source.Height == 0 && target.Height / source.Height == target.Width / source.Width
            && target.Width % source.Width == 0)
        {
            int f = target.Height / source.Height;
            if (Conv(source.Height * f, target.Height, 1, same) && Conv(source.Width * f, target.Width, 1, same))
                fits.Add($"resample: upsample-nearest or upsample-bilinear (factor {f})");
            fits.Add($"resample: transposed-conv (factor {f})");
        }
        return fits.Count == 0
            ? "; no pooling, upsampling or stride maps one onto the other: change a shape, or use connectivity: dense"
            : $"; use {string.Join(" or ", fits)}";
    }
}
