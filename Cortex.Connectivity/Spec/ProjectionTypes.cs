namespace Cortex.Connectivity.Spec;

/// <summary>The closed set of projection types (see <see cref="ProjectionTypes"/> for their rules).</summary>
public enum ProjectionType { Feedforward, Lateral, Feedback }

/// <summary>
/// What a projection type demands of its endpoints and timing: the level rule (in words and as a test), the
/// least delay it may have, and whether it may be multiplicative.
/// </summary>
public sealed record ProjectionTypeRule(ProjectionType Type, string Name, string Direction, Func<Endpoint, Endpoint, bool> Agrees,
    int MinimumDelay, bool MayBeMultiplicative);

/// <summary>A projection's end: the area's (or the input's) name and level (the input is level 0).</summary>
public readonly record struct Endpoint(string Name, int Level);

/// <summary>The closed set of projection types, one line each. Adding a type touches this list, its kernel family and one docs row.</summary>
public static class ProjectionTypes
{
    public static readonly IReadOnlyList<ProjectionTypeRule> All =
    [
        new(ProjectionType.Feedforward, "feedforward", "goes up: to.level > from.level (or from the input)", (from, to) => to.Level > from.Level, 0, false),
        new(ProjectionType.Lateral,     "lateral",     "stays within one area: from = to",                    (from, to) => to.Name == from.Name, 1, true),
        new(ProjectionType.Feedback,    "feedback",    "goes down: to.level < from.level",                   (from, to) => to.Level < from.Level, 1, true),
    ];

    public static ProjectionTypeRule Rule(ProjectionType type) => All[(int)type];

    /// <summary>
    /// The delay a projection gets when the file gives none: lateral and feedback 1; feedforward 0 (synchronous) or
    /// 1 (biological), except from the input, which is 0 in both modes (the image shown at t reaches the first area at t).
    /// </summary>
    public static int DefaultDelay(ProjectionType type, Unroll unroll, bool fromInput)
        => type == ProjectionType.Feedforward ? (unroll == Unroll.Synchronous || fromInput ? 0 : 1) : 1;
}
