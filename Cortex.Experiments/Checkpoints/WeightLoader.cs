using Cortex.Core.Simulation;

namespace Cortex.Experiments.Checkpoints;

/// <summary>
/// What a checkpoint's arrays are called and how weights come out of it without an optimiser: parameters are
/// <c>param/&lt;name&gt;</c>, buffers (running normalisation statistics) <c>buffer/&lt;name&gt;</c>, optimiser state
/// <c>optimiser/&lt;kind&gt;.&lt;what&gt;/&lt;parameter&gt;</c>. Evaluation loads only the first two; a resume also restores the third,
/// into the optimiser the checkpoint names (<see cref="OptimiserOf"/>).
/// </summary>
public static class WeightLoader
{
    /// <summary>The prefix of a trainable parameter's array: <c>param/V1→V2.weight</c>.</summary>
    public const string ParameterPrefix = "param/";

    /// <summary>The prefix of a non-trainable buffer's array (running normalisation statistics).</summary>
    public const string BufferPrefix = "buffer/";

    /// <summary>The prefix of an optimiser state array: <c>optimiser/adamw.m/V1→V2.weight</c>.</summary>
    public const string OptimiserPrefix = "optimiser/";

    /// <summary>Identifies a network's parameters (names and shapes): a checkpoint loads only into the same network.</summary>
    public static string Fingerprint(Network<float> network) => Fingerprints.OfParameters(network.Parameters.Select(p => (p.Name, p.Shape)));

    /// <summary>Copies the parameters and buffers of a checkpoint written by the same network into <paramref name="network"/>.</summary>
    public static void Load(Checkpoint checkpoint, Network<float> network)
    {
        checkpoint.EnsureFingerprint(Fingerprint(network), network.Name);
        foreach (var p in network.Parameters) checkpoint.CopyInto(ParameterPrefix + p.Name, p.Value);
        foreach (var (name, tensor) in network.Buffers) checkpoint.CopyInto(BufferPrefix + name, tensor);
    }

    /// <summary>
    /// The optimiser a checkpoint was trained with: its <c>optimiser</c> property, or, for checkpoints that lack it,
    /// the kind its optimiser arrays are named after; null when it holds no optimiser state at all.
    /// </summary>
    public static string? OptimiserOf(Checkpoint checkpoint)
    {
        if (checkpoint.Metadata.Properties.TryGetValue("optimiser", out var recorded) && recorded.Length > 0) return recorded;
        foreach (var array in checkpoint.Arrays)
            if (array.Name.StartsWith(OptimiserPrefix, StringComparison.Ordinal))
            {
                string rest = array.Name[OptimiserPrefix.Length..];
                int dot = rest.IndexOf('.');
                return dot > 0 ? rest[..dot] : rest;
            }
        return null;
    }
}
