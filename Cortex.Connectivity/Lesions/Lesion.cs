using System.Globalization;
using Cortex.Connectivity.Spec;

namespace Cortex.Connectivity.Lesions;

/// <summary>
/// A lesion ("virtual cooling"): the projections of <see cref="Target"/> are silenced at the target's steps
/// <see cref="FirstStep"/>..<see cref="LastStep"/> (inclusive; null: to the last step T). A silenced projection contributes
/// exactly zero to its target's drive (or gain) at those steps — the read is skipped, forward and backward — and nothing
/// else changes: the areas keep their bias, normalisation and dynamics. The step is the step of the target that would
/// have read: <c>feedback@3-</c> removes feedback from every area's drive at t ≥ 3, whatever step the feedback reads.
/// <para>
/// Syntax (<see cref="Parse"/>, <see cref="ToString"/>): <c>TARGET[@STEPS]</c>, TARGET one of <c>NAME</c> (a projection:
/// <c>V2->V1</c>), a type word (<c>feedforward</c>, <c>lateral</c>, <c>feedback</c>), <c>in:AREA</c> (every projection into
/// AREA), <c>out:AREA</c> (every projection from AREA, or from the input: <c>out:image</c>); STEPS one of <c>t</c>,
/// <c>a-b</c>, <c>a-</c> (a..T), <c>-b</c> (1..b); no STEPS: every step. Examples: <c>feedback@3-</c>, <c>V2->V1</c>,
/// <c>in:V1@1-2</c>, <c>out:IT</c>. A type word wins over a projection of the same name.
/// </para>
/// </summary>
/// <param name="Target">The projections silenced.</param>
/// <param name="FirstStep">The first step silenced, ≥ 1.</param>
/// <param name="LastStep">The last step silenced (≥ <paramref name="FirstStep"/>); null: the last step of the network.</param>
public sealed record Lesion(LesionTarget Target, int FirstStep = 1, int? LastStep = null)
{
    /// <summary>The syntax in one line, for messages and help.</summary>
    public const string Syntax = "TARGET[@STEPS]: TARGET a projection (V2->V1), a type (feedforward, lateral, feedback), in:AREA or out:AREA; " +
        "STEPS t, a-b, a- (a to the last step) or -b (1 to b), every step when left out — e.g. feedback@3-, in:V1@1-2, out:IT";

    /// <summary>The lesion in its syntax: <c>feedback@3-</c>, <c>in:V1@1-2</c>, <c>V2->V1</c>.</summary>
    public override string ToString()
    {
        string steps = (FirstStep, LastStep) switch
        {
            (1, null) => "",
            (var a, null) => $"@{a}-",
            (var a, { } b) when a == b => $"@{a}",
            (1, { } b) => $"@-{b}",
            (var a, { } b) => $"@{a}-{b}",
        };
        return Target + steps;
    }

    /// <summary>
    /// Reads a lesion from its syntax (see <see cref="Lesion"/>). The target's names are checked when the lesion is
    /// resolved against a network (<see cref="LesionTable.Resolve(Cortex.Connectivity.Graph.NetworkGraph, IReadOnlyList{Lesion})"/>); here only the form. Throws an
    /// <see cref="ArgumentException"/> that quotes the text and names the part at fault.
    /// </summary>
    public static Lesion Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string trimmed = text.Trim();
        string Fail(string why) => throw new ArgumentException($"lesion '{text}': {why}; the syntax is {Syntax}");
        if (trimmed.Length == 0) Fail("it is empty");
        int at = trimmed.LastIndexOf('@');
        string target = (at >= 0 ? trimmed[..at] : trimmed).Trim();
        string? steps = at >= 0 ? trimmed[(at + 1)..].Trim() : null;
        if (target.Length == 0) Fail("the target before '@' is missing");
        LesionTarget parsed;
        if (target.StartsWith("in:", StringComparison.Ordinal) || target.StartsWith("out:", StringComparison.Ordinal))
        {
            bool into = target[0] == 'i';
            string name = target[(into ? 3 : 4)..].Trim();
            if (name.Length == 0) Fail($"'{target}' names no area after '{(into ? "in:" : "out:")}'");
            parsed = new LesionTarget(into ? LesionScope.Into : LesionScope.OutOf, name);
        }
        else parsed = ProjectionTypes.All.Find(target) is not null ? new LesionTarget(LesionScope.Type, target) : new LesionTarget(LesionScope.Projection, target);
        if (steps is null) return new Lesion(parsed);
        var (first, last) = Steps(steps, Fail);
        return new Lesion(parsed, first, last);
    }

    /// <summary>STEPS: <c>t</c>, <c>a-b</c>, <c>a-</c>, <c>-b</c>.</summary>
    private static (int First, int? Last) Steps(string steps, Func<string, string> fail)
    {
        if (steps.Length == 0) fail("the steps after '@' are missing (write @t, @a-b, @a- or @-b)");
        int dash = steps.IndexOf('-');
        string a = dash < 0 ? steps : steps[..dash].Trim(), b = dash < 0 ? steps : steps[(dash + 1)..].Trim();
        int? first = a.Length == 0 ? 1 : Step(a, steps, fail);
        int? last = dash >= 0 && b.Length == 0 ? null : Step(b, steps, fail);
        if (dash >= 0 && a.Length == 0 && b.Length == 0) fail($"'@{steps}' names no step");
        if (last is { } l && first > l) fail($"the steps {first}-{l} run backwards (the first step must not come after the last)");
        return (first!.Value, last);
    }

    private static int Step(string word, string steps, Func<string, string> fail)
    {
        if (!int.TryParse(word, NumberStyles.None, CultureInfo.InvariantCulture, out int t))
            fail($"'{word}' in '@{steps}' is not a step number (write @t, @a-b, @a- or @-b with whole numbers)");
        if (t < 1) fail($"steps are numbered from 1, got {t} in '@{steps}'");
        return t;
    }
}
