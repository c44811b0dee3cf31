using Cortex.Areas.Dynamics;
using Cortex.Connectivity.Spec;

namespace Cortex.Connectivity.Variants;

/// <summary>
/// The feedforward network inside a network: its lateral and feedback projections removed, and its leaks (a leak is a
/// fixed self-connection of weight 1 − α that carries the state from step to step) set to τ = dt. Areas whose kind reads
/// the area's own past state through its own synapses (gated, cornet-rt) have no feedforward form: such a network is
/// refused, naming them.
/// </summary>
/// <param name="Spec">The feedforward network.</param>
/// <param name="Changes">What was removed, one line each.</param>
/// <param name="WasRecurrent">Whether anything was removed (false: the network was feedforward already).</param>
internal sealed record FeedforwardForm(NetworkSpec Spec, IReadOnlyList<string> Changes, bool WasRecurrent)
{
    /// <summary>The feedforward form of <paramref name="original"/>, for the variant <paramref name="variant"/> (named in refusals).</summary>
    public static FeedforwardForm Of(LoadedNetwork original, string variant)
    {
        var spec = original.Spec;
        var changes = new List<string>();
        foreach (var type in new[] { ProjectionType.Lateral, ProjectionType.Feedback })
        {
            var removed = spec.Projections.Where(p => p.Type == type).ToList();
            if (removed.Count == 0) continue;
            long synapses = removed.Sum(p => SpecEdits.WeightsPerCopy(original, p.Name)) * spec.WeightCopies;
            changes.Add($"removed {ProjectionTypes.Rule(type).Word} projection{(removed.Count == 1 ? "" : "s")} {SpecEdits.Listed(removed, original)}: "
                + $"{Matching.Count(synapses)} synapses{(spec.WeightCopies == 1 ? "" : $" over {spec.WeightCopies} weight copies")}");
        }
        var leaky = spec.Areas.Where(a => a.Options is StandardArea.Options { IsLeaky: true }).ToList();
        if (leaky.Count > 0)
            changes.Add($"leak removed (τ = dt) in {string.Join(", ", leaky.Select(a => $"{a.Name} (τ was {Cortex.Areas.Options.OptionText.Number(((StandardArea.Options)a.Options).Tau)}{(((StandardArea.Options)a.Options).TauTrainable ? ", trainable" : "")})"))}: "
                + "a leak carries the state from step to step");
        var feedforward = SpecEdits.Recomplete(spec with
        {
            Projections = [.. spec.Projections.Where(p => p.Type == ProjectionType.Feedforward)],
            Areas = [.. spec.Areas.Select(a => a.Options is StandardArea.Options { IsLeaky: true } s ? a with { Options = s with { Tau = s.Dt, TauTrainable = false } } : a)],
        });
        var recurrent = NetworkLoader.Validate(feedforward).Graph.Areas.Where(n => n.Model!.StateDepth is not null).ToList();
        if (recurrent.Count > 0)
        {
            var kinds = string.Join(", ", recurrent.Select(n => n.Area!.Kind.Word).Distinct());
            throw new VariantNotApplicable($"{variant} does not apply to {spec.Name}: {string.Join(", ", recurrent.Select(n => n.Name))} {SpecEdits.Is(recurrent.Count)} kind {kinds}, "
                + "whose update reads the area's own past state through its own synapses; only lateral and feedback projections and leaks can be removed, so it has no feedforward form");
        }
        return new FeedforwardForm(feedforward, changes, changes.Count > 0);
    }

    /// <summary>Refuses a network that was feedforward already, for variants that need a recurrent network (to remove from, or to match).</summary>
    public FeedforwardForm Recurrent(string variant, string why)
    {
        if (!WasRecurrent)
            throw new VariantNotApplicable($"{variant} does not apply to {Spec.Name}: it has no lateral or feedback projections and no leaky areas, so it is feedforward already{why}");
        return this;
    }
}
