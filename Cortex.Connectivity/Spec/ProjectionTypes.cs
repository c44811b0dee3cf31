using Cortex.Areas.Options;

namespace Cortex.Connectivity.Spec;

/// <summary>The closed set of projection types (see <see cref="ProjectionTypes"/> for their rules).</summary>
public enum ProjectionType
{
    /// <summary>From a lower level to a higher one (or from the input).</summary>
    Feedforward,

    /// <summary>Within one area.</summary>
    Lateral,

    /// <summary>From a higher level to a lower one.</summary>
    Feedback,
}

/// <summary>
/// What a projection type demands of its endpoints and timing: the level rule (in words and as a test), the least
/// delay it may have, whether it may be modulatory, and how pictures draw it.
/// </summary>
/// <param name="Type">The type.</param>
/// <param name="Word">The word in network files.</param>
/// <param name="Direction">The level rule in words, for messages.</param>
/// <param name="Agrees">The level rule.</param>
/// <param name="MinimumDelay">The least delay it may have.</param>
/// <param name="MayModulate">Whether it may use a modulatory mode.</param>
/// <param name="Colour">Its colour in pictures (hex).</param>
/// <param name="Line">Its line in pictures: solid, dotted or dashed.</param>
public sealed record ProjectionTypeRule(ProjectionType Type, string Word, string Direction, Func<Endpoint, Endpoint, bool> Agrees,
    int MinimumDelay, bool MayModulate, string Colour, string Line) : IRegistryEntry
{
    /// <inheritdoc/>
    public string Summary => Direction;
}

/// <summary>A projection's end: the area's (or the input's) name and level (the input is level 0).</summary>
/// <param name="Name">The area's or input's name.</param>
/// <param name="Level">Its level.</param>
public readonly record struct Endpoint(string Name, int Level);

/// <summary>The closed set of projection types, one line each. Validation, the ledger, the schedule and pictures read this list.</summary>
public static class ProjectionTypes
{
    /// <summary>Every type, in the order of <see cref="ProjectionType"/>.</summary>
    public static readonly Registry<ProjectionTypeRule> All = new("type",
        new(ProjectionType.Feedforward, "feedforward", "goes up: to.level > from.level (or from the input)", (from, to) => to.Level > from.Level, 0, false, "#1f77b4", "solid"),
        new(ProjectionType.Lateral,     "lateral",     "stays within one area: from = to",                    (from, to) => to.Name == from.Name, 1, true, "#2ca02c", "dotted"),
        new(ProjectionType.Feedback,    "feedback",    "goes down: to.level < from.level",                   (from, to) => to.Level < from.Level, 1, true, "#d62728", "dashed"));

    /// <summary>The rule of a type.</summary>
    public static ProjectionTypeRule Rule(ProjectionType type) => All[(int)type];

    /// <summary>
    /// The delay a projection gets when the file gives none: lateral and feedback 1; feedforward 0 (synchronous) or
    /// 1 (biological), except from the input, which is 0 in both modes (the image shown at t reaches the first area at t).
    /// </summary>
    public static int DefaultDelay(ProjectionType type, Unroll unroll, bool fromInput)
        => type == ProjectionType.Feedforward ? (unroll == Unroll.Synchronous || fromInput ? 0 : 1) : 1;
}
