using System.Diagnostics;
using Cortex.Experiments.Statistics;
using Cortex.Tests.Datasets;

namespace Cortex.Tests.Statistics;

public sealed class PerImageOutcomesTests
{
    private TinyData folder = null!;

    [SetUp]
    public void Create() => folder = new TinyData();

    [TearDown]
    public void Delete() => folder.Dispose();

    /// <summary>Two readouts over 7 images with seeded predictions and confidences: "IT" (10 classes, steps 1, 3, 4) and "coarse" (5 classes, step 4).</summary>
    private static PerImageOutcomes Sample()
    {
        var random = new Random(7);
        var it = new ReadoutOutcomes("IT", 10, [1, 3, 4], Enumerable.Range(0, 7).Select(i => (3 * i + 1) % 10).ToArray());
        var coarse = new ReadoutOutcomes("coarse", 5, [4], Enumerable.Range(0, 7).Select(i => i % 5).ToArray());
        foreach (var readout in new[] { it, coarse })
            foreach (int step in readout.Steps)
                for (int n = 0; n < 7; n++)
                    readout.Set(step, n, random.Next(readout.Classes), random.NextDouble());
        return new PerImageOutcomes([it, coarse], "fashion-mnist t10k 8000–8006, occlusion 0.4");
    }

    private static void AssertSame(PerImageOutcomes expected, PerImageOutcomes actual)
    {
        Assert.That(actual.TestSet, Is.EqualTo(expected.TestSet));
        Assert.That(actual.Images, Is.EqualTo(expected.Images));
        Assert.That(actual.Readouts.Select(r => r.Name), Is.EqualTo(expected.Readouts.Select(r => r.Name)));
        foreach (var e in expected.Readouts)
        {
            var a = actual.Readout(e.Name);
            Assert.That((a.Classes, a.Steps), Is.EqualTo((e.Classes, e.Steps)));
            for (int n = 0; n < e.Images; n++)
            {
                Assert.That(a.Label(n), Is.EqualTo(e.Label(n)));
                foreach (int step in e.Steps)
                {
                    Assert.That(a.Predicted(step, n), Is.EqualTo(e.Predicted(step, n)));
                    Assert.That(a.Confidence(step, n), Is.EqualTo(e.Confidence(step, n)), "confidences are stored exactly");
                }
            }
        }
    }

    [Test]
    public void PredictionsFromLogitsTakeTheArgMaxAndTheTopProbability()
    {
        // softmax([1, 3, 2]) top = 1/(e⁻² + 1 + e⁻¹) = 1/(0.1353353 + 1 + 0.3678794) = 0.6652410.
        var readout = new ReadoutOutcomes("IT", 3, [2, 5], [1, 2]);
        readout.SetFromLogits(2, 0, [1f, 3f, 2f]);
        readout.SetFromLogits(5, 1, [4f, 4f, -1f]);   // a tie goes to the first class: top = 1/(1 + 1 + e⁻⁵) = 1/2.0067379 = 0.4983212
        Assert.That(readout.Predicted(2, 0), Is.EqualTo(1));
        Assert.That(readout.Confidence(2, 0), Is.EqualTo(0.6652410f).Within(1e-6));
        Assert.That(readout.Predicted(5, 1), Is.EqualTo(0));
        Assert.That(readout.Confidence(5, 1), Is.EqualTo(0.4983212f).Within(1e-6));
        Assert.That(readout.Correct(2, 0), Is.True);
        Assert.That(readout.Correct(5, 1), Is.False);
        Assert.That(readout.CorrectAt(2), Is.EqualTo(new[] { true, false }), "image 1 at step 2 is still unset (class 0, label 2)");
        Assert.That(readout.Accuracy(2), Is.EqualTo(0.5));
    }

    [Test]
    public void WritingAndReadingGivesTheSameOutcomes()
    {
        var outcomes = Sample();
        string path = folder.PathOf("runs/abc/outcomes.bin");
        outcomes.Write(path);
        AssertSame(outcomes, PerImageOutcomes.Read(path));
        Assert.That(Directory.GetFiles(Path.GetDirectoryName(path)!), Is.EqualTo(new[] { path }), "no temporary file stays behind");
    }

    [Test]
    public void TenThousandImagesAtEightStepsAndThreeReadoutsAreSmall()
    {
        // Softmax confidences of random logits, predictions that agree with the label 80% of the time.
        var random = new Random(3);
        int images = 10_000;
        int[] labels = Enumerable.Range(0, images).Select(_ => random.Next(10)).ToArray();
        var readouts = new List<ReadoutOutcomes>();
        foreach (string name in new[] { "IT", "V4", "coarse" })
        {
            var readout = new ReadoutOutcomes(name, 10, [1, 2, 3, 4, 5, 6, 7, 8], labels);
            var logits = new float[10];
            for (int step = 1; step <= 8; step++)
                for (int n = 0; n < images; n++)
                {
                    for (int k = 0; k < 10; k++) logits[k] = (float)(2 * random.NextDouble());
                    logits[random.NextDouble() < 0.8 ? labels[n] : random.Next(10)] += 3 + step;
                    readout.SetFromLogits(step, n, logits);
                }
            readouts.Add(readout);
        }
        var outcomes = new PerImageOutcomes(readouts);
        string path = folder.PathOf("outcomes.bin");
        var watch = Stopwatch.StartNew();
        outcomes.Write(path);
        var read = PerImageOutcomes.Read(path);
        watch.Stop();
        long raw = 3L * 8 * images * (sizeof(ushort) + sizeof(float));
        long size = new FileInfo(path).Length;
        TestContext.Out.WriteLine($"{size} bytes ({100.0 * size / raw:F0}% of the {raw} raw bytes), written and read in {watch.ElapsedMilliseconds} ms");
        Assert.That(size, Is.LessThan(raw * 6 / 10), "byte planes and compression take well under two thirds of the raw size");
        AssertSame(outcomes, read);
    }

    [Test]
    public void ATruncatedFileIsReportedWithItsPath()
    {
        string path = folder.PathOf("outcomes.bin");
        Sample().Write(path);
        byte[] whole = File.ReadAllBytes(path);
        foreach (int length in new[] { 0, 5, 20, 40, whole.Length - 1 })
        {
            File.WriteAllBytes(path, whole[..length]);
            var message = Assert.Throws<OutcomesFileError>(() => PerImageOutcomes.Read(path))!.Message;
            Assert.That(message, Does.StartWith($"outcomes {path}:"), $"cut at {length} bytes");
            Assert.That(message, length < 8 ? Does.Contain("not a Cortex outcomes file") : Does.Contain("truncated"), $"cut at {length} bytes");
        }
    }

    [Test]
    public void ACorruptedFileIsReportedWithWhatIsWrong()
    {
        string path = folder.PathOf("outcomes.bin");
        Sample().Write(path);
        byte[] whole = File.ReadAllBytes(path);

        byte[] flipped = (byte[])whole.Clone();
        flipped[40] ^= 0x10;
        File.WriteAllBytes(path, flipped);
        Assert.That(Assert.Throws<OutcomesFileError>(() => PerImageOutcomes.Read(path))!.Message, Does.Contain("checksum").And.Contain(path));

        byte[] newer = (byte[])whole.Clone();
        newer[8] = 2;
        File.WriteAllBytes(path, newer);
        Assert.That(Assert.Throws<OutcomesFileError>(() => PerImageOutcomes.Read(path))!.Message, Does.Contain("format version 2").And.Contain("reads version 1"));

        File.WriteAllBytes(path, [.. whole, 0]);
        Assert.That(Assert.Throws<OutcomesFileError>(() => PerImageOutcomes.Read(path))!.Message, Does.Contain("corrupted"));

        File.WriteAllText(path, "epoch,split,t,metric,value\n");
        Assert.That(Assert.Throws<OutcomesFileError>(() => PerImageOutcomes.Read(path))!.Message, Does.Contain("not a Cortex outcomes file"));

        string missing = folder.PathOf("none.bin");
        Assert.That(Assert.Throws<OutcomesFileError>(() => PerImageOutcomes.Read(missing))!.Message, Does.Contain(missing).And.Contain("cannot be read"));
    }

    [Test]
    public void InconsistentOutcomesAreRefused()
    {
        var readout = new ReadoutOutcomes("IT", 3, [1, 2], [0, 1, 2]);
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => readout.Set(3, 0, 1, 0.5))!.Message, Does.Contain("reads at steps 1, 2"));
        Assert.Throws<ArgumentOutOfRangeException>(() => readout.Set(1, 0, 3, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => readout.Set(1, 3, 0, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => readout.Set(1, 0, 1, double.NaN));
        Assert.Throws<ArgumentException>(() => readout.SetFromLogits(1, 0, [0f, float.NaN, 1f]));
        Assert.Throws<ArgumentException>(() => new ReadoutOutcomes("IT", 3, [2, 1], [0]));
        Assert.Throws<ArgumentException>(() => new ReadoutOutcomes("IT", 3, [0, 1], [0]));
        Assert.Throws<ArgumentException>(() => new ReadoutOutcomes("IT", 3, [1], [3]));
        Assert.Throws<ArgumentException>(() => new PerImageOutcomes([readout, new ReadoutOutcomes("IT", 3, [1], [0, 1, 2])]));
        Assert.Throws<ArgumentException>(() => new PerImageOutcomes([readout, new ReadoutOutcomes("V4", 3, [1], [0, 1])]));
        Assert.That(Assert.Throws<ArgumentException>(() => new PerImageOutcomes([readout]).Readout("V4"))!.Message, Does.Contain("'IT'"));
    }
}
