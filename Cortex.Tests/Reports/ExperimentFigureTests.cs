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
    }
}
