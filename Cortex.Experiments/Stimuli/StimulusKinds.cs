using Cortex.Areas.Options;

namespace Cortex.Experiments.Stimuli;

/// <summary>
/// The closed set of stimulus transforms, one line each; the condition parser, the docs and the tests read this list.
/// A level of 0 is the identity for every kind.
/// </summary>
public static class StimulusKinds
{
    /// <summary>Every kind, in the order they are documented.</summary>
    public static readonly Registry<StimulusKind> All = new("stimulus",
        new("occlusion", "square patches (or Gaussian blobs) in the background value until a fraction F of each image is covered", "occlusion:F[:size=N|A-B][:blobs]",
            (level, o) =>
            {
                Within(o, level, 0, 1, "a fraction F of the image covered, in [0, 1]");
                var size = o.Range("size", 1);
                var shape = o.Flag("blobs") ? OccluderShape.Blobs : OccluderShape.Patches;
                o.Finish("size=N or size=A-B (the side of a patch, or twice the σ of a blob, in pixels; default H/8 to H/4), blobs");
                return pool => new Occlusion(level, shape, pool.Background, size?.Low ?? 0, size?.High ?? 0);
            }),
        new("noise", "additive Gaussian noise of standard deviation σ (pixel units) on every pixel", "noise:σ[:clamp]",
            (level, o) =>
            {
                Within(o, level, 0, double.MaxValue, "σ ≥ 0");
                bool clamp = o.Flag("clamp");
                o.Finish("clamp (clip the result to [0, 1])");
                return _ => new GaussianNoise(level, clamp);
            }),
        new("clutter", "fragments of other images laid over each image, keeping the brighter pixel; D is their area over the image's", "clutter:D[:size=N]",
            (level, o) =>
            {
                Within(o, level, 0, double.MaxValue, "a density D ≥ 0");
                int size = o.Int("size", 1) ?? 0;
                o.Finish("size=N (the side of a fragment; default H/3)");
                return pool => new Clutter(level, size, pool);
            }),
        new("debris", "N fragments of other images pasted over each image, hiding what they cover (digit debris)", "debris:N[:size=S]",
            (level, o) =>
            {
                Within(o, level, 0, 1_000_000, "a whole number N of fragments ≥ 0");
                if (level != Math.Floor(level)) throw new ArgumentException($"stimulus '{o.Item}': the level must be a whole number N of fragments ≥ 0, got {level}");
                int size = o.Int("size", 1) ?? 9;
                o.Finish("size=N (the side of a fragment; default 9)");
                return pool => new Data.DigitDebris((int)level, size, pool);
            }));

    /// <summary>The syntax of every kind, for messages.</summary>
    public static string Syntaxes => string.Join(", ", All.Select(k => k.Syntax));

    private static void Within(StimulusOptions o, double level, double low, double high, string what)
    {
        if (!(level >= low && level <= high) || double.IsInfinity(level))
            throw new ArgumentException($"stimulus '{o.Item}': the level must be {what}, got {level}");
    }
}
