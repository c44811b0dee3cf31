using ScottPlot;

namespace Cortex.Experiments.Similarity;

/// <summary>Pictures of an RSA (ScottPlot, PNG and SVG): RDM heatmaps, the matrix of comparisons, similarity to a reference per step.</summary>
public static class SimilarityPlots
{
    /// <summary>An RDM as a heatmap, conditions in order along both axes (condition 0 at the top left); returns the files written.</summary>
    public static IReadOnlyList<string> SaveRdm(KeyedRdm rdm, string pathWithoutExtension)
    {
        int n = rdm.Rdm.Count;
        var cells = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) cells[i, j] = rdm.Rdm[i, j];
        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(cells);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.ManualRange = new ScottPlot.Range(0, 2);
        plot.Add.ColorBar(heatmap).Label = "1 − Pearson r";
        plot.Title($"RDM {rdm.Key}");
        if (n <= 20) Ticks(plot, rdm.Rdm.Conditions);
        else
        {
            plot.XLabel(rdm.Rdm.Conditions.Count == n ? "condition" : "");
            plot.YLabel("condition");
        }
        return Save(plot, pathWithoutExtension, 560, 480);
    }

    /// <summary>Spearman's ρ between every two RDMs as a heatmap; returns the files written.</summary>
    public static IReadOnlyList<string> SaveComparisonMatrix(SimilarityResult result, string pathWithoutExtension)
    {
        int r = result.Rdms.Count;
        var cells = new double[r, r];
        for (int a = 0; a < r; a++)
            for (int b = 0; b < r; b++) cells[a, b] = result.Compare(a, b).SpearmanRho;
        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(cells);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.ManualRange = new ScottPlot.Range(-1, 1);
        plot.Add.ColorBar(heatmap).Label = "Spearman ρ";
        plot.Title(result.ClassAveraged ? "RDM similarity (class means)" : "RDM similarity");
        // Rows are named on the left (with their number); columns by number only, so long names need no rotated labels.
        double[] positions = [.. Enumerable.Range(0, r).Select(i => (double)i)];
        plot.Axes.Bottom.SetTicks(positions, [.. Enumerable.Range(0, r).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        plot.Axes.Left.SetTicks(positions, [.. result.Rdms.Select((k, i) => $"{k.Key} ({i})").Reverse()]);
        int size = Math.Clamp(200 + 28 * r, 480, 1600);
        return Save(plot, pathWithoutExtension, size + 160, size);
    }

    /// <summary>For every recording and area, Spearman's ρ of its RDM at each step with RDM number <paramref name="reference"/>; returns the files written.</summary>
    public static IReadOnlyList<string> SaveSimilarityPerStep(SimilarityResult result, int reference, string pathWithoutExtension)
    {
        var plot = new Plot();
        foreach (var group in result.Rdms.Select((k, i) => (k.Key, i)).GroupBy(x => (x.Key.Source, x.Key.Area)))
        {
            double[] steps = [.. group.Select(x => (double)x.Key.Step)];
            double[] rho = [.. group.Select(x => result.Compare(x.i, reference).SpearmanRho)];
            var line = plot.Add.Scatter(steps, rho);
            line.LegendText = result.Rdms.Select(k => k.Key.Source).Distinct().Count() > 1 ? $"{group.Key.Source} {group.Key.Area}" : group.Key.Area;
            line.LineWidth = 2;
            line.MarkerSize = 7;
        }
        plot.Title($"similarity to {result.Rdms[reference].Key} per time step");
        plot.XLabel("time step t");
        plot.YLabel("Spearman ρ");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(1);
        plot.ShowLegend(Edge.Right);
        return Save(plot, pathWithoutExtension, 760, 420);
    }

    private static void Ticks(Plot plot, IReadOnlyList<string> labels)
    {
        double[] positions = [.. Enumerable.Range(0, labels.Count).Select(i => (double)i)];
        plot.Axes.Bottom.SetTicks(positions, [.. labels]);
        plot.Axes.Bottom.TickLabelStyle.Rotation = 90;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Bottom.MinimumSize = 16 + 8 * labels.Max(l => l.Length);   // room for the rotated labels, which the layout does not measure
        plot.Axes.Left.SetTicks(positions, [.. labels.Reverse()]);
    }

    private static IReadOnlyList<string> Save(Plot plot, string pathWithoutExtension, int width, int height)
    {
        string png = pathWithoutExtension + ".png", svg = pathWithoutExtension + ".svg";
        plot.SavePng(png, width, height);
        plot.SaveSvg(svg, width, height);
        return [png, svg];
    }
}
