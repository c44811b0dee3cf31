namespace Cortex.Experiments.Reports;

/// <summary>A figure written to disk as PNG and SVG.</summary>
/// <param name="Title">What it shows, for the report's caption.</param>
/// <param name="Png">The PNG file.</param>
/// <param name="Svg">The SVG file.</param>
public sealed record SavedFigure(string Title, string Png, string Svg);
