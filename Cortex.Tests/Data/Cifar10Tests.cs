using Cortex.Experiments.Data;

namespace Cortex.Tests.Datasets;

public sealed class Cifar10Tests
{
    private TinyData files = null!;

    [SetUp]
    public void MakeFolder() => files = new TinyData();

    [TearDown]
    public void RemoveFolder() => files.Dispose();

    /// <summary>Record n of a batch: pixel byte k = (n + 7k) mod 256 (k over 3·32·32), label (n + offset) mod 10.</summary>
    private static (byte[] Pixels, byte[] Labels) Batch(int count, int offset)
    {
        const int size = Cifar10.RecordLength - 1;
        var pixels = new byte[count * size];
        for (int n = 0; n < count; n++)
            for (int k = 0; k < size; k++) pixels[n * size + k] = (byte)((n + 7 * k) % 256);
        return (pixels, [.. Enumerable.Range(0, count).Select(n => (byte)((n + offset) % 10))]);
    }

    /// <summary>Five training batches of 2, 3, 2, 1, 2 records and a test batch of 3.</summary>
    private string WriteAll(string? folder = null)
    {
        string dir = folder ?? files.Directory;
        Directory.CreateDirectory(dir);
        int[] counts = [2, 3, 2, 1, 2];
        for (int b = 0; b < 5; b++)
        {
            var (pixels, labels) = Batch(counts[b], b);
            Cifar10.WriteBatch(Path.Combine(dir, Cifar10.TrainFiles[b]), pixels, labels);
        }
        var (testPixels, testLabels) = Batch(3, 7);
        Cifar10.WriteBatch(Path.Combine(dir, Cifar10.TestFile), testPixels, testLabels);
        return dir;
    }

    [Test]
    public void ReadsRecordsAsPlanarRgbImages()
    {
        var (train, test) = Cifar10.Load(WriteAll());
        Assert.That(train.Count, Is.EqualTo(10));
        Assert.That(test.Count, Is.EqualTo(3));
        Assert.That(train.ImageShape.ToString(), Is.EqualTo(new Cortex.Core.Tensors.Shape(3, 32, 32).ToString()));
        // Batches in order: batch 1 labels (0, 1), batch 2 (1, 2, 3), batch 3 (2, 3), batch 4 (3), batch 5 (4, 5).
        Assert.That(train.Labels, Is.EqualTo(new[] { 0, 1, 1, 2, 3, 2, 3, 3, 4, 5 }));
        Assert.That(test.Labels, Is.EqualTo(new[] { 7, 8, 9 }));
        // Test record 1, green (channel 1), row 2, column 3: byte k = 1024 + 2·32 + 3 = 1091 → (1 + 7·1091) mod 256 = 7638 mod 256 = 214.
        Assert.That(test.Image(1)[1024 + 2 * 32 + 3], Is.EqualTo(214 / 255f));
        Assert.That(test.ClassNames[0], Is.EqualTo("airplane"));
        Assert.That(test.CoarseLabels(), Is.EqualTo(new[] { 1, 0, 0 }), "horse is an animal; ship and truck are vehicles");
    }

    [Test]
    public void FindsTheBatchesInTheirUsualSubFolder()
    {
        WriteAll(Path.Combine(files.Directory, "cifar-10-batches-bin"));
        Assert.That(Cifar10.Load(files.Directory).Train.Count, Is.EqualTo(10));
    }

    [Test]
    public void MalformedFilesAreNamedErrors()
    {
        string dir = WriteAll();
        string batch = Path.Combine(dir, "data_batch_2.bin");
        var bytes = File.ReadAllBytes(batch);

        File.WriteAllBytes(batch, bytes[..^100]);
        Assert.That(Assert.Throws<DataError>(() => Cifar10.Load(dir))!.Message,
            Does.Contain("data_batch_2.bin").And.Contain("record 2 is truncated after 2973 bytes"));

        File.WriteAllBytes(batch, [.. bytes, 1, 2, 3]);
        Assert.That(Assert.Throws<DataError>(() => Cifar10.Load(dir))!.Message, Does.Contain("record 3 is truncated after 3 bytes"));

        File.WriteAllBytes(batch, []);
        Assert.That(Assert.Throws<DataError>(() => Cifar10.Load(dir))!.Message, Does.Contain("data_batch_2.bin: the file is empty"));

        var wrongLabel = (byte[])bytes.Clone();
        wrongLabel[Cifar10.RecordLength] = 10;
        File.WriteAllBytes(batch, wrongLabel);
        Assert.That(Assert.Throws<DataError>(() => Cifar10.Load(dir))!.Message, Does.Contain("label 10 of record 1 (byte 3073) is outside the 10 classes"));

        File.WriteAllBytes(batch, bytes);
        File.Delete(Path.Combine(dir, "data_batch_4.bin"));
        File.Delete(Path.Combine(dir, Cifar10.TestFile));
        Assert.That(Assert.Throws<DataError>(() => Cifar10.Load(dir))!.Message, Does.Contain("missing: data_batch_4.bin, test_batch.bin"));

        Assert.That(Assert.Throws<DataError>(() => Cifar10.Load(Path.Combine(dir, "nowhere")))!.Message, Does.Contain("does not exist"));
    }
}
