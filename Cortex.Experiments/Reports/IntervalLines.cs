using Cortex.Experiments.Statistics;
using ScottPlot;

namespace Cortex.Experiments.Reports;

/// <summary>What the figures share: a palette, and a line of means with its interval drawn as a band or as error bars.</summary>
internal static class IntervalLines
{
    private static readonly IPalette Palette = new ScottPlot.Palettes.Category10();

    /// <summary>The i-th colour of the figures' palette.</summary>
    public static Color ColourOf(int i) => Palette.GetColor(i);

    /// <summary>
    /// Adds the means <paramref name="estimates"/> at <paramref name="xs"/>, times <paramref name="scale"/>, as a line with
    /// markers labelled <paramref name="label"/>, and their intervals as a translucent band (or as error bars when
    /// <paramref name="errorBars"/>); points with one seed have no interval and get none. A <paramref name="secondary"/>
    /// line (a lesioned version beside the intact network) is thinner with open markers — not dashed, since dash patterns
    /// are lost in the SVG files.
    /// </summary>
    public static ScottPlot.Plottables.Scatter Add(Plot plot, IReadOnlyList<double> xs, IReadOnlyList<MeanEstimate> estimates, string label, Color colour,
        double scale = 100, bool secondary = false, bool errorBars = false)
    {
        double[] x = [.. xs];
        double[] mean = estimates.Select(e => scale * e.Mean).ToArray();
        if (estimates.All(e => e.HasInterval) && x.Length > 0)
        {
            double[] lower = estimates.Select(e => scale * e.Interval!.Value.Lower).ToArray();
            double[] upper = estimates.Select(e => scale * e.Interval!.Value.Upper).ToArray();
            if (errorBars || x.Length == 1)
            {
                var bars = plot.Add.ErrorBar(x, mean, mean.Select((m, i) => upper[i] - m).ToArray());
                bars.Color = colour;
            }
            else
            {
                var band = plot.Add.FillY(x, lower, upper);
                band.FillColor = colour.WithAlpha(0.18);
                band.LineColor = Colors.Transparent;
            }
        }
        var line = plot.Add.Scatter(x, mean, colour);
        line.LegendText = label;
        line.LineWidth = 2;
        line.MarkerSize = 7;
        if (secondary)
        {
            line.LineWidth = 1.5f;
            line.MarkerShape = MarkerShape.OpenCircle;
        }
        return line;
    }

    /// <summary>The text of a caption note on how intervals are drawn.</summary>
    public static string IntervalNote(double level) => $"bands: {100 * level:0}% t-interval over seeds";
}
