using Cortex.Areas;
using Cortex.Areas.Dynamics;
using Cortex.Areas.Modes;
using Cortex.Areas.Projections;
using Cortex.Areas.Readouts;
using Cortex.Connectivity.Reading;
using Cortex.Connectivity.Spec;
using Cortex.Connectivity.Validation;

namespace Cortex.Connectivity.Graph;

/// <summary>A node of the graph: the input (level 0, <see cref="Area"/> null) or an area with its resolved kind.</summary>
/// <param name="Index">0 for the input, k for the k-th area.</param>
/// <param name="Name">The name.</param>
/// <param name="Level">The level (0: the input).</param>
/// <param name="Shape">The state's (or image's) shape.</param>
/// <param name="Area">The area's spec; null for the input.</param>
public sealed record GraphNode(int Index, string Name, int Level, AreaShape Shape, AreaSpec? Area)
{
    /// <summary>Whether this is the input.</summary>
    public bool IsInput => Area is null;

    /// <summary>Neurons (input values): the shape's size.</summary>
    public long Neurons => Shape.Size;

    /// <summary>The area's resolved kind (null for the input).</summary>
    public AreaModel? Model { get; internal set; }
}

/// <summary>A projection with its endpoints, the input of the target it sums into, and its resolved kind.</summary>
/// <param name="Index">Its position in the file.</param>
/// <param name="Spec">What the file says.</param>
/// <param name="From">The source node.</param>
/// <param name="To">The target node.</param>
/// <param name="Input">The target's input it sums into: 0 for additive, 1 + i for the target's i-th modulatory mode.</param>
/// <param name="Model">Its resolved kind: weights, MACs, memory, op.</param>
public sealed record GraphProjection(int Index, ProjectionSpec Spec, GraphNode From, GraphNode To, int Input, ProjectionModel Model)
{
    /// <summary>The projection's name.</summary>
    public string Name => Spec.Name;

    /// <summary>Its type.</summary>
    public ProjectionType Type => Spec.Type;

    /// <summary>Its delay.</summary>
    public int Delay => Spec.Delay;

    /// <summary>Its mode.</summary>
    public ProjectionMode Mode => Spec.Mode;
}

/// <summary>A readout with the area it reads and its resolved kind.</summary>
/// <param name="Index">Its position in the file.</param>
/// <param name="Spec">What the file says.</param>
/// <param name="From">The area node it reads.</param>
/// <param name="Model">Its resolved kind.</param>
public sealed record GraphReadout(int Index, ReadoutSpec Spec, GraphNode From, ReadoutModel Model)
{
    /// <summary>Its trainable parameters.</summary>
    public long Parameters => Model.Parameters.Sum(p => p.Values);
}

/// <summary>
/// The network as a graph over areas, built once from a spec whose structure passed validation: nodes (the input first,
/// then areas in file order) with their resolved kinds, projections with theirs, readouts, an update order within one
/// step that respects every zero-delay projection, and the schedule over time. Kinds are resolved against their place
/// (shapes, the modes that target an area, the steps at which it receives a drive), reporting what does not fit.
/// </summary>
public sealed class NetworkGraph
{
    private readonly List<GraphProjection> projections = [];
    private readonly List<GraphReadout> readouts = [];

    /// <summary>The spec it was built from.</summary>
    public NetworkSpec Spec { get; }

    /// <summary>The input (index 0), then the areas.</summary>
    public IReadOnlyList<GraphNode> Nodes { get; }

    /// <summary>The projections, in file order.</summary>
    public IReadOnlyList<GraphProjection> Projections => projections;

    /// <summary>The readouts, in file order.</summary>
    public IReadOnlyList<GraphReadout> Readouts => readouts;

    /// <summary>Areas (not the input) in the order they are updated within a step: a source of a zero-delay projection comes before its target.</summary>
    public IReadOnlyList<GraphNode> UpdateOrder { get; }

    /// <summary>Which step each projection reads, step by step.</summary>
    public Schedule Schedule { get; }

    /// <summary>The input node.</summary>
    public GraphNode Input => Nodes[0];

    /// <summary>The area nodes.</summary>
    public IEnumerable<GraphNode> Areas => Nodes.Skip(1);

    /// <summary>T.</summary>
    public int Steps => Spec.Time.Steps;

    /// <summary>The node called <paramref name="name"/>.</summary>
    public GraphNode Node(string name) => Nodes.FirstOrDefault(n => n.Name == name) ?? throw new ArgumentException($"no area or input named '{name}'", nameof(name));

    /// <summary>Projections into <paramref name="target"/>, in file order.</summary>
    public IEnumerable<GraphProjection> Into(GraphNode target) => projections.Where(p => p.To == target);

    /// <summary>The modulatory modes that target <paramref name="area"/>, in registry order: its inputs 1, 2, ….</summary>
    public IReadOnlyList<ModulatoryMode> ModesInto(GraphNode area) => ModesInto(Spec, area.Name);

    private NetworkGraph(NetworkSpec spec, Diagnostics diagnostics)
    {
        Spec = spec;
        var nodes = new List<GraphNode> { new(0, spec.Input.Name, 0, spec.Input.Shape, null) };
        nodes.AddRange(spec.Areas.Select((a, i) => new GraphNode(i + 1, a.Name, a.Level, a.Shape, a)));
        Nodes = nodes;
        UpdateOrder = TopologicalOrder(spec, nodes);
        var byName = nodes.ToDictionary(n => n.Name);
        int copies = spec.WeightCopies;
        foreach (var (p, i) in spec.Projections.Select((p, i) => (p, i)))
        {
            var (from, to) = (byName[p.From], byName[p.To]);
            var model = p.Options.Resolve(new ProjectionContext(p.Name, p.From, p.To, from.Shape, to.Shape, copies), new NodeIssues(p, diagnostics));
            if (model is null) continue;
            int input = p.Mode is ModulatoryMode mode ? 1 + ModesInto(to).ToList().IndexOf(mode) : 0;
            projections.Add(new GraphProjection(i, p, from, to, input, model));
        }
        Schedule = new Schedule(this);
        foreach (var area in Areas)
        {
            var driveAt = Enumerable.Range(0, Steps + 1).Select(t => t >= 1 && Schedule.Updates[t - 1].First(u => u.Area == area).Reads
                .Any(r => r.IsActive && !r.Projection.Mode.Modulatory)).ToList();
            var context = new AreaContext(area.Name, area.Shape, Steps, spec.Time.Dt, copies, ModesInto(area), driveAt);
            area.Model = area.Area!.Options.Resolve(context, new NodeIssues(area.Area, diagnostics));
        }
        foreach (var (r, i) in spec.Readouts.Select((r, i) => (r, i)))
        {
            var from = byName[r.From];
            var model = r.Options.Resolve(new ReadoutContext(r.Name, r.From, from.Shape, Steps), new NodeIssues(r, diagnostics));
            if (model is not null) readouts.Add(new GraphReadout(i, r, from, model));
        }
        Complete = projections.Count == spec.Projections.Count && readouts.Count == spec.Readouts.Count;
    }

    /// <summary>Whether every kind resolved (otherwise the diagnostics hold why, and the graph must not be used).</summary>
    private bool Complete { get; }

    /// <summary>
    /// Builds the graph of a spec that passed the structural checks of <see cref="NetworkValidator"/>, resolving every
    /// kind; what does not fit is reported to <paramref name="diagnostics"/> and the result is null.
    /// </summary>
    public static NetworkGraph? Resolve(NetworkSpec spec, Diagnostics diagnostics)
    {
        var graph = new NetworkGraph(spec, diagnostics);
        return graph.Complete && !diagnostics.HasErrors ? graph : null;
    }

    /// <summary>Builds the graph of a valid spec; throws <see cref="ConfigErrors"/> when it is not.</summary>
    public static NetworkGraph Build(NetworkSpec spec)
    {
        var diagnostics = new Diagnostics();
        return Resolve(spec, diagnostics) ?? throw new ConfigErrors(diagnostics.Errors, diagnostics.Warnings);
    }

    /// <summary>
    /// When the structure has errors the graph cannot be built; every kind is still checked against what is known of its
    /// place (its endpoints' shapes), so that all mistakes of a file are reported in one pass.
    /// </summary>
    internal static void CheckKinds(NetworkSpec spec, Diagnostics diagnostics)
    {
        var shapes = new Dictionary<string, AreaShape>();
        foreach (var a in spec.Areas) shapes.TryAdd(a.Name, a.Shape);
        shapes.TryAdd(spec.Input.Name, spec.Input.Shape);
        bool Known(string name) => shapes.TryGetValue(name, out var shape) && shape.IsKnown;
        foreach (var a in spec.Areas.Where(a => a.Shape.IsKnown))
            a.Options.Resolve(new AreaContext(a.Name, a.Shape, spec.Time.Steps, spec.Time.Dt, spec.WeightCopies, ModesInto(spec, a.Name),
                [.. Enumerable.Repeat(true, spec.Time.Steps + 1)]), new NodeIssues(a, diagnostics));
        foreach (var p in spec.Projections.Where(p => Known(p.From) && Known(p.To)))
            p.Options.Resolve(new ProjectionContext(p.Name, p.From, p.To, shapes[p.From], shapes[p.To], spec.WeightCopies), new NodeIssues(p, diagnostics));
        foreach (var r in spec.Readouts.Where(r => r.From != spec.Input.Name && Known(r.From)))
            r.Options.Resolve(new ReadoutContext(r.Name, r.From, shapes[r.From], spec.Time.Steps), new NodeIssues(r, diagnostics));
    }

    private static IReadOnlyList<ModulatoryMode> ModesInto(NetworkSpec spec, string area)
    {
        var present = spec.Projections.Where(p => p.To == area).Select(p => p.Mode).OfType<ModulatoryMode>().ToHashSet();
        return [.. ProjectionModes.All.OfType<ModulatoryMode>().Where(present.Contains)];
    }

    private static List<GraphNode> TopologicalOrder(NetworkSpec spec, List<GraphNode> nodes)
    {
        var zero = spec.Projections.Where(p => p.Delay == 0 && p.From != spec.Input.Name).ToList();
        var remaining = nodes.Skip(1).ToList();
        var order = new List<GraphNode>();
        while (remaining.Count > 0)
        {
            var ready = remaining.Where(n => !zero.Any(p => p.To == n.Name && remaining.Any(r => r.Name == p.From)))
                                 .OrderBy(n => n.Level).ThenBy(n => n.Index).FirstOrDefault()
                ?? throw new ArgumentException("invalid network (validate it first): a cycle of zero-delay projections");
            order.Add(ready);
            remaining.Remove(ready);
        }
        return order;
    }
}
