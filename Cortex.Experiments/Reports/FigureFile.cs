using ScottPlot;

namespace Cortex.Experiments.Reports;

/// <summary>Saves a ScottPlot figure as <c>name.png</c> and <c>name.svg</c> side by side.</summary>
public static class FigureFile
{
    /// <summary>Default width of report figures, in pixels.</summary>
    public const int Width = 720;

    /// <summary>Default height of report figures, in pixels.</summary>
    public const int Height = 480;

    /// <summary>
    /// Writes <paramref name="plot"/> to <paramref name="folder"/>/<paramref name="name"/>.png and .svg. A legend placed
    /// beside the data area (<see cref="IntervalLines.Finish"/>) widens the figure by its own width and makes it tall
    /// enough for every entry, so that the data area keeps the size it has without one.
    /// </summary>
    public static SavedFigure Save(Plot plot, string folder, string name, string title, int width = Width, int height = Height)
    {
        ArgumentNullException.ThrowIfNull(plot);
        if (plot.Axes.GetPanels().OfType<ScottPlot.Panels.LegendPanel>().Any())
        {
            var labels = IntervalLines.LegendLabels(plot);
            // About 6.5 pixels per character at the legend's 11 points, plus the symbol and padding; 20 pixels per entry.
            width += 60 + (int)(6.5 * labels.Max(l => l.Length));
            height = Math.Max(height, 140 + 20 * labels.Count);
        }
        if (string.IsNullOrWhiteSpace(name) || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
            throw new ArgumentException($"figure name '{name}' must be a plain file name without extension", nameof(name));
        string full = Path.GetFullPath(folder);
        Directory.CreateDirectory(full);
        string png = Path.Combine(full, name + ".png"), svg = Path.Combine(full, name + ".svg");
        plot.SavePng(png, width, height);
        plot.SaveSvg(svg, width, height);
        return new SavedFigure(title, png, svg);
    }
}
