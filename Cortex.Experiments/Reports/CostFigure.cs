using Cortex.Experiments.Statistics;
using ScottPlot;

namespace Cortex.Experiments.Reports;

/// <summary>
/// Accuracy against cost (synapses or MACs per image), at each arm's last read step: arms of a family (e.g. the
/// feedforward controls) as one connected curve in order of cost, other arms (recurrent networks) as labelled
/// points; error bars show the intervals over seeds.
/// </summary>
public static class CostFigure
{
    /// <summary>The figure for readout <paramref name="readout"/> of every arm that has it.</summary>
    public static Plot Create(IReadOnlyList<ArmResult> arms, string readout, CostAxis axis, double level = MeanEstimate.DefaultLevel)
    {
        ArgumentNullException.ThrowIfNull(arms);
        var drawn = arms.Where(a => a.Readouts.Any(r => r.Readout == readout)).ToList();
        if (drawn.Count == 0) throw new ArgumentException($"accuracy against cost: no arm has readout '{readout}'", nameof(readout));
        double Cost(ArmResult arm) => axis == CostAxis.Synapses ? arm.Ledger.Synapses : arm.Ledger.MacsPerImage;
        MeanEstimate Accuracy(ArmResult arm) => arm.Readout(readout).At(arm.Readout(readout).LastStep, level);

        var plot = new Plot();
        int colour = 0;
        foreach (var family in drawn.Where(a => a.Family is not null).GroupBy(a => a.Family!))
        {
            var members = family.OrderBy(Cost).ToList();
            IntervalLines.Add(plot, members.Select(Cost).ToArray(), members.Select(Accuracy).ToArray(), family.Key, IntervalLines.ColourOf(colour++), errorBars: true);
            foreach (var arm in members) Label(plot, arm.Name, Cost(arm), 100 * Accuracy(arm).Mean, IntervalLines.ColourOf(colour - 1));
        }
        foreach (var arm in drawn.Where(a => a.Family is null))
        {
            var colourOfArm = IntervalLines.ColourOf(colour++);
            var point = IntervalLines.Add(plot, [Cost(arm)], [Accuracy(arm)], arm.Name, colourOfArm, errorBars: true);
            point.MarkerSize = 10;
            point.MarkerShape = MarkerShape.FilledDiamond;
            Label(plot, arm.Name, Cost(arm), 100 * Accuracy(arm).Mean, colourOfArm);
        }
        plot.Title($"Accuracy against {(axis == CostAxis.Synapses ? "synapses" : "synaptic operations")} (readout {readout}, last step)");
        plot.XLabel(axis == CostAxis.Synapses ? "synapses (unique trainable weights)" : "synaptic operations per image (MACs, all steps)");
        plot.YLabel("accuracy (%)");
        plot.ShowLegend(Alignment.LowerRight);
        return plot;
    }

    private static void Label(Plot plot, string text, double x, double y, Color colour)
    {
        var label = plot.Add.Text(text, x, y);
        label.LabelFontColor = colour;
        label.LabelFontSize = 11;
        label.OffsetX = 6;
        label.OffsetY = -6;
    }
}
