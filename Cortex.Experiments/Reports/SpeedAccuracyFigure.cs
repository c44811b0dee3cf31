using ScottPlot;

namespace Cortex.Experiments.Reports;

/// <summary>Speed–accuracy of confidence-threshold early exit: accuracy against mean MACs per image, one curve per arm over its thresholds, with error bars.</summary>
public static class SpeedAccuracyFigure
{
    /// <summary>The figure of <paramref name="curves"/>.</summary>
    public static Plot Create(IReadOnlyList<SpeedAccuracyCurve> curves)
    {
        ArgumentNullException.ThrowIfNull(curves);
        if (curves.Count == 0) throw new ArgumentException("speed–accuracy figure: no curves to draw", nameof(curves));
        var plot = new Plot();
        for (int i = 0; i < curves.Count; i++)
        {
            var points = curves[i].Points.OrderBy(p => p.MeanMacsPerImage.Mean).ToList();
            IntervalLines.Add(plot, points.Select(p => p.MeanMacsPerImage.Mean).ToArray(), points.Select(p => p.Accuracy).ToArray(),
                curves[i].Arm, IntervalLines.ColourOf(i, curves.Count), errorBars: true, shape: IntervalLines.ShapeOf(i));
        }
        var thresholds = curves.SelectMany(c => c.Points).Select(p => p.Threshold).ToList();
        plot.XLabel("synaptic operations per image (MACs, mean over images)");
        plot.YLabel("accuracy (%)");
        IntervalLines.Finish(plot, FormattableString.Invariant($"Early exit: accuracy against compute (confidence thresholds {thresholds.Min():0.###} … {thresholds.Max():0.###})"),
            Alignment.LowerRight);
        return plot;
    }
}
