using System.Globalization;
using Cortex.Experiments.Data;

namespace Cortex.Experiments.Stimuli;

/// <summary>One transform of a stimulus condition: a kind, its level and its options, as written (<c>occlusion:0.3:size=4</c>).</summary>
/// <param name="Kind">The kind, from <see cref="StimulusKinds"/>.</param>
/// <param name="Level">Its level (0: the identity).</param>
/// <param name="Options">Its options as written after the level, without the leading colon (empty: none).</param>
/// <param name="Create">The transform for a pool of images (the set the batch's indices refer to).</param>
public sealed record StimulusItem(StimulusKind Kind, double Level, string Options, Func<Dataset, IStimulusTransform> Create)
{
    /// <summary>Reads <c>kind:level[:option]…</c>; throws an <see cref="ArgumentException"/> naming what is wrong.</summary>
    public static StimulusItem Parse(string text)
    {
        var parts = text.Split(':', StringSplitOptions.TrimEntries);
        var kind = StimulusKinds.All.Find(parts[0])
            ?? throw new ArgumentException($"stimulus '{text}': unknown kind '{parts[0]}'{Connectivity.Reading.Suggestions.Hint(parts[0], StimulusKinds.All.Words)}");
        if (parts.Length < 2 || parts[1].Length == 0) throw new ArgumentException($"stimulus '{text}': a level is missing; write {kind.Syntax}");
        if (!double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double level))
            throw new ArgumentException($"stimulus '{text}': the level '{parts[1]}' is not a number; write {kind.Syntax}");
        var options = new StimulusOptions(text, parts.Skip(2));
        var create = kind.Read(level, options);
        return new StimulusItem(kind, level, string.Join(':', parts.Skip(2)), create);
    }

    /// <summary><c>occlusion:0.3</c>, <c>occlusion:0.3:size=4</c>.</summary>
    public override string ToString() => $"{Kind.Word}:{Level.ToString("R", CultureInfo.InvariantCulture)}{(Options.Length > 0 ? ":" + Options : "")}";
}
