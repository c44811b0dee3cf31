using Cortex.Connectivity.Reading;
using Cortex.Connectivity.Spec;

namespace Cortex.Connectivity.Validation;

/// <summary>
/// The structural rules of a network: unique names, endpoints that exist, projection types that agree with the
/// levels, delays that read the past where they must, modes the type allows, no cycle of zero total delay; and
/// warnings for areas the input never reaches or that reach no readout. What each kind demands of its place (shapes
/// that fit, group counts that divide channels…) is checked when the graph resolves the kinds (<see cref="Graph.NetworkGraph.Resolve"/>).
/// </summary>
public static class NetworkValidator
{
    /// <summary>Reports every structural error and warning of <paramref name="spec"/>.</summary>
    public static void Validate(NetworkSpec spec, Diagnostics diagnostics)
    {
        var areas = UniqueAreas(spec, diagnostics);
        Unique(spec.Projections, p => p.Name, "projection", diagnostics,
            "give one of them a distinct 'name' (two projections between the same areas need names)");
        Unique(spec.Readouts, r => r.Name, "readout", diagnostics, "give each readout a distinct 'name'");

        var levels = areas.ToDictionary(a => a.Key, a => a.Value.Level);
        levels[spec.Input.Name] = 0;
        var known = levels.Keys.ToList();

        foreach (var p in spec.Projections)
        {
            bool fromOk = Endpoint(p, "from", p.From, known, diagnostics);
            bool toOk = Endpoint(p, "to", p.To, known, diagnostics);
            if (toOk && p.To == spec.Input.Name)
            {
                diagnostics.Error(p.At("to"), $"the input '{p.To}' cannot receive projections; allowed targets: {string.Join(", ", areas.Keys)}");
                toOk = false;
            }
            var rule = ProjectionTypes.Rule(p.Type);
            if (fromOk && toOk && !rule.Agrees(new(p.From, levels[p.From]), new(p.To, levels[p.To])))
                diagnostics.Error(p.At("type"), LevelMessage(p, rule, levels, spec.Input.Name));
            if (p.Delay < rule.MinimumDelay)
                diagnostics.Error(p.At("delay"), $"{rule.Word} must read a past step (delay ≥ {rule.MinimumDelay}), got {p.Delay}");
            if (p.Delay >= spec.Time.Steps && p.Delay > 0)
                diagnostics.Warning(p.At("delay"), $"delay {p.Delay} ≥ time.steps {spec.Time.Steps}: this projection never reads a computed step");
            if (p.Mode.Modulatory && !rule.MayModulate)
                diagnostics.Error(p.At("mode"), $"{p.Mode.Word} is a modulatory mode, for {string.Join(" and ", ProjectionTypes.All.Where(r => r.MayModulate).Select(r => r.Word))} projections "
                    + $"({p.Mode.Summary}); {rule.Word} projections are additive");
        }

        foreach (var r in spec.Readouts)
        {
            if (r.From == spec.Input.Name)
                diagnostics.Error(r.At("from"), $"a readout reads an area, not the input '{r.From}'; allowed: {string.Join(", ", areas.Keys)}");
            else if (!areas.ContainsKey(r.From))
                diagnostics.Error(r.At("from"), $"unknown area '{r.From}'{Suggestions.Hint(r.From, areas.Keys.ToList())}");
        }
        if (spec.Readouts.Count == 0 && spec.Declares("readouts"))
            diagnostics.Error(spec.At("readouts"), "no readout; give at least one (from, classes)");
        if (spec.Readouts.Count > 0 && spec.Readouts.All(r => r.Options.LossWeight == 0))
            diagnostics.Error(spec.Readouts[0].At("loss_weight"),
                "every readout has loss_weight 0 (evaluated, not trained), so nothing would be trained; give at least one readout a weight > 0");

        ZeroDelayCycles(spec, areas, diagnostics);
        if (!diagnostics.HasErrors) Reach(spec, diagnostics);
    }

    private static Dictionary<string, AreaSpec> UniqueAreas(NetworkSpec spec, Diagnostics diagnostics)
    {
        var areas = new Dictionary<string, AreaSpec>();
        foreach (var a in spec.Areas)
        {
            if (a.Name == spec.Input.Name)
                diagnostics.Error(a.At("name"), $"'{a.Name}' is the input's name; areas and the input need distinct names");
            else if (!areas.TryAdd(a.Name, a))
                diagnostics.Error(a.At("name"), $"duplicate area name '{a.Name}' (first at line {areas[a.Name].Location.Line}); area names must be unique");
        }
        return areas;
    }

    private static void Unique<T>(IEnumerable<T> items, Func<T, string> name, string what, Diagnostics diagnostics, string fix) where T : SpecNode
    {
        var seen = new Dictionary<string, T>();
        foreach (var item in items)
            if (!seen.TryAdd(name(item), item))
                diagnostics.Error(item.At("name"), $"duplicate {what} name '{name(item)}' (first at line {seen[name(item)].Location.Line}); {fix}");
    }

    private static bool Endpoint(ProjectionSpec p, string key, string name, List<string> known, Diagnostics diagnostics)
    {
        if (known.Contains(name)) return true;
        diagnostics.Error(p.At(key), $"unknown area '{name}'{Suggestions.Hint(name, known)}");
        return false;
    }

    private static string LevelMessage(ProjectionSpec p, ProjectionTypeRule rule, Dictionary<string, int> levels, string input)
    {
        int from = levels[p.From], to = levels[p.To];
        string Named(string n, int l) => n == input ? $"{n} (the input, level 0)" : $"{n} (level {l})";
        string path = $"{Named(p.From, from)} → {Named(p.To, to)}";
        string actually = p.From == p.To ? "stays within one area"
            : to > from ? "goes up" : to < from ? "goes down" : "joins two areas at the same level";
        string fix = p.From == p.To ? "declare it lateral"
            : to > from ? "declare it feedforward, or swap from and to"
            : to < from ? "declare it feedback, or swap from and to"
            : "give the areas different levels (lateral projections connect an area to itself)";
        return $"{rule.Word} {rule.Direction}, but {path} {actually}; {fix}";
    }

    /// <summary>Finds every cycle made only of zero-delay projections (Tarjan's strongly connected components).</summary>
    private static void ZeroDelayCycles(NetworkSpec spec, Dictionary<string, AreaSpec> areas, Diagnostics diagnostics)
    {
        var edges = spec.Projections.Select((p, i) => (p, i)).Where(e => e.p.Delay == 0 && areas.ContainsKey(e.p.From) && areas.ContainsKey(e.p.To)).ToList();
        var names = areas.Keys.ToList();
        var components = StronglyConnected(names, edges.Select(e => (e.p.From, e.p.To)).ToList());
        foreach (var component in components)
        {
            var inside = edges.Where(e => component.Contains(e.p.From) && component.Contains(e.p.To)).ToList();
            if (component.Count == 1 && inside.Count == 0) continue;
            var cycle = CycleThrough(inside);
            var first = cycle.MinBy(e => (e.p.Location.Line, e.p.Location.Column));
            string route = string.Join(" → ", cycle.Select(e => e.p.From).Append(cycle[0].p.From));
            string via = string.Join(", ", cycle.Select(e => $"projections[{e.i}] {e.p.Name}"));
            diagnostics.Error(first.p.Location, $"cycle of zero total delay {route} ({via}); a step cannot read itself: give one of these projections delay ≥ 1");
        }
    }

    private static List<(ProjectionSpec p, int i)> CycleThrough(List<(ProjectionSpec p, int i)> edges)
    {
        // Walk from the first edge, always taking an edge inside the component, until an area repeats.
        var path = new List<(ProjectionSpec p, int i)> { edges[0] };
        var seenAt = new Dictionary<string, int> { [edges[0].p.From] = 0 };
        while (true)
        {
            string at = path[^1].p.To;
            if (seenAt.TryGetValue(at, out int start)) return path.Skip(start).ToList();
            seenAt[at] = path.Count;
            path.Add(edges.First(e => e.p.From == at));
        }
    }

    internal static List<HashSet<string>> StronglyConnected(List<string> nodes, List<(string From, string To)> edges)
    {
        int counter = 0;
        var index = new Dictionary<string, int>();
        var low = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var onStack = new HashSet<string>();
        var result = new List<HashSet<string>>();
        void Visit(string v)
        {
            index[v] = low[v] = counter++;
            stack.Push(v);
            onStack.Add(v);
            foreach (var (_, w) in edges.Where(e => e.From == v))
            {
                if (!index.ContainsKey(w)) { Visit(w); low[v] = Math.Min(low[v], low[w]); }
                else if (onStack.Contains(w)) low[v] = Math.Min(low[v], index[w]);
            }
            if (low[v] != index[v]) return;
            var component = new HashSet<string>();
            string x;
            do { x = stack.Pop(); onStack.Remove(x); component.Add(x); } while (x != v);
            result.Add(component);
        }
        foreach (var n in nodes) if (!index.ContainsKey(n)) Visit(n);
        return result;
    }

    /// <summary>Warnings: areas the input never reaches (or not within T steps), and areas whose activity reaches no readout.</summary>
    private static void Reach(NetworkSpec spec, Diagnostics diagnostics)
    {
        var first = FirstInputSteps(spec);
        var readoutAreas = spec.Readouts.Select(r => r.From).ToHashSet();
        var feedsReadout = new HashSet<string>(readoutAreas);
        for (bool grew = true; grew;)
        {
            grew = false;
            foreach (var p in spec.Projections)
                if (feedsReadout.Contains(p.To) && feedsReadout.Add(p.From)) grew = true;
        }
        foreach (var a in spec.Areas)
        {
            if (first[a.Name] is not { } t)
                diagnostics.Warning(a.Location, $"{a.Name} is never reached from the input '{spec.Input.Name}': no chain of projections leads to it");
            else if (t > spec.Time.Steps)
                diagnostics.Warning(a.Location, $"{a.Name} first receives input at step {t}, after the last step {spec.Time.Steps}; raise time.steps or shorten delays");
            var inputs = spec.Projections.Where(p => p.To == a.Name).ToList();
            if (inputs.Count > 0 && inputs.All(p => p.Mode.Modulatory))
                diagnostics.Warning(a.Location, $"{a.Name} has only modulatory projections ({string.Join(", ", inputs.Select(p => p.Mode.Word).Distinct())}): they modulate a drive that is the bias alone");
            if (!feedsReadout.Contains(a.Name))
                diagnostics.Warning(a.Location, $"{a.Name} reaches no readout: no chain of projections leads from it to {string.Join(", ", readoutAreas)}");
        }
    }

    /// <summary>
    /// The first step at which each area receives input: 1 + the least total delay of a chain of projections from
    /// the input (the image is always shown at step 1); null when no chain exists. Not capped at T.
    /// </summary>
    public static Dictionary<string, int?> FirstInputSteps(NetworkSpec spec)
    {
        var first = spec.Areas.ToDictionary(a => a.Name, _ => (int?)null);
        first[spec.Input.Name] = 1;
        for (int round = 0; round <= spec.Areas.Count + 1; round++)
            foreach (var p in spec.Projections)
                if (p.To != spec.Input.Name && first.TryGetValue(p.From, out var s) && s is { } from && first.ContainsKey(p.To)
                    && (first[p.To] is not { } to || from + p.Delay < to))
                    first[p.To] = from + p.Delay;
        first.Remove(spec.Input.Name);
        return first;
    }
}
