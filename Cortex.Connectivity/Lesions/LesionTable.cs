using Cortex.Connectivity.Graph;
using Cortex.Connectivity.Reading;
using Cortex.Connectivity.Spec;
using Cortex.Core.Simulation;

namespace Cortex.Connectivity.Lesions;

/// <summary>One projection a set of lesions silences, and at which of the target's steps.</summary>
/// <param name="Projection">The projection's name.</param>
/// <param name="Steps">The steps t at which its contribution is silenced, ascending.</param>
public sealed record SilencedProjection(string Projection, IReadOnlyList<int> Steps)
{
    /// <summary><c>V2->V1 at t = 3..4</c>, <c>V1->V1 at t = 1, 3</c>.</summary>
    public override string ToString() => $"{Projection} at t = {StepText(Steps)}";

    /// <summary>Steps as runs: <c>1..4</c>, <c>1, 3..4</c>.</summary>
    public static string StepText(IReadOnlyList<int> steps)
    {
        var runs = new List<string>();
        for (int i = 0; i < steps.Count;)
        {
            int j = i;
            while (j + 1 < steps.Count && steps[j + 1] == steps[j] + 1) j++;
            runs.Add(i == j ? $"{steps[i]}" : $"{steps[i]}..{steps[j]}");
            i = j + 1;
        }
        return string.Join(", ", runs);
    }
}

/// <summary>
/// Lesions resolved against a network's graph into the simulator's table of silenced reads (projection in program order
/// = file order, target step). Every name is checked — an unknown projection or area names the nearest one — and every
/// step against 1..T; a lesion that silences nothing in this network (a type it lacks, an area with no projection out)
/// is a mistake too, so a typo cannot pass as a lesion without effect.
/// </summary>
public static class LesionTable
{
    /// <summary>
    /// The reads <paramref name="lesions"/> silence together in <paramref name="graph"/> (their union). Throws an
    /// <see cref="ArgumentException"/> naming the lesion and what is wrong.
    /// </summary>
    public static SilencedReads Resolve(NetworkGraph graph, IReadOnlyList<Lesion> lesions)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(lesions);
        int steps = graph.Steps;
        var table = new SilencedReads(graph.Projections.Count, steps);
        foreach (var lesion in lesions)
        {
            string Fail(string why) => throw new ArgumentException($"lesion '{lesion}': {why}");
            if (lesion.FirstStep < 1 || lesion.LastStep is { } last && last < lesion.FirstStep)
                Fail($"steps {lesion.FirstStep}..{lesion.LastStep} are no window of steps 1..T");
            if (Math.Max(lesion.FirstStep, lesion.LastStep ?? 0) is var beyond && beyond > steps)
                Fail($"{graph.Spec.Name} runs steps 1 to T = {steps}, so there is no step {beyond}");
            var projections = Projections(graph, lesion.Target, Fail);
            for (int t = lesion.FirstStep; t <= (lesion.LastStep ?? steps); t++)
                foreach (int p in projections) table.Silence(p, t);
        }
        return table;
    }

    /// <summary>Parses each text (<see cref="Lesion.Parse"/>) and resolves them together.</summary>
    public static SilencedReads Resolve(NetworkGraph graph, IEnumerable<string> lesions) => Resolve(graph, [.. lesions.Select(Lesion.Parse)]);

    /// <summary>What a table silences, projection by projection (file order), for reports.</summary>
    public static IReadOnlyList<SilencedProjection> Describe(NetworkGraph graph, SilencedReads table)
        => [.. graph.Projections.Select((p, i) => new SilencedProjection(p.Name, table.StepsOf(i))).Where(s => s.Steps.Count > 0)];

    /// <summary>The indices (file order) of the projections a target names.</summary>
    private static List<int> Projections(NetworkGraph graph, LesionTarget target, Func<string, string> fail)
    {
        var all = graph.Projections;
        string network = graph.Spec.Name;
        var areas = graph.Areas.Select(a => a.Name).ToList();
        List<int> Where(Func<GraphProjection, bool> keep) => [.. Enumerable.Range(0, all.Count).Where(i => keep(all[i]))];
        switch (target.Scope)
        {
            case LesionScope.Type:
            {
                var type = ProjectionTypes.All[target.Name].Type;
                var found = Where(p => p.Type == type);
                if (found.Count == 0) fail($"{network} has no {target.Name} projection");
                return found;
            }
            case LesionScope.Into:
            {
                if (!areas.Contains(target.Name))
                    fail(target.Name == graph.Input.Name ? $"'{target.Name}' is the input, which no projection goes into; out:{target.Name} silences what it sends"
                        : $"{network} has no area '{target.Name}'{Suggestions.Hint(target.Name, areas)}");
                var found = Where(p => p.To.Name == target.Name);
                if (found.Count == 0) fail($"no projection goes into {target.Name}");
                return found;
            }
            case LesionScope.OutOf:
            {
                var nodes = graph.Nodes.Select(n => n.Name).ToList();
                if (!nodes.Contains(target.Name)) fail($"{network} has no area or input '{target.Name}'{Suggestions.Hint(target.Name, nodes)}");
                var found = Where(p => p.From.Name == target.Name);
                if (found.Count == 0) fail($"no projection goes out of {target.Name} (readouts are not projections: they keep reading it)");
                return found;
            }
            default:
            {
                var found = Where(p => p.Name == target.Name);
                if (found.Count == 0)
                {
                    var names = all.Select(p => p.Name).ToList();
                    string hint = Suggestions.Nearest(target.Name, [.. names, .. ProjectionTypes.All.Words]) is { } near
                        ? $"; did you mean '{near}'?" : $"; its projections: {string.Join(", ", names)}";
                    fail($"{network} has no projection '{target.Name}' (nor is it a projection type, in:AREA or out:AREA){hint}");
                }
                return found;
            }
        }
    }
}
