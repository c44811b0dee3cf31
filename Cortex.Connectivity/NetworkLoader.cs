using Cortex.Connectivity.Graph;
using Cortex.Connectivity.Reading;
using Cortex.Connectivity.Spec;
using Cortex.Connectivity.Validation;
using LedgerOf = Cortex.Connectivity.Graph.Ledger;

namespace Cortex.Connectivity;

/// <summary>A network file that passed validation: its spec, its graph, and the warnings it raised.</summary>
public sealed record LoadedNetwork(NetworkSpec Spec, NetworkGraph Graph, IReadOnlyList<ConfigMessage> Warnings)
{
    public Schedule Schedule() => new(Graph);
    public Ledger Ledger() => LedgerOf.Of(Graph);
}

/// <summary>Reads and validates a network file in one call, before anything is allocated.</summary>
public static class NetworkLoader
{
    /// <summary>Loads <paramref name="path"/>; throws <see cref="ConfigErrors"/> listing every error (with the warnings) if any.</summary>
    public static LoadedNetwork Load(string path) => Finish(d => NetworkReader.ReadFile(path, d));

    /// <summary>Loads YAML text; <paramref name="file"/> names it in messages.</summary>
    public static LoadedNetwork Parse(string yaml, string file = "network.yaml") => Finish(d => NetworkReader.Read(yaml, file, d));

    /// <summary>Reads and validates without throwing: the spec (null when unreadable) and every message.</summary>
    public static (NetworkSpec? Spec, Diagnostics Diagnostics) Check(string yaml, string file = "network.yaml")
    {
        var diagnostics = new Diagnostics();
        var spec = NetworkReader.Read(yaml, file, diagnostics);
        if (spec is not null) NetworkValidator.Validate(spec, diagnostics);
        return (spec, diagnostics);
    }

    private static LoadedNetwork Finish(Func<Diagnostics, NetworkSpec?> read)
    {
        var diagnostics = new Diagnostics();
        var spec = read(diagnostics);
        if (spec is not null) NetworkValidator.Validate(spec, diagnostics);
        if (spec is null || diagnostics.HasErrors) throw new ConfigErrors(diagnostics.Errors, diagnostics.Warnings);
        return new LoadedNetwork(spec, NetworkGraph.Build(spec), diagnostics.Warnings);
    }
}
