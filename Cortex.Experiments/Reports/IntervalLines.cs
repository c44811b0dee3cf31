using Cortex.Experiments.Statistics;
using ScottPlot;

namespace Cortex.Experiments.Reports;

/// <summary>
/// What the figures share: a palette, a line of means with its interval drawn as a band or as error bars, and the
/// finishing touches (a title that fits, a legend that leaves the data visible).
/// </summary>
internal static class IntervalLines
{
    private static readonly IPalette Ten = new ScottPlot.Palettes.Category10();
    private static readonly IPalette Twenty = new ScottPlot.Palettes.Category20();
    private static readonly MarkerShape[] Shapes = [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond];

    /// <summary>Legend entries above which the legend leaves the data area for a panel on the right (<see cref="FigureFile"/> widens the figure for it).</summary>
    public const int LegendInsideAtMost = 8;

    /// <summary>
    /// The i-th colour of a figure of <paramref name="count"/> lines: ten well-separated colours while they suffice, twenty
    /// beyond (a line beyond the twentieth differs from an earlier one of its colour by its marker, <see cref="ShapeOf"/>).
    /// </summary>
    public static Color ColourOf(int i, int count) => (count <= 10 ? Ten : Twenty).GetColor(i);

    /// <summary>The marker of the i-th line: circles for the first twenty, then squares, triangles, diamonds.</summary>
    public static MarkerShape ShapeOf(int i) => Shapes[i / 20 % Shapes.Length];

    /// <summary>
    /// Adds the means <paramref name="estimates"/> (accuracies, fractions in [0, 1]) at <paramref name="xs"/>, times
    /// <paramref name="scale"/>, as a line with markers labelled <paramref name="label"/>, and their intervals as a
    /// translucent band (or as error bars when <paramref name="errorBars"/>), cut to [0, <paramref name="scale"/>]: a
    /// t-interval over few seeds can reach past what an accuracy can be. Points with one seed have no interval and get
    /// none, nor do any when <paramref name="interval"/> is false. The marker is <paramref name="shape"/> (circles by
    /// default). A <paramref name="secondary"/> line (a lesioned version beside the intact network) is thinner with open
    /// markers — not dashed, since dash patterns are lost in the SVG files.
    /// </summary>
    public static ScottPlot.Plottables.Scatter Add(Plot plot, IReadOnlyList<double> xs, IReadOnlyList<MeanEstimate> estimates, string label, Color colour,
        double scale = 100, bool secondary = false, bool errorBars = false, MarkerShape shape = MarkerShape.FilledCircle, bool interval = true)
    {
        double[] x = [.. xs];
        double[] mean = estimates.Select(e => scale * e.Mean).ToArray();
        if (interval && estimates.All(e => e.HasInterval) && x.Length > 0)
        {
            double[] lower = estimates.Select(e => scale * Math.Clamp(e.Interval!.Value.Lower, 0, 1)).ToArray();
            double[] upper = estimates.Select(e => scale * Math.Clamp(e.Interval!.Value.Upper, 0, 1)).ToArray();
            if (errorBars || x.Length == 1)
            {
                var bars = plot.Add.ErrorBar(x, mean, mean.Select((m, i) => upper[i] - m).ToArray());
                bars.YErrorNegative = mean.Select((m, i) => m - lower[i]).ToArray();
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
        line.MarkerShape = shape;
        if (secondary)
        {
            line.LineWidth = 1.5f;
            line.MarkerShape = MarkerShape.OpenCircle;
        }
        return line;
    }

    /// <summary>
    /// Titles the plot, in a size that fits <paramref name="title"/> into a figure of <see cref="FigureFile.Width"/>
    /// pixels, and shows the legend: inside the data area at <paramref name="inside"/> when it has at most
    /// <see cref="LegendInsideAtMost"/> entries, otherwise in a panel to the right of it, where it hides nothing.
    /// </summary>
    public static void Finish(Plot plot, string title, Alignment inside)
    {
        // A bold serif title takes about 0.6 of its size per character; 18 is ScottPlot's default, 11 the smallest used.
        plot.Title(title, (float)Math.Clamp(FigureFile.Width / (0.6 * Math.Max(1, title.Length)), 11, 18));
        if (LegendLabels(plot).Count <= LegendInsideAtMost) plot.ShowLegend(inside);
        else
        {
            plot.ShowLegend(Edge.Right);
            plot.Legend.FontSize = 11;
        }
    }

    /// <summary>The texts of the plot's legend entries.</summary>
    public static IReadOnlyList<string> LegendLabels(Plot plot) =>
        plot.GetPlottables().SelectMany(p => p.LegendItems).Select(item => item.LabelText).Where(text => !string.IsNullOrEmpty(text)).ToList();

    /// <summary>
    /// Whether a figure of <paramref name="lines"/> lines draws their interval bands: up to <see cref="LegendInsideAtMost"/>;
    /// beyond, overlapping bands hide the lines, and the intervals are left to the report's tables and CSV files.
    /// </summary>
    public static bool BandsFit(int lines) => lines <= LegendInsideAtMost;

    /// <summary>The text of a caption note on how intervals are drawn, or where they are when <paramref name="bands"/> is false.</summary>
    public static string IntervalNote(double level, bool bands = true) =>
        bands ? $"bands: {100 * level:0}% t-interval over seeds" : "means over seeds; intervals in the CSV files";
}
