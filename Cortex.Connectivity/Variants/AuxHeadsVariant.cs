using Cortex.Areas.Projections;
using Cortex.Areas.Readouts;
using Cortex.Connectivity.Spec;

namespace Cortex.Connectivity.Variants;

/// <summary>
/// <c>aux-heads</c>: Zamir et al. 2017's control for loss placement — the network's feedforward form run for one step
/// (synchronous: a full bottom-up sweep, so every area is at its full depth at t = 1), with a readout (a "head") after
/// every area, ordered by depth, each a copy of the original readout reading that area. Heads take the place of steps:
/// with <see cref="LossPlacement.EveryStep"/> (the default) every head is trained, as a loss at every step; with
/// <see cref="LossPlacement.Final"/> only the original readout is, and the other heads are evaluated with loss_weight 0,
/// as a loss at the final step.
/// </summary>
public sealed class AuxHeadsVariant : VariantKind
{
    /// <inheritdoc/>
    public override string Word => "aux-heads";

    /// <inheritdoc/>
    public override string Summary => "the feedforward network, one step, with a readout after every area (Zamir et al. 2017's control for loss placement)";

    /// <inheritdoc/>
    public override string MatchingRule => "not matched: the feedforward network's synapses, plus one readout per area";

    /// <inheritdoc/>
    public override IReadOnlyList<string> Settings => ["loss"];

    /// <inheritdoc/>
    protected override VariantEdit Transform(LoadedNetwork original, VariantSettings settings)
    {
        var placement = settings.HeadLoss ?? LossPlacement.EveryStep;
        if (placement == LossPlacement.CoarseToFine)
            throw new ArgumentException($"{Word} trains every head (every-step) or the original readout only (final); coarse-to-fine has no order over heads");
        var spec = original.Spec;
        if (spec.Areas.Count < 2)
            throw new VariantNotApplicable($"{Word} does not apply to {spec.Name}: it has one area, which its readout reads already");
        var form = FeedforwardForm.Of(original, Word);
        var changes = form.Changes.ToList();

        var delayed = form.Spec.Projections.Where(p => p.Delay > 0).ToList();
        var oneStep = form.Spec with
        {
            Time = form.Spec.Time with { Steps = 1, Unroll = Unroll.Synchronous },
            Input = form.Spec.Input with { Presentation = Presentation.EveryStep },
            WeightTying = WeightTying.Shared, TyingBlock = 1,
            Projections = [.. form.Spec.Projections.Select(p => p with { Delay = 0 })],
        };
        if (spec.Time.Steps != 1 || spec.Time.Unroll != Unroll.Synchronous)
            changes.Add($"one step, unroll synchronous (was {spec.Time.Steps} step{(spec.Time.Steps == 1 ? "" : "s")}, {spec.Time.Unroll.ToString().ToLowerInvariant()}): "
                + "a feedforward network reaches its full depth at step 1, and its heads take the place of the steps");
        if (spec.Input.Presentation != Presentation.EveryStep) changes.Add($"presentation every-step (was {spec.Input.Presentation}): the one step shows the image");
        if (delayed.Count > 0) changes.Add($"delay 0 (was {string.Join(", ", delayed.Select(p => $"{p.Name} {p.Delay}"))}): within the one step every area reads the one below");
        if (spec.WeightTying != WeightTying.Shared) changes.Add($"weight_tying {Graph.Schedule.Tying(spec)} → shared: one step has one copy");

        var ledger = NetworkLoader.Validate(oneStep).Ledger;
        var reached = ledger.Areas.Select((a, i) => (Area: form.Spec.Areas[i], Depth: a.DepthPerStep[0])).ToList();
        var unreached = reached.Where(x => x.Depth is null).Select(x => x.Area.Name).ToList();
        if (unreached.Count > 0) changes.Add($"no head on {string.Join(", ", unreached)}: the feedforward network does not reach {(unreached.Count == 1 ? "it" : "them")}");
        var byDepth = reached.Where(x => x.Depth is not null).OrderBy(x => x.Depth).ToList();

        var readouts = new List<ReadoutSpec>();
        var names = new HashSet<string>();
        foreach (var r in spec.Readouts)
        {
            if (r.Options is not LinearReadout.Options linear)
                throw new VariantNotApplicable($"{Word} does not apply to {spec.Name}: it places heads like readouts of kind linear, and readout {r.Name} is kind {r.Kind.Word}");
            var heads = new List<string>();
            foreach (var (area, depth) in byDepth)
            {
                bool own = area.Name == r.From;
                string name = own ? r.Name : r.Name == $"readout-{r.From}" ? $"readout-{area.Name}" : $"{r.Name}-{area.Name}";
                while (!names.Add(name) || (!own && spec.Readouts.Any(o => o.Name == name))) name += "-head";
                bool spatial = area.Shape.IsSpatial;
                var resampling = spatial && linear.Resampling.Apply(area.Shape, out _) is not null ? linear.Resampling : SourceResampling.None;
                readouts.Add(r with
                {
                    Name = name, From = area.Name,
                    Options = linear with
                    {
                        Steps = LinearReadout.StepChoice.All, StepList = [], Loss = null, Resampling = resampling,
                        GlobalAverage = spatial && linear.GlobalAverage,
                        LossWeight = placement == LossPlacement.Final && !own ? 0 : linear.LossWeight,
                    },
                });
                heads.Add($"{name} ({area.Name}, depth {depth})");
            }
            string trained = placement == LossPlacement.Final
                ? $"only {r.Name} trained (final), the others evaluated with loss_weight 0"
                : "every head trained (every-step), each with the original's loss_weight";
            changes.Add($"heads of {r.Name} by depth: {string.Join(", ", heads)}; {trained}");
        }
        return new VariantEdit(oneStep with { Name = $"{spec.Name}-{Word}", Readouts = readouts }, changes);
    }
}
