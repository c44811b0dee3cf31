using Cortex.Experiments.Reports;
using Cortex.Tests.Datasets;
using ScottPlot;

namespace Cortex.Tests.Reports;

public sealed class ExperimentFigureTests
{
    private TinyData folder = null!;

    [SetUp]
    public void Create() => folder = new TinyData();

    [TearDown]
    public void Delete() => folder.Dispose();

    /// <summary>Saves the plot and checks the PNG is a real image and the SVG carries every expected text.</summary>
    private void AssertRenders(Plot plot, string name, params string[] texts)
    {
        var figure = FigureFile.Save(plot, folder.PathOf("figures"), name, name);
        Assert.That(figure.Png, Is.EqualTo(folder.PathOf($"figures/{name}.png")));
        byte[] png = File.ReadAllBytes(figure.Png);
        Assert.That(png.Length, Is.GreaterThan(2000));
        Assert.That(png[..4], Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }));
        string svg = File.ReadAllText(figure.Svg);
        Assert.That(svg, Does.Contain("<svg").And.Contain("</svg>"));
        foreach (string text in texts) Assert.That(svg, Does.Contain(text), $"{name}.svg");
    }

    [Test]
    public void AccuracyPerStepHasALineAndBandPerArm()
    {
        var summary = ExperimentSamples.Summary();
        var plot = AccuracyPerStepFigure.Create(summary.Arms, "IT");
        AssertRenders(plot, "accuracy-per-step", "time step t", "accuracy (%)", "readout &apos;IT&apos;", "BLT without feedback", "B-D", "BL");
        Assert.Throws<ArgumentException>(() => AccuracyPerStepFigure.Create(summary.Arms, "V1"));
    }

    [Test]
    public void CostFiguresConnectAFamilyAndLabelTheOthers()
    {
        var arms = ExperimentSamples.Summary().Arms;
        AssertRenders(CostFigure.Create(arms, "IT", CostAxis.Synapses), "accuracy-vs-synapses", "synapses (unique trainable weights)", "accuracy (%)", "feedforward", "BLT");
        AssertRenders(CostFigure.Create(arms, "IT", CostAxis.MacsPerImage), "accuracy-vs-macs", "synaptic operations per image", "feedforward", "BL");
    }

    [Test]
    public void RobustnessLesionsAndEarlyExitRender()
    {
        var summary = ExperimentSamples.Summary();
        AssertRenders(RobustnessFigure.Create(summary.Robustness), "accuracy-vs-occlusion", "occlusion (fraction of the image)", "BLT (t = 4)", "B (t = 4)");
        AssertRenders(LesionFigure.Create(summary.Arm("BLT"), [summary.Arm("BLT without feedback")], "IT"), "lesions", "Lesions of BLT", "BLT without feedback", "time step t");
        AssertRenders(SpeedAccuracyFigure.Create(summary.SpeedAccuracy), "speed-accuracy", "mean over images", "thresholds 0.5", "BLT");
        Assert.Throws<ArgumentException>(() => RobustnessFigure.Create([summary.Robustness[0], summary.Robustness[1] with { Stimulus = "noise" }]));
        Assert.Throws<ArgumentException>(() => SpeedAccuracyFigure.Create([]));
    }

    /// <summary>
    /// <paramref name="count"/> arms whose seeds disagree widely, near chance at t = 1 and near 100% at t = 4, so that
    /// their 95% t-intervals (over 3 seeds) reach below 0 and above 1.
    /// </summary>
    private static List<ArmResult> ScatteredArms(int count) =>
        Enumerable.Range(1, count).Select(i => new ArmResult
        {
            Name = $"network {i} trained and tested clean", Network = "configs/networks/blt.yaml", Condition = "clean",
            Ledger = new LedgerFigures(100_000 + 1_000 * i, [1000, 2000, 2000, 2000]), Seeds = [1, 2, 3],
            Readouts = [new ReadoutAccuracy("IT", [1, 2, 3, 4], [[0.02, 0.5, 0.9, 1.0], [0.30, 0.7, 0.99, 0.90], [0.0, 0.6, 0.7, 1.0]])],
        }).ToList();

    /// <summary>The width and height of a PNG file, from its header.</summary>
    private static (int Width, int Height) PngSize(string path)
    {
        byte[] header = File.ReadAllBytes(path)[16..24];
        return (System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header), System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4)));
    }

    [Test]
    public void ALongLegendMovesBesideTheDataAndTheFigureGrowsForIt()
    {
        int few = ExperimentSamples.Summary().Arms.Count;
        Assert.That(few, Is.LessThanOrEqualTo(IntervalLines.LegendInsideAtMost), "the sample's legend fits inside");
        var inside = AccuracyPerStepFigure.Create(ExperimentSamples.Summary().Arms, "IT");
        Assert.That(inside.Axes.GetPanels().OfType<ScottPlot.Panels.LegendPanel>(), Is.Empty);
        var saved = FigureFile.Save(inside, folder.PathOf("figures"), "few", "few");
        Assert.That(PngSize(saved.Png), Is.EqualTo((FigureFile.Width, FigureFile.Height)));

        var beside = AccuracyPerStepFigure.Create(ScatteredArms(30), "IT");
        Assert.That(beside.Axes.GetPanels().OfType<ScottPlot.Panels.LegendPanel>().Count(), Is.EqualTo(1));
        var (width, height) = PngSize(FigureFile.Save(beside, folder.PathOf("figures"), "many", "many").Png);
        Assert.That(width, Is.GreaterThan(FigureFile.Width + 200), "wider by the legend's width: 'network 30 trained and tested clean' is 35 characters");
        Assert.That(height, Is.GreaterThanOrEqualTo(30 * 20), "tall enough for 30 entries");
        Assert.That(File.ReadAllText(folder.PathOf("figures/many.svg")), Does.Contain("network 30 trained and tested clean"));
    }

    [Test]
    public void MoreThanTenLinesGetTwentyColoursThenOtherMarkers()
    {
        var colours = Enumerable.Range(0, 20).Select(i => IntervalLines.ColourOf(i, 20)).ToList();
        Assert.That(colours.Distinct().Count(), Is.EqualTo(20));
        Assert.That(Enumerable.Range(0, 10).Select(i => IntervalLines.ColourOf(i, 10)).Distinct().Count(), Is.EqualTo(10));
        Assert.That(IntervalLines.ShapeOf(0), Is.Not.EqualTo(IntervalLines.ShapeOf(20)), "line 21 has line 1's colour and another marker");
        var plot = AccuracyPerStepFigure.Create(ScatteredArms(12), "IT");
        var lines = plot.GetPlottables<ScottPlot.Plottables.Scatter>().ToList();
        Assert.That(lines.Select(l => l.Color).Distinct().Count(), Is.EqualTo(12));
        Assert.That(plot.GetPlottables<ScottPlot.Plottables.FillY>(), Is.Empty, "twelve overlapping bands would hide the lines");
        Assert.That(plot.Axes.Title.Label.Text, Does.Contain("intervals in the CSV files"));
        var few = AccuracyPerStepFigure.Create(ScatteredArms(IntervalLines.LegendInsideAtMost), "IT");
        Assert.That(few.GetPlottables<ScottPlot.Plottables.FillY>().Count(), Is.EqualTo(IntervalLines.LegendInsideAtMost));
        Assert.That(few.Axes.Title.Label.Text, Does.Contain("bands: 95% t-interval over seeds"));
    }

    [Test]
    public void IntervalsAreCutToWhatAnAccuracyCanBe()
    {
        var arms = ScatteredArms(3);
        var first = arms[0].Readout("IT");
        Assert.That(first.At(1).Interval!.Value.Lower, Is.LessThan(0), "the sample's interval at t = 1 reaches below 0");
        Assert.That(first.At(4).Interval!.Value.Upper, Is.GreaterThan(1), "and at t = 4 above 1");
        foreach (var plot in new[] { AccuracyPerStepFigure.Create(arms, "IT"), CostFigure.Create(arms, "IT", CostAxis.Synapses) })
            foreach (var drawn in plot.GetPlottables())
            {
                var limits = drawn.GetAxisLimits();
                Assert.That(limits.Bottom, Is.GreaterThanOrEqualTo(0), drawn.GetType().Name);
                Assert.That(limits.Top, Is.LessThanOrEqualTo(100), drawn.GetType().Name);
            }
    }

    [Test]
    public void ALongTitleIsSetSmallerToFitTheFigure()
    {
        var summary = ExperimentSamples.Summary();
        var plain = LesionFigure.Create(summary.Arm("BLT"), [summary.Arm("BLT without feedback")], "IT");
        Assert.That(plain.Axes.Title.Label.FontSize, Is.EqualTo(18), "a short title keeps the default size");
        var named = summary.Arm("BLT") with { Name = "blt-feedback-as-lateral/trained-occluded/clean" };
        var title = LesionFigure.Create(named, [summary.Arm("BLT without feedback")], "IT").Axes.Title.Label;
        Assert.That(title.Text.Length, Is.GreaterThan(100));
        Assert.That(title.FontSize, Is.LessThan(18).And.GreaterThanOrEqualTo(11));
        Assert.That(0.6 * title.FontSize * title.Text.Length, Is.LessThanOrEqualTo(FigureFile.Width + 1));
    }

    [Test]
    public void AWholeReportIsWrittenIntoOneFolder()
    {
        string report = folder.PathOf("report");
        var written = ExperimentReport.Write(report, ExperimentSamples.Summary());
        string[] expected =
        [
            "summary.json", "accuracy.csv", "accuracy-per-seed.csv", "paired-tests.csv", "speed-accuracy.csv", "robustness.csv",
            "accuracy-per-step-it.png", "accuracy-per-step-it.svg", "accuracy-per-step-v4.png", "accuracy-per-step-v4.svg",
            "accuracy-vs-synapses.png", "accuracy-vs-synapses.svg", "accuracy-vs-macs.png", "accuracy-vs-macs.svg",
            "accuracy-vs-occlusion-fraction-of-the-image.png", "accuracy-vs-occlusion-fraction-of-the-image.svg",
            "lesions-blt-it.png", "lesions-blt-it.svg", "speed-accuracy.png", "speed-accuracy.svg", "report.md",
        ];
        Assert.That(written.Select(Path.GetFileName), Is.EqualTo(expected));
        Assert.That(Directory.GetFiles(report).Select(Path.GetFileName).Order(), Is.EqualTo(expected.Order()), "no temporary files stay behind");
        string md = File.ReadAllText(Path.Combine(report, "report.md"));
        Assert.That(md, Does.Contain("![Test accuracy per step, readout 'IT'](accuracy-per-step-it.png)"));
        Assert.That(md, Does.Contain("([SVG](lesions-blt-it.svg))"));
        Assert.That(File.ReadAllText(Path.Combine(report, "accuracy-per-step-it.svg")), Does.Not.Contain("BLT without feedback"),
            "a lesioned arm is drawn in its lesion figure, not among the networks");
        Assert.That(File.ReadAllText(Path.Combine(report, "lesions-blt-it.svg")), Does.Contain("BLT without feedback"));
    }
}
