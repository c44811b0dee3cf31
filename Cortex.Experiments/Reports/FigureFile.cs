using ScottPlot;

namespace Cortex.Experiments.Reports;

/// <summary>Saves a ScottPlot figure as <c>name.png</c> and <c>name.svg</c> side by side.</summary>
public static class FigureFile
{
    /// <summary>Default width of report figures, in pixels.</summary>
    public const int Width = 720;

    /// <summary>Default height of report figures, in pixels.</summary>
    public const int Height = 480;

    /// <summary>Writes <paramref name="plot"/> to <paramref name="folder"/>/<paramref name="name"/>.png and .svg.</summary>
    public static SavedFigure Save(Plot plot, string folder, string name, string title, int width = Width, int height = Height)
    {
        ArgumentNullException.ThrowIfNull(plot);
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
