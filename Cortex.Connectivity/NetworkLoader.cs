using Cortex.Connectivity.Graph;
using Cortex.Connectivity.Reading;
using Cortex.Connectivity.Spec;
using Cortex.Connectivity.Validation;

namespace Cortex.Connectivity;

/// <summary>A network file that passed validation: its spec, its graph (built once, every kind resolved), and the warnings it raised.</summary>
/// <param name="Spec">The typed spec, defaults resolved.</param>
/// <param name="Graph">The graph the builder, the ledger and the reports read.</param>
/// <param name="Warnings">What was allowed but looks unintended.</param>
public sealed record LoadedNetwork(NetworkSpec Spec, NetworkGraph Graph, IReadOnlyList<ConfigMessage> Warnings)
{
    private Graph.Ledger? ledger;

    /// <summary>Which step each projection reads.</summary>
    public Schedule Schedule => Graph.Schedule;

    /// <summary>The depth-per-synapse ledger (computed once).</summary>
    public Graph.Ledger Ledger => ledger ??= Cortex.Connectivity.Graph.Ledger.Of(Graph);
}

/// <summary>Reads and validates a network file in one call, before anything is allocated.</summary>
public static class NetworkLoader
{
    /// <summary>Loads <paramref name="path"/>; throws <see cref="ConfigErrors"/> listing every error (with the warnings) if any.</summary>
    public static LoadedNetwork Load(string path) => Finish(d => NetworkReader.ReadFile(path, d));

    /// <summary>Loads YAML text; <paramref name="file"/> names it in messages.</summary>
    public static LoadedNetwork Parse(string yaml, string file = "network.yaml") => Finish(d => NetworkReader.Read(yaml, file, d));

    /// <summary>Validates a spec made in code (a variant of another network, say) as if it had been read.</summary>
    public static LoadedNetwork Validate(NetworkSpec spec) => Finish(_ => spec);

    /// <summary>Reads and validates without throwing: the spec (null when unreadable), the graph (null when invalid) and every message.</summary>
    public static (NetworkSpec? Spec, NetworkGraph? Graph, Diagnostics Diagnostics) Check(string yaml, string file = "network.yaml")
    {
        var diagnostics = new Diagnostics();
        var spec = NetworkReader.Read(yaml, file, diagnostics);
        return (spec, spec is null ? null : Resolve(spec, diagnostics), diagnostics);
    }

    private static NetworkGraph? Resolve(NetworkSpec spec, Diagnostics diagnostics)
    {
        NetworkValidator.Validate(spec, diagnostics);
        if (!diagnostics.HasErrors) return NetworkGraph.Resolve(spec, diagnostics);
        NetworkGraph.CheckKinds(spec, diagnostics);
        return null;
    }

    private static LoadedNetwork Finish(Func<Diagnostics, NetworkSpec?> read)
    {
        var diagnostics = new Diagnostics();
        var spec = read(diagnostics);
        var graph = spec is null ? null : Resolve(spec, diagnostics);
        if (graph is null || diagnostics.HasErrors) throw new ConfigErrors(diagnostics.Errors, diagnostics.Warnings);
        return new LoadedNetwork(spec!, graph, diagnostics.Warnings);
    }
}
