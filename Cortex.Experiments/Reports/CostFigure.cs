using Cortex.Experiments.Statistics;
using ScottPlot;

namespace Cortex.Experiments.Reports;

/// <summary>
/// Accuracy against cost (synapses or MACs per image), at each arm's last read step: arms of a family (e.g. the
/// feedforward controls) as one connected curve per condition in order of cost, other arms (recurrent networks) as
/// diamonds, labelled beside the point while there are few of them (the legend names them all); error bars show the
/// intervals over seeds.
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
        var others = drawn.Where(a => a.Family is null).ToList();
        // One curve per family and condition (with its test), so that arms trained or tested differently are not joined;
        // its points are labelled with the network's name, the legend names the family and condition.
        var curves = drawn.Where(a => a.Family is not null).GroupBy(a => (Family: a.Family!, a.Condition)).ToList();
        int lines = curves.Count + others.Count;
        bool severalConditions = curves.Select(c => c.Key.Condition).Distinct().Count() > 1;
        var labelled = new HashSet<(string, double)>();
        foreach (var curve in curves)
        {
            var members = curve.OrderBy(Cost).ToList();
            string legend = severalConditions && curve.Key.Condition.Length > 0 ? $"{curve.Key.Family} ({curve.Key.Condition})" : curve.Key.Family;
            IntervalLines.Add(plot, members.Select(Cost).ToArray(), members.Select(Accuracy).ToArray(), legend, IntervalLines.ColourOf(colour, lines), errorBars: true,
                shape: IntervalLines.ShapeOf(colour));
            colour++;
            foreach (var arm in members)
            {
                string network = arm.Name.Split('/')[0];
                if (labelled.Add((network, Cost(arm)))) Label(plot, network, Cost(arm), 100 * Accuracy(arm).Mean, IntervalLines.ColourOf(colour - 1, lines));
            }
        }
        foreach (var arm in others)
        {
            var colourOfArm = IntervalLines.ColourOf(colour, lines);
            var point = IntervalLines.Add(plot, [Cost(arm)], [Accuracy(arm)], arm.Name, colourOfArm, errorBars: true,
                shape: colour < 20 ? MarkerShape.FilledDiamond : IntervalLines.ShapeOf(colour));
            colour++;
            point.MarkerSize = 10;
            if (others.Count <= IntervalLines.LegendInsideAtMost) Label(plot, arm.Name, Cost(arm), 100 * Accuracy(arm).Mean, colourOfArm);
        }
        plot.XLabel(axis == CostAxis.Synapses ? "synapses (unique trainable weights)" : "synaptic operations per image (MACs, all steps)");
        plot.YLabel("accuracy (%)");
        IntervalLines.Finish(plot, $"Accuracy against {(axis == CostAxis.Synapses ? "synapses" : "synaptic operations")} (readout '{readout}', last step)",
            Alignment.LowerRight);
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
