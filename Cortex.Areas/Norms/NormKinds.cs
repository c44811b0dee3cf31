using Cortex.Areas.Options;

namespace Cortex.Areas.Norms;

/// <summary>The closed set of normalisations (the <c>norm</c> key), one line each.</summary>
public static class NormKinds
{
    /// <summary>Every normalisation, in documentation order.</summary>
    public static readonly Registry<NormKind> All = new("norm",
        new NoNormalisation(),
        new BatchNormalisation(perStep: true),
        new BatchNormalisation(perStep: false),
        new GroupNormalisation());

    /// <summary>The <c>norm</c> key (default none) and the keys of the norm it names.</summary>
    public static NormOptions Read(IOptionReader reader) => (reader.Word("norm", All) ?? All["none"]).Read(reader);

    /// <summary>Writes <c>norm</c> and the norm's own keys.</summary>
    public static void Write(NormOptions norm, IOptionWriter writer)
    {
        writer.Add("norm", norm.Kind.Word);
        norm.Write(writer);
    }

    /// <summary>The documentation row of the <c>norm</c> key.</summary>
    public static OptionKey Key => new("norm", string.Join(" | ", All.Words), "none", "normalisation of the drive before f (docs: Norms)");
}
