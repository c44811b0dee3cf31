using Cortex.Connectivity.Graph;
using Cortex.Connectivity.Spec;
using ScottPlot;

namespace Cortex.Experiments.Reports;

/// <summary>
/// Draws a network as an SVG picture with ScottPlot: areas as labelled boxes in columns by level (the input at
/// level 0), each labelled with its kind; projections drawn as their type says (feedforward solid blue arrows, lateral
/// dotted green self-loops, feedback dashed red arcs: <see cref="ProjectionTypes"/>), each labelled with its delay and
/// the mark of its mode when it is modulatory (× multiplicative, ÷ divisive, …).
/// </summary>
public static class GraphPicture
{
    /// <summary>Writes the picture of <paramref name="graph"/> to <paramref name="path"/> (SVG); by default 240 pixels per level, at least 900.</summary>
    public static void SaveSvg(NetworkGraph graph, string path, int? width = null, int height = 560)
    {
        var plot = Draw(graph);
        plot.SaveSvg(path, width ?? Math.Max(900, 240 * (graph.Nodes.Max(n => n.Level) + 1)), height);
    }

    /// <summary>The picture as a ScottPlot plot.</summary>
    public static Plot Draw(NetworkGraph graph)
    {
        var plot = new Plot();
        var at = Positions(graph);
        foreach (var p in graph.Projections) Edge(plot, p, at[p.From.Index], at[p.To.Index]);
        foreach (var node in graph.Nodes)
        {
            string kind = node.Area is { } area && area.Kind.Word != "standard" ? $"\n{area.Kind.Word}" : "";
            var label = plot.Add.Text($"{node.Name}\n{node.Shape}{kind}", at[node.Index].X, at[node.Index].Y);
            label.LabelFontSize = 15;
            label.LabelBold = true;
            label.LabelAlignment = Alignment.MiddleCenter;
            label.LabelBackgroundColor = node.IsInput ? Color.FromHex("#eeeeee") : Color.FromHex("#fff7dc");
            label.LabelBorderColor = Colors.Black;
            label.LabelBorderWidth = 1.5f;
            label.LabelPadding = 8;
        }
        double top = at.Values.Max(c => c.Y) + 1.5;
        foreach (int level in graph.Nodes.Select(n => n.Level).Distinct())
        {
            var caption = plot.Add.Text(level == 0 ? "input" : $"level {level}", level * 2.0, top);
            caption.LabelFontSize = 12;
            caption.LabelFontColor = Colors.Gray;
            caption.LabelAlignment = Alignment.MiddleCenter;
        }

        plot.Legend.IsVisible = true;
        plot.Legend.Alignment = Alignment.LowerLeft;   // under the input, where no arc passes
        foreach (var type in ProjectionTypes.All)
            plot.Legend.ManualItems.Add(Item(type.Type == ProjectionType.Lateral ? $"{type.Word} (self-loop)" : type.Word, Color.FromHex(type.Colour), Pattern(type.Line)));
        var spec = graph.Spec;
        var modes = graph.Projections.Select(p => p.Mode).Where(m => m.Modulatory).Distinct().Select(m => $"{m.Symbol}: {m.Word}");
        plot.Title($"{spec.Name}: {spec.Time.Steps} steps, {spec.Time.Unroll.ToString().ToLowerInvariant()} unroll; labels: delay d{string.Concat(modes.Select(m => $", {m}"))}");
        plot.HideAxesAndGrid();
        int maxLevel = graph.Nodes.Max(n => n.Level);
        double bottom = at.Values.Min(c => c.Y) - 0.3 - 0.6 - 0.25 * maxLevel;
        plot.Axes.SetLimits(-1.0, maxLevel * 2.0 + 1.0, Math.Min(bottom, -1.2), top + 0.3);
        return plot;
    }

    private static LinePattern Pattern(string line) => line switch
    {
        "dotted" => LinePattern.Dotted,
        "dashed" => LinePattern.Dashed,
        _ => LinePattern.Solid,
    };

    private static LegendItem Item(string text, Color color, LinePattern pattern) => new()
    {
        LabelText = text,
        LineColor = color,
        LinePattern = pattern,
        LineWidth = 2.5f,
    };

    /// <summary>Columns by level, nodes of one level stacked and centred.</summary>
    private static Dictionary<int, Coordinates> Positions(NetworkGraph graph)
    {
        var at = new Dictionary<int, Coordinates>();
        foreach (var column in graph.Nodes.GroupBy(n => n.Level))
        {
            var nodes = column.ToList();
            for (int i = 0; i < nodes.Count; i++)
                at[nodes[i].Index] = new Coordinates(column.Key * 2.0, (i - (nodes.Count - 1) / 2.0) * 1.8);
        }
        return at;
    }

    private static void Edge(Plot plot, GraphProjection p, Coordinates from, Coordinates to)
    {
        var rule = ProjectionTypes.Rule(p.Type);
        var (color, pattern) = (Color.FromHex(rule.Colour), Pattern(rule.Line));
        Coordinates[] path;
        Coordinates labelAt;
        if (p.From == p.To)
        {
            // a loop above the box, from its lower right round the top to its lower left
            var centre = new Coordinates(from.X, from.Y + 0.75);
            path = Enumerable.Range(0, 41).Select(i =>
            {
                double a = (-60 + i / 40.0 * 300) * Math.PI / 180;
                return new Coordinates(centre.X + 0.3 * Math.Cos(a), centre.Y + 0.3 * Math.Sin(a));
            }).ToArray();
            labelAt = new Coordinates(centre.X, centre.Y + 0.45);
        }
        else
        {
            // feedforward between neighbouring levels: straight; feedback (and skips): an arc, below for feedback
            int bend = p.Type == ProjectionType.Feedback ? -1 : 1;
            bool straight = p.Type == ProjectionType.Feedforward && Math.Abs(p.To.Level - p.From.Level) == 1;
            double sag = straight ? 0 : bend * (0.55 + 0.25 * Math.Abs(p.To.Level - p.From.Level));
            var start = new Coordinates(from.X + Math.Sign(to.X - from.X) * 0.62, from.Y + (straight ? 0 : bend * 0.3));
            var end = new Coordinates(to.X - Math.Sign(to.X - from.X) * 0.62, to.Y + (straight ? 0 : bend * 0.3));
            var control = new Coordinates((start.X + end.X) / 2, (start.Y + end.Y) / 2 + 2 * sag);
            path = Enumerable.Range(0, 41).Select(i =>
            {
                double t = i / 40.0, u = 1 - t;
                return new Coordinates(u * u * start.X + 2 * u * t * control.X + t * t * end.X, u * u * start.Y + 2 * u * t * control.Y + t * t * end.Y);
            }).ToArray();
            labelAt = path[20];
        }
        var line = plot.Add.ScatterLine(path);
        line.Color = color;
        line.LineWidth = p.Mode.Modulatory ? 3.5f : 2.5f;
        line.LinePattern = pattern;
        var head = plot.Add.Arrow(path[^4], path[^1]);
        head.ArrowLineColor = color;
        head.ArrowFillColor = color;
        head.ArrowWidth = 0;
        head.ArrowheadWidth = 12;
        head.ArrowheadLength = 14;
        head.ArrowheadAxisLength = 14;
        var label = plot.Add.Text($"d={p.Delay}{(p.Mode.Modulatory ? " " + p.Mode.Symbol : "")}", labelAt.X, labelAt.Y);
        label.LabelFontSize = 12;
        label.LabelFontColor = color;
        label.LabelBackgroundColor = Colors.White;
        label.LabelAlignment = Alignment.MiddleCenter;
    }
}
