using ScottPlot;

namespace Cortex.Experiments.Reports;

/// <summary>One line of an accuracy-per-step plot: (t, accuracy in [0, 1]) at each read step.</summary>
/// <param name="Label">The legend's text.</param>
/// <param name="Accuracy">(t, accuracy) pairs, in step order.</param>
public sealed record AccuracyCurve(string Label, IReadOnlyList<(int Step, double Accuracy)> Accuracy);

/// <summary>Accuracy per time step for one or more runs, drawn with ScottPlot and saved as PNG and SVG.</summary>
public static class AccuracyPlot
{
    /// <summary>The plot of <paramref name="curves"/>.</summary>
    public static Plot Create(IReadOnlyList<AccuracyCurve> curves, string title = "Test accuracy per time step")
    {
        if (curves.Count == 0) throw new ArgumentException("accuracy plot: no runs to draw");
        var plot = new Plot();
        int steps = 1;
        foreach (var curve in curves)
        {
            if (curve.Accuracy.Count == 0) throw new ArgumentException($"accuracy plot: run '{curve.Label}' has no time steps");
            double[] t = curve.Accuracy.Select(a => (double)a.Step).ToArray();
            double[] percent = curve.Accuracy.Select(a => 100 * a.Accuracy).ToArray();
            var line = plot.Add.Scatter(t, percent);
            line.LegendText = curve.Label;
            line.LineWidth = 2;
            line.MarkerSize = 7;
            steps = Math.Max(steps, curve.Accuracy.Max(a => a.Step));
        }
        plot.Title(title);
        plot.XLabel("time step t");
        plot.YLabel("accuracy (%)");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(Math.Max(1, steps / 10));
        plot.Axes.SetLimitsX(0.5, steps + 0.5);
        plot.ShowLegend(Alignment.LowerRight);
        return plot;
    }

    /// <summary>Saves the plot as PNG and SVG (<paramref name="width"/> × <paramref name="height"/> pixels).</summary>
    public static void Save(IReadOnlyList<AccuracyCurve> curves, string pngPath, string svgPath, string title = "Test accuracy per time step", int width = 640, int height = 420)
    {
        var plot = Create(curves, title);
        foreach (var path in (string[])[pngPath, svgPath])
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(pngPath, width, height);
        plot.SaveSvg(svgPath, width, height);
    }
}
