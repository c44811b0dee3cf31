using Cortex.Areas.Options;
using Cortex.Connectivity.Spec;
using Cortex.Connectivity.Validation;

namespace Cortex.Connectivity.Variants;

/// <summary>
/// A variant kind: a baseline generated from a network, as a pure function of its spec (the original is never changed).
/// <see cref="Apply(NetworkSpec, VariantSettings?)"/> validates the original, transforms it and validates the result
/// through <see cref="NetworkLoader.Validate"/>, so a variant is always a valid network with its ledger. A variant that
/// does not apply to a network throws <see cref="VariantNotApplicable"/> naming why.
/// </summary>
public abstract class VariantKind : IRegistryEntry
{
    /// <inheritdoc/>
    public abstract string Word { get; }

    /// <inheritdoc/>
    public abstract string Summary { get; }

    /// <summary>How the variant is matched to the original (or "not matched"), in one line, for docs and file headers.</summary>
    public abstract string MatchingRule { get; }

    /// <summary>The settings it reads, by word: "match" (<see cref="VariantSettings.Match"/>), "k" (<see cref="VariantSettings.K"/>), "loss" (<see cref="VariantSettings.HeadLoss"/>); others are ignored by the kind, and the command line refuses them.</summary>
    public virtual IReadOnlyList<string> Settings => [];

    /// <summary>The variant of <paramref name="spec"/> (validated first).</summary>
    public Variant Apply(NetworkSpec spec, VariantSettings? settings = null) => Apply(NetworkLoader.Validate(spec), settings);

    /// <summary>The variant of a network that passed validation.</summary>
    public Variant Apply(LoadedNetwork original, VariantSettings? settings = null)
    {
        settings ??= VariantSettings.Default;
        var edit = Transform(original, settings);
        LoadedNetwork network;
        try
        {
            network = NetworkLoader.Validate(edit.Spec);
        }
        catch (ConfigErrors e)
        {
            throw new InvalidOperationException($"the {Word} variant of {original.Spec.Name} is not a valid network: {string.Join("; ", e.Errors)}", e);
        }
        var match = edit.Match is { } quantity ? new Matching(quantity, Matching.Measure(quantity, original.Ledger), Matching.Measure(quantity, network.Ledger)) : null;
        return new Variant(this, original, network, edit.Changes, match);
    }

    /// <summary>The transformed spec, what was changed (one line each), and the quantity it is matched on (null: not matched).</summary>
    protected abstract VariantEdit Transform(LoadedNetwork original, VariantSettings settings);
}

/// <summary>What a variant kind made of a network, before validation.</summary>
/// <param name="Spec">The new spec.</param>
/// <param name="Changes">What was changed, one line each, in the order it was done.</param>
/// <param name="Match">The quantity matched to the original's (null: not matched).</param>
public sealed record VariantEdit(NetworkSpec Spec, IReadOnlyList<string> Changes, MatchQuantity? Match = null);
