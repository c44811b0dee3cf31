using System.Globalization;
using System.Text.Json;
using Cortex.Experiments.Reports;
using Cortex.Tests.Datasets;

namespace Cortex.Tests.Reports;

public sealed class SummaryFilesTests
{
    private TinyData folder = null!;

    [SetUp]
    public void Create() => folder = new TinyData();

    [TearDown]
    public void Delete() => folder.Dispose();

    [Test]
    public void SummaryJsonHoldsTheNumbersGiven()
    {
        string path = folder.PathOf("report/summary.json");
        SummaryJson.Write(path, ExperimentSamples.Summary());
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        var root = json.RootElement;
        Assert.That(root.GetProperty("schemaVersion").GetInt32(), Is.EqualTo(1));
        Assert.That(root.GetProperty("experiment").GetString(), Is.EqualTo("feedback-vs-recurrence"));
        Assert.That(root.GetProperty("confidenceLevel").GetDouble(), Is.EqualTo(0.95));

        var b = root.GetProperty("arms")[0];
        Assert.That(b.GetProperty("name").GetString(), Is.EqualTo("B"));
        Assert.That(b.GetProperty("network").GetString(), Is.EqualTo("configs/networks/b.yaml"));
        Assert.That(b.GetProperty("family").GetString(), Is.EqualTo("feedforward"));
        Assert.That(b.GetProperty("ledger").GetProperty("synapses").GetInt64(), Is.EqualTo(100_000));
        Assert.That(b.GetProperty("ledger").GetProperty("macsPerStep").EnumerateArray().Select(e => e.GetInt64()), Is.EqualTo(new long[] { 1000, 1000, 1000, 1000 }));
        Assert.That(b.GetProperty("ledger").GetProperty("macsPerImage").GetInt64(), Is.EqualTo(4000));
        Assert.That(b.GetProperty("seeds").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 1, 2, 3 }));
        // Step 4 of B: [0.80, 0.82, 0.84] → mean 0.82, s = 0.02, half-width 4.302653 · 0.02/√3 = 0.049683.
        var step4 = b.GetProperty("readouts")[0].GetProperty("steps")[3];
        Assert.That(step4.GetProperty("step").GetInt32(), Is.EqualTo(4));
        Assert.That(step4.GetProperty("accuracyPerSeed").EnumerateArray().Select(e => e.GetDouble()), Is.EqualTo(new[] { 0.80, 0.82, 0.84 }));
        var accuracy = step4.GetProperty("accuracy");
        Assert.That(accuracy.GetProperty("n").GetInt32(), Is.EqualTo(3));
        Assert.That(accuracy.GetProperty("mean").GetDouble(), Is.EqualTo(0.82).Within(1e-12));
        Assert.That(accuracy.GetProperty("standardDeviation").GetDouble(), Is.EqualTo(0.02).Within(1e-12));
        Assert.That(accuracy.GetProperty("interval").GetProperty("lower").GetDouble(), Is.EqualTo(0.82 - 0.049683).Within(1e-6));
        Assert.That(accuracy.GetProperty("interval").GetProperty("upper").GetDouble(), Is.EqualTo(0.82 + 0.049683).Within(1e-6));

        var bl = root.GetProperty("arms")[4];
        var blStep = bl.GetProperty("readouts")[0].GetProperty("steps")[3].GetProperty("accuracy");
        Assert.That(blStep.GetProperty("n").GetInt32(), Is.EqualTo(1));
        Assert.That(blStep.GetProperty("interval").ValueKind, Is.EqualTo(JsonValueKind.Null), "one seed: no interval");
        Assert.That(blStep.GetProperty("standardDeviation").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(root.GetProperty("arms")[2].GetProperty("readouts")[1].GetProperty("name").GetString(), Is.EqualTo("V4"));

        // BLT against B at step 4: pooled b = 6, c = 2 → p = 2 · (1 + 8 + 28)/256 = 0.2890625; effect 100 · 4/30 points.
        var test = root.GetProperty("pairedTests")[0];
        var given = ExperimentSamples.BltAgainstB();
        Assert.That(test.GetProperty("kind").GetString(), Is.EqualTo("comparison"));
        Assert.That((test.GetProperty("armA").GetString(), test.GetProperty("armB").GetString()), Is.EqualTo(("BLT", "B")));
        Assert.That((test.GetProperty("stepA").GetInt32(), test.GetProperty("stepB").GetInt32()), Is.EqualTo((4, 4)));
        Assert.That((test.GetProperty("b").GetInt64(), test.GetProperty("c").GetInt64(), test.GetProperty("images").GetInt64()), Is.EqualTo((6L, 2L, 30L)));
        Assert.That(test.GetProperty("p").GetDouble(), Is.EqualTo(0.2890625).Within(1e-12));
        Assert.That(test.GetProperty("pHolm").GetDouble(), Is.EqualTo(given.AdjustedP));
        Assert.That(test.GetProperty("effectPoints").GetProperty("mean").GetDouble(), Is.EqualTo(40.0 / 3).Within(1e-10));
        Assert.That(test.GetProperty("effectPoints").GetProperty("interval").GetProperty("upper").GetDouble(), Is.EqualTo(given.DifferencePoints.Interval!.Value.Upper));
        Assert.That(test.GetProperty("pooledEffectPoints").GetProperty("value").GetDouble(), Is.EqualTo(40.0 / 3).Within(1e-10));
        var seed1 = test.GetProperty("perSeed")[0];
        Assert.That((seed1.GetProperty("seed").GetInt32(), seed1.GetProperty("b").GetInt64(), seed1.GetProperty("c").GetInt64()), Is.EqualTo((1, 3L, 0L)));
        Assert.That(seed1.GetProperty("p").GetDouble(), Is.EqualTo(0.25).Within(1e-12));
        Assert.That(root.GetProperty("pairedTests")[2].GetProperty("kind").GetString(), Is.EqualTo("lesion"));

        var exit = root.GetProperty("speedAccuracy")[0];
        Assert.That(exit.GetProperty("arm").GetString(), Is.EqualTo("BLT"));
        var strict = exit.GetProperty("points")[1];
        Assert.That(strict.GetProperty("threshold").GetDouble(), Is.EqualTo(0.9));
        Assert.That(strict.GetProperty("accuracy").GetProperty("mean").GetDouble(), Is.EqualTo(0.87).Within(1e-12));
        Assert.That(strict.GetProperty("meanMacsPerImage").GetProperty("mean").GetDouble(), Is.EqualTo(3100).Within(1e-9));
        var occlusion = root.GetProperty("robustness")[1];
        Assert.That((occlusion.GetProperty("arm").GetString(), occlusion.GetProperty("step").GetInt32()), Is.EqualTo(("BLT", 4)));
        Assert.That(occlusion.GetProperty("points")[2].GetProperty("level").GetDouble(), Is.EqualTo(0.4));
        Assert.That(occlusion.GetProperty("points")[2].GetProperty("accuracy").GetProperty("mean").GetDouble(), Is.EqualTo(0.65).Within(1e-12));
    }

    [Test]
    public void ReportTablesShowAccuracyWithIntervalsTestsAndLesions()
    {
        string md = ReportMarkdown.ToMarkdown(ExperimentSamples.Summary());
        Assert.That(md, Does.StartWith("# feedback-vs-recurrence\n\nDoes top-down feedback help beyond lateral recurrence?"));
        Assert.That(md, Does.Contain("| B | configs/networks/b.yaml | clean | 1, 2, 3 | 100,000 | 4,000 |"));
        Assert.That(md, Does.Contain("## Test accuracy per step — readout `IT`\n\n| arm | n | t = 1 | t = 2 | t = 3 | t = 4 |"));
        // Steps of B: means 72, 77, 80, 82 %, each over three seeds 2 points apart: ± 4.302653 · 2/√3 = ± 5.0.
        Assert.That(md, Does.Contain("| B | 3 | 72.0 ± 5.0 | 77.0 ± 5.0 | 80.0 ± 5.0 | 82.0 ± 5.0 |"));
        Assert.That(md, Does.Contain("| B-D | 3 | 71.0 ± 0.0 | 78.0 ± 0.0 | 81.0 ± 0.0 | 83.0 ± 0.0 |"));
        Assert.That(md, Does.Contain("| BL | 1 | 60.0 | 80.0 | 85.0 | 90.0 |"), "one seed: the mean alone");
        Assert.That(md, Does.Contain("## Test accuracy per step — readout `V4`\n\n| arm | n | t = 2 | t = 4 |"));
        Assert.That(md, Does.Contain("| BL | 1 | — | 70.0 |"), "a step the arm does not read");
        // Seed differences 30, 10, 0 points: mean 13.3, s = 15.275, ± 4.302653 · 15.275/√3 = ± 37.9 → [−24.6, +51.3].
        // Pooled: d = 4/30; SE = √((8/30 − d²)/30) = 0.091084; ± 1.959964 · 0.091084 = ± 0.1785 → [−4.5, +31.2] points.
        Assert.That(md, Does.Contain("| BLT | B | IT | 4 | 1, 2, 3 | 6 | 2 | 0.289 | 0.289 | +13.3 [−24.6, +51.3] | +13.3 [−4.5, +31.2] |"));
        // Lesion at step 4: every seed b = 5, c = 1 (40 points); pooled b = 15, c = 3 → p = 2·P[X ≤ 3], X ~ Bin(18, ½) = 2 · 988/262144.
        Assert.That(md, Does.Contain("## Lesion effects"));
        Assert.That(md, Does.Contain("| BLT | BLT without feedback | IT | 4 | 89.0 ± 2.5 | 75.0 ± 2.5 | +40.0 [+40.0, +40.0] | 15 | 3 | 0.008 | 0.008 |"));
        Assert.That(md, Does.Contain("| BLT | IT | 0.9 | 87.0 ± 12.7 | 2.55 | 3,100 |"));
        Assert.That(md, Does.Contain("| BLT | IT | 4 | occlusion (fraction of the image) | 0.4 | 65.0 ± 7.5 |"));
    }

    [Test]
    public void CsvFilesHoldTheSameNumbers()
    {
        var files = ReportCsv.Write(folder.PathOf("report"), ExperimentSamples.Summary());
        Assert.That(files.Select(Path.GetFileName), Is.EqualTo(new[] { "accuracy.csv", "accuracy-per-seed.csv", "paired-tests.csv", "speed-accuracy.csv", "robustness.csv" }));
        string[] accuracy = File.ReadAllLines(files[0]);
        Assert.That(accuracy[0], Is.EqualTo("arm,network,condition,readout,step,n,mean,sd,lower,upper"));
        string[] b4 = accuracy.Single(l => l.StartsWith("B,configs/networks/b.yaml,clean,IT,4,")).Split(',');
        Assert.That(double.Parse(b4[6], CultureInfo.InvariantCulture), Is.EqualTo(0.82).Within(1e-12));
        Assert.That(double.Parse(b4[8], CultureInfo.InvariantCulture), Is.EqualTo(0.82 - 0.049683).Within(1e-6));
        Assert.That(accuracy, Does.Contain("BL,configs/networks/bl.yaml,clean,IT,4,1,0.9,,,"), "one seed: empty spread and interval");
        string[] bd = accuracy.Single(l => l.StartsWith("B-D,configs/networks/b.yaml (deeper control),clean,IT,1,3,")).Split(',');
        Assert.That(bd[6..].Select(f => double.Parse(f, CultureInfo.InvariantCulture)), Is.EqualTo(new[] { 0.71, 0, 0.71, 0.71 }).Within(1e-12), "identical seeds: zero spread");
        Assert.That(File.ReadAllLines(files[1]), Does.Contain("BLT,V4,4,3,0.64"));
        string[] tests = File.ReadAllLines(files[2]);
        Assert.That(tests, Has.Length.EqualTo(4));
        Assert.That(tests[1], Does.StartWith("comparison,BLT,IT,4,B,IT,4,1 2 3,6,2,30,"));
        Assert.That(double.Parse(tests[1].Split(',')[11], CultureInfo.InvariantCulture), Is.EqualTo(0.2890625).Within(1e-12));
        Assert.That(tests[3], Does.StartWith("lesion,BLT,IT,4,BLT without feedback,IT,4,1 2 3,15,3,30,"));
    }

    [Test]
    public void InconsistentSummariesAreRefusedBeforeAnythingIsWritten()
    {
        var summary = ExperimentSamples.Summary();
        var percent = summary with { Arms = [summary.Arms[0] with { Readouts = [new ReadoutAccuracy("IT", [1], [[82.0], [80.0], [84.0]])] }] };
        Assert.That(Assert.Throws<ArgumentException>(() => SummaryJson.ToJson(percent))!.Message, Does.Contain("fractions in [0, 1]"));
        var short_ = summary with { Arms = [summary.Arms[0] with { Readouts = [new ReadoutAccuracy("IT", [1, 2], [[0.8, 0.9], [0.8]])] }] };
        Assert.That(Assert.Throws<ArgumentException>(() => SummaryJson.ToJson(short_))!.Message, Does.Contain("accuracies for 2 seeds, but the arm has 3"));
        var unknown = summary with { PairedTests = [new PairedTest("BLT", "IT", "B-K", "IT", ExperimentSamples.BltAgainstB())] };
        Assert.That(Assert.Throws<ArgumentException>(() => ReportMarkdown.ToMarkdown(unknown))!.Message, Does.Contain("no arm 'B-K'"));
        var twice = summary with { Arms = [summary.Arms[0], summary.Arms[0]] };
        Assert.Throws<ArgumentException>(() => ExperimentReport.Write(folder.PathOf("never"), twice));
        Assert.That(Directory.Exists(folder.PathOf("never")), Is.False);
    }
}
