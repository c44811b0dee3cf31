using Cortex.Areas.Options;

namespace Cortex.Experiments.Stimuli;

/// <summary>The closed set of masks, one line each; the first is the default.</summary>
public static class MaskKinds
{
    /// <summary>Every kind; <see cref="Default"/> first.</summary>
    public static readonly Registry<MaskKind> All = new("mask",
        new("scramble", "the image's own square patches in a random order: its local statistics without its shape", "mask:scramble[:size=P]",
            o =>
            {
                int size = o.Int("size", 1) ?? 0;
                o.Finish("size=P (the side of a patch, dividing the image's height and width; default the largest divisor ≤ H/4)");
                return new ScrambledPatches(size);
            }),
        new("noise", "Gaussian white noise with the image's own mean and standard deviation", "mask:noise",
            o =>
            {
                o.Finish("");
                return new NoiseMask();
            }));

    /// <summary>The mask used when a condition names none: scrambled patches.</summary>
    public static MaskKind Default => All[0];
}
