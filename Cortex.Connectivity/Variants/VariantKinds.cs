using Cortex.Areas.Options;

namespace Cortex.Connectivity.Variants;

/// <summary>
/// The closed set of variant kinds — baselines generated from any network — one line each. <c>cortex variant</c>, the
/// docs and the tests read this list. Adding a kind touches its file, this list, its tests and one docs row
/// (docs/experiments.md, "Variants").
/// </summary>
public static class VariantKinds
{
    /// <summary>Every variant kind, in documentation order.</summary>
    public static readonly Registry<VariantKind> All = new("variant",
        new FeedforwardVariant(),
        new UntiedVariant(),
        new TiedEveryKVariant(),
        new WiderVariant(),
        new LargerKernelsVariant(),
        new DeeperVariant(),
        new AuxHeadsVariant(),
        new FeedbackAsLateralVariant(),
        new LateralAsFeedbackVariant());

    /// <summary>
    /// The kind a word names, with the settings the word carries: a registered word, or <c>tied-every-N</c> (tied-every-k
    /// with k = N). Null for an unknown word.
    /// </summary>
    public static (VariantKind Kind, int? K)? Parse(string word)
    {
        if (All.Find(word) is { } kind) return (kind, null);
        const string prefix = "tied-every-";
        if (word.StartsWith(prefix, StringComparison.Ordinal) && int.TryParse(word[prefix.Length..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int k))
            return (All["tied-every-k"], k);
        return null;
    }
}
