using Cortex.Experiments.Statistics;
using ScottPlot;

namespace Cortex.Experiments.Reports;

/// <summary>
/// Test accuracy at each read step, one line per arm (mean over seeds) with its interval band; beyond
/// <see cref="IntervalLines.LegendInsideAtMost"/> arms the bands are left out (they would hide the lines) and the title says so.
/// </summary>
public static class AccuracyPerStepFigure
{
    /// <summary>The figure for readout <paramref name="readout"/> of every arm that has it.</summary>
    public static Plot Create(IReadOnlyList<ArmResult> arms, string readout, double level = MeanEstimate.DefaultLevel)
    {
        ArgumentNullException.ThrowIfNull(arms);
        var drawn = arms.Where(a => a.Readouts.Any(r => r.Readout == readout)).ToList();
        if (drawn.Count == 0) throw new ArgumentException($"accuracy per step: no arm has readout '{readout}'", nameof(readout));
        var plot = new Plot();
        bool bands = IntervalLines.BandsFit(drawn.Count);
        int last = 1;
        for (int i = 0; i < drawn.Count; i++)
        {
            var r = drawn[i].Readout(readout);
            IntervalLines.Add(plot, r.Steps.Select(s => (double)s).ToArray(), r.Steps.Select(s => r.At(s, level)).ToArray(), drawn[i].Name,
                IntervalLines.ColourOf(i, drawn.Count), shape: IntervalLines.ShapeOf(i), interval: bands);
            last = Math.Max(last, r.LastStep);
        }
        plot.XLabel("time step t");
        plot.YLabel("accuracy (%)");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(Math.Max(1, last / 10));
        plot.Axes.SetLimitsX(0.5, last + 0.5);
        IntervalLines.Finish(plot, $"Test accuracy per step (readout '{readout}'; {IntervalLines.IntervalNote(level, bands)})",
            Alignment.LowerRight);
        return plot;
    }
}
