using System.IO.Compression;
using Cortex.Experiments.Data;

namespace Cortex.Tests.Datasets;

public sealed class IdxTests
{
    private TinyData files = null!;

    [SetUp]
    public void Create() => files = new TinyData();

    [TearDown]
    public void Delete() => files.Dispose();

    [TestCase(true)]
    [TestCase(false)]
    public void ImagesAndLabelsRoundTrip(bool gzip)
    {
        var (imagesPath, labelsPath) = files.WriteSplit("train", 7, gzip);
        var images = Idx.ReadImages(imagesPath);
        Assert.That((images.Count, images.Rows, images.Columns), Is.EqualTo((7, 4, 3)));
        Assert.That(images.Pixels, Is.EqualTo(TinyData.Images(7).Pixels));
        Assert.That(Idx.ReadLabels(labelsPath), Is.EqualTo(TinyData.Labels(7)));
    }

    [Test]
    public void DatasetScalesPixelsToUnitRangeAndKeepsShape()
    {
        var (imagesPath, labelsPath) = files.WriteSplit("t10k", 3);
        var data = Dataset.FromIdx("tiny", DatasetKind.FashionMnist, imagesPath, Idx.ReadImages(imagesPath), labelsPath, Idx.ReadLabels(labelsPath));
        Assert.That(data.Shape.ToString(), Is.EqualTo(new Cortex.Core.Tensors.Shape(3, 1, 4, 3).ToString()));
        // Image 2, row 1, column 2: 7·2 + 3·1 + 2 = 19.
        Assert.That(data.Image(2)[1 * 3 + 2], Is.EqualTo(19f / 255f).Within(1e-7));
        Assert.That(data.Labels, Is.EqualTo(new[] { 0, 1, 2 }));
        Assert.That(data.Images.Max(), Is.LessThanOrEqualTo(1f));
    }

    [Test]
    public void TruncatedImagesNameTheFileAndTheSizes()
    {
        var (imagesPath, _) = files.WriteSplit("train", 5, gzip: false);
        var bytes = File.ReadAllBytes(imagesPath);
        File.WriteAllBytes(imagesPath, bytes[..(bytes.Length - 10)]);
        var e = Assert.Throws<DataError>(() => Idx.ReadImages(imagesPath))!;
        Assert.That(e.Message, Does.StartWith(imagesPath).And.Contain("5 images of 4×3 bytes").And.Contain("only 50 are present").And.Contain("truncated"));
    }

    [Test]
    public void TruncatedGzipIsReportedAsTruncatedOrCorrupt()
    {
        var (imagesPath, _) = files.WriteSplit("train", 40, gzip: true);
        var bytes = File.ReadAllBytes(imagesPath);
        File.WriteAllBytes(imagesPath, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<DataError>(() => Idx.ReadImages(imagesPath))!;
        Assert.That(e.Message, Does.StartWith(imagesPath).And.Match("truncated|not valid gzip"));
    }

    [Test]
    public void HeaderCutShortIsTruncated()
    {
        string path = files.PathOf("short");
        File.WriteAllBytes(path, [0, 0, 8, 3, 0, 0]);
        var e = Assert.Throws<DataError>(() => Idx.ReadImages(path))!;
        Assert.That(e.Message, Does.StartWith(path).And.Contain("6 bytes is too short for an IDX images header of 16 bytes"));
    }

    [Test]
    public void WrongMagicSaysWhatWasFoundAndExpected()
    {
        var (_, labelsPath) = files.WriteSplit("train", 3, gzip: true);
        var e = Assert.Throws<DataError>(() => Idx.ReadImages(labelsPath))!;
        Assert.That(e.Message, Is.EqualTo($"{labelsPath}: magic number 0x00000801 (unsigned bytes, 1 dimension), expected 0x00000803 (unsigned bytes, 3 dimensions: images)"));
        string text = files.PathOf("notes.txt");
        File.WriteAllText(text, "hello world, not an IDX file");
        Assert.That(Assert.Throws<DataError>(() => Idx.ReadLabels(text))!.Message, Does.Contain("(not an IDX file), expected 0x00000801"));
    }

    [Test]
    public void BadGzipIsNamed()
    {
        string path = files.PathOf("broken.gz");
        var good = new MemoryStream();
        using (var gz = new GZipStream(good, CompressionLevel.Optimal, leaveOpen: true)) gz.Write(new byte[1000]);
        var bytes = good.ToArray();
        for (int i = 10; i < bytes.Length - 8; i++) bytes[i] ^= 0x5a;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<DataError>(() => Idx.ReadLabels(path))!;
        Assert.That(e.Message, Does.StartWith(path).And.Contain("not valid gzip data"));
    }

    [Test]
    public void ExtraBytesAreCorruption()
    {
        var (_, labelsPath) = files.WriteSplit("train", 4, gzip: false);
        File.AppendAllText(labelsPath, "xx");
        var e = Assert.Throws<DataError>(() => Idx.ReadLabels(labelsPath))!;
        Assert.That(e.Message, Does.Contain("4 labels of 1 byte").And.Contain("but 6 are present"));
    }

    [Test]
    public void CountMismatchNamesBothFiles()
    {
        var (imagesPath, _) = files.WriteSplit("train", 6);
        string labelsPath = files.PathOf("five-labels");
        Idx.WriteLabels(labelsPath, TinyData.Labels(5), gzip: false);
        var e = Assert.Throws<DataError>(() => Dataset.FromIdx("x", DatasetKind.FashionMnist, imagesPath, Idx.ReadImages(imagesPath), labelsPath, Idx.ReadLabels(labelsPath)))!;
        Assert.That(e.Message, Is.EqualTo($"{imagesPath} holds 6 images but {labelsPath} holds 5 labels; the counts must match"));
    }

    [Test]
    public void LabelOutsideTheClassesIsNamed()
    {
        var (imagesPath, labelsPath) = files.WriteSplit("train", 3);
        Idx.WriteLabels(labelsPath, [1, 12, 0], gzip: true);
        var e = Assert.Throws<DataError>(() => Dataset.FromIdx("x", DatasetKind.FashionMnist, imagesPath, Idx.ReadImages(imagesPath), labelsPath, Idx.ReadLabels(labelsPath)))!;
        Assert.That(e.Message, Does.StartWith(labelsPath).And.Contain("label 12 at index 1 is outside the 10 classes of Fashion-MNIST"));
    }

    [Test]
    public void SystemFashionMnistReadsWhenInstalled()
    {
        var dir = DatasetKind.FashionMnist.SystemDirectory!;
        if (!Directory.Exists(dir)) Assert.Ignore($"{dir} is not installed here");
        var source = DataLocator.Locate(DatasetKind.FashionMnist, new DataSearch(null, null, dir, []));
        Assert.That(source.Layout, Is.EqualTo(DataLayout.Full));
        var test = source.LoadTest();
        Assert.That(test.Count, Is.EqualTo(10_000));
        Assert.That(test.ImageShape.ToString(), Is.EqualTo(new Cortex.Core.Tensors.Shape(1, 28, 28).ToString()));
        Assert.That(test.Labels.Distinct().Count(), Is.EqualTo(10));
    }
}
