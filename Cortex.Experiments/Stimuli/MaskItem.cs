namespace Cortex.Experiments.Stimuli;

/// <summary>The mask of a stimulus condition: its kind, its options as written, and the mask maker.</summary>
/// <param name="Kind">The kind, from <see cref="MaskKinds"/>.</param>
/// <param name="Options">Its options as written after the kind, without the leading colon (empty: none).</param>
/// <param name="Maker">Makes each image's mask from the image as shown.</param>
public sealed record MaskItem(MaskKind Kind, string Options, IStimulusTransform Maker)
{
    /// <summary>Scrambled patches of the default size.</summary>
    public static MaskItem Default { get; } = Parse("scramble");

    /// <summary>Reads <c>kind[:option]…</c> (the part after <c>mask:</c>); throws an <see cref="ArgumentException"/> naming what is wrong.</summary>
    public static MaskItem Parse(string text)
    {
        var parts = text.Split(':', StringSplitOptions.TrimEntries);
        var kind = MaskKinds.All.Find(parts[0])
            ?? throw new ArgumentException($"stimulus 'mask:{text}': unknown mask '{parts[0]}'{Connectivity.Reading.Suggestions.Hint(parts[0], MaskKinds.All.Words)}");
        var maker = kind.Read(new StimulusOptions($"mask:{text}", parts.Skip(1)));
        return new MaskItem(kind, string.Join(':', parts.Skip(1)), maker);
    }

    /// <summary><c>mask:scramble</c>, <c>mask:scramble:size=4</c>.</summary>
    public override string ToString() => $"mask:{Kind.Word}{(Options.Length > 0 ? ":" + Options : "")}";
}
