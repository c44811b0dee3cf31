using Cortex.Experiments.Statistics;
using ScottPlot;

namespace Cortex.Experiments.Reports;

/// <summary>
/// Accuracy against the level of a stimulus manipulation (occlusion, noise, clutter): one line per arm with its interval
/// band (left out beyond <see cref="IntervalLines.LegendInsideAtMost"/> arms, as in <see cref="AccuracyPerStepFigure"/>).
/// </summary>
public static class RobustnessFigure
{
    /// <summary>The figure of <paramref name="curves"/> (all of one stimulus).</summary>
    public static Plot Create(IReadOnlyList<RobustnessCurve> curves)
    {
        ArgumentNullException.ThrowIfNull(curves);
        if (curves.Count == 0) throw new ArgumentException("robustness figure: no curves to draw", nameof(curves));
        var stimuli = curves.Select(c => c.Stimulus).Distinct().ToList();
        if (stimuli.Count > 1) throw new ArgumentException($"robustness figure: one stimulus per figure, got {string.Join(", ", stimuli)}", nameof(curves));
        var plot = new Plot();
        bool bands = IntervalLines.BandsFit(curves.Count);
        for (int i = 0; i < curves.Count; i++)
        {
            var points = curves[i].Points.OrderBy(p => p.Level).ToList();
            IntervalLines.Add(plot, points.Select(p => p.Level).ToArray(), points.Select(p => p.Accuracy).ToArray(),
                $"{curves[i].Arm} (t = {curves[i].Step})", IntervalLines.ColourOf(i, curves.Count), shape: IntervalLines.ShapeOf(i),
                interval: bands);
        }
        double level = curves.SelectMany(c => c.Points).Select(p => p.Accuracy.Interval?.Level).FirstOrDefault(l => l is not null) ?? MeanEstimate.DefaultLevel;
        plot.XLabel(stimuli[0]);
        plot.YLabel("accuracy (%)");
        IntervalLines.Finish(plot, $"Accuracy against {stimuli[0]} ({IntervalLines.IntervalNote(level, bands)})", Alignment.LowerLeft);
        return plot;
    }
}
