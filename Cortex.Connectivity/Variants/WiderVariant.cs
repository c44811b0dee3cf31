namespace Cortex.Connectivity.Variants;

/// <summary>
/// <c>wider</c>: Spoerer et al. 2017's B-F control — the network's feedforward form with more channels (feature maps) in
/// every area, matched to the recurrent network's synapses (or MACs per image). The channels of all areas are scaled by a
/// common factor, then adjusted area by area to come closest to the target (<see cref="ChannelSearch"/>).
/// </summary>
public sealed class WiderVariant : VariantKind
{
    /// <inheritdoc/>
    public override string Word => "wider";

    /// <inheritdoc/>
    public override string Summary => "the feedforward network with more channels in every area (Spoerer et al. 2017's B-F)";

    /// <inheritdoc/>
    public override string MatchingRule => "channels of every area scaled together, then ±2 per area, to the recurrent network's synapses (or MACs per image) within 2%";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Settings => ["match"];

    /// <inheritdoc/>
    protected override VariantEdit Transform(LoadedNetwork original, VariantSettings settings)
    {
        var form = FeedforwardForm.Of(original, Word).Recurrent(Word, "; there is no recurrent network to match");
        long target = Matching.Measure(settings.Match, original.Ledger);
        int[] channels = [.. form.Spec.Areas.Select(a => a.Shape.Channels)];
        var choice = ChannelSearch.Closest(channels, c => SpecEdits.WithChannels(form.Spec, c), settings.Match, target);
        return new VariantEdit(choice.Spec with { Name = $"{original.Spec.Name}-{Word}" },
            [.. form.Changes, $"channels {ChannelSearch.Factor(channels, choice.Channels)}: {SpecEdits.ChannelChanges(form.Spec, choice.Channels)}"], settings.Match);
    }
}
