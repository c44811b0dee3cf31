using Cortex.Connectivity.Spec;

namespace Cortex.Connectivity.Graph;

/// <summary>A node of the graph: the input (level 0, <see cref="Area"/> null) or an area.</summary>
public sealed record GraphNode(int Index, string Name, int Level, AreaShape Shape, AreaSpec? Area)
{
    public bool IsInput => Area is null;
    public long Neurons => Shape.Size;
}

/// <summary>A resolved projection: its endpoints, delay and geometry (weights, MACs).</summary>
public sealed record GraphProjection(int Index, ProjectionSpec Spec, GraphNode From, GraphNode To, ProjectionGeometry Geometry)
{
    public string Name => Spec.Name;
    public ProjectionType Type => Spec.Type;
    public int Delay => Spec.Delay;
    public bool IsMultiplicative => Spec.Mode == ProjectionMode.Multiplicative;
}

/// <summary>A readout and the area it reads.</summary>
public sealed record GraphReadout(ReadoutSpec Spec, GraphNode From)
{
    /// <summary>Features after pooling: C (global average) or the whole state.</summary>
    public long Features => Spec.Pooling == ReadoutPooling.GlobalAverage ? From.Shape.Channels : From.Shape.Size;
    public long Parameters => Features * Spec.Classes + Spec.Classes;
}

/// <summary>
/// The network as a graph over areas: nodes (the input first, then areas in file order), projections with their
/// geometry, readouts, and an update order within one step that respects every zero-delay projection.
/// Built from a spec that passed validation (<see cref="NetworkLoader"/> does both).
/// </summary>
public sealed class NetworkGraph
{
    public NetworkSpec Spec { get; }
    public IReadOnlyList<GraphNode> Nodes { get; }
    public IReadOnlyList<GraphProjection> Projections { get; }
    public IReadOnlyList<GraphReadout> Readouts { get; }

    /// <summary>Areas (not the input) in the order they are updated within a step: a source of a zero-delay projection comes before its target.</summary>
    public IReadOnlyList<GraphNode> UpdateOrder { get; }

    public GraphNode Input => Nodes[0];
    public IEnumerable<GraphNode> Areas => Nodes.Skip(1);
    public int Steps => Spec.Time.Steps;

    public GraphNode Node(string name) => Nodes.FirstOrDefault(n => n.Name == name) ?? throw new ArgumentException($"no area or input named '{name}'", nameof(name));

    /// <summary>Projections into <paramref name="target"/>, in file order.</summary>
    public IEnumerable<GraphProjection> Into(GraphNode target) => Projections.Where(p => p.To == target);

    private NetworkGraph(NetworkSpec spec)
    {
        Spec = spec;
        var nodes = new List<GraphNode> { new(0, spec.Input.Name, 0, spec.Input.Shape, null) };
        nodes.AddRange(spec.Areas.Select((a, i) => new GraphNode(i + 1, a.Name, a.Level, a.Shape, a)));
        Nodes = nodes;
        var byName = nodes.ToDictionary(n => n.Name);
        Projections = spec.Projections.Select((p, i) =>
        {
            var (from, to) = (byName[p.From], byName[p.To]);
            var geometry = ProjectionGeometry.Resolve(p, from.Shape, to.Shape, out var error)
                ?? throw new ArgumentException($"invalid network (validate it first): {error}");
            return new GraphProjection(i, p, from, to, geometry);
        }).ToList();
        Readouts = spec.Readouts.Select(r => new GraphReadout(r, byName[r.From])).ToList();
        UpdateOrder = TopologicalOrder();
    }

    /// <summary>Builds the graph of a validated spec; throws <see cref="ArgumentException"/> if the spec breaks a graph rule.</summary>
    public static NetworkGraph Build(NetworkSpec spec) => new(spec);

    private List<GraphNode> TopologicalOrder()
    {
        var zero = Projections.Where(p => p.Delay == 0 && !p.From.IsInput).ToList();
        var remaining = Areas.ToList();
        var order = new List<GraphNode>();
        while (remaining.Count > 0)
        {
            var ready = remaining.Where(n => !zero.Any(p => p.To == n && remaining.Contains(p.From)))
                                 .OrderBy(n => n.Level).ThenBy(n => n.Index).FirstOrDefault()
                ?? throw new ArgumentException("invalid network (validate it first): a cycle of zero-delay projections");
            order.Add(ready);
            remaining.Remove(ready);
        }
        return order;
    }
}
