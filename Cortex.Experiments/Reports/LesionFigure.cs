using Cortex.Experiments.Statistics;
using ScottPlot;

namespace Cortex.Experiments.Reports;

/// <summary>Lesion effects per step: the intact arm (filled markers) and each lesioned version of it (thinner, open markers), with interval bands.</summary>
public static class LesionFigure
{
    /// <summary>The figure of readout <paramref name="readout"/>: <paramref name="intact"/> against each of <paramref name="lesioned"/>.</summary>
    public static Plot Create(ArmResult intact, IReadOnlyList<ArmResult> lesioned, string readout, double level = MeanEstimate.DefaultLevel)
    {
        ArgumentNullException.ThrowIfNull(intact);
        ArgumentNullException.ThrowIfNull(lesioned);
        if (lesioned.Count == 0) throw new ArgumentException($"lesion figure: no lesioned versions of '{intact.Name}'", nameof(lesioned));
        var plot = new Plot();
        var arms = new[] { intact }.Concat(lesioned).ToList();
        int last = 1;
        for (int i = 0; i < arms.Count; i++)
        {
            var r = arms[i].Readout(readout);
            IntervalLines.Add(plot, r.Steps.Select(s => (double)s).ToArray(), r.Steps.Select(s => r.At(s, level)).ToArray(), arms[i].Name, IntervalLines.ColourOf(i, arms.Count), secondary: i > 0);
            last = Math.Max(last, r.LastStep);
        }
        plot.XLabel("time step t");
        plot.YLabel("accuracy (%)");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(Math.Max(1, last / 10));
        plot.Axes.SetLimitsX(0.5, last + 0.5);
        IntervalLines.Finish(plot, $"Lesions of {intact.Name} (readout '{readout}'; {IntervalLines.IntervalNote(level)})", Alignment.LowerRight);
        return plot;
    }
}
