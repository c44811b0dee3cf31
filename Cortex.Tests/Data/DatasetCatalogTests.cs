using Cortex.Experiments.Data;
using Cortex.Tests.Infrastructure;
using SkiaSharp;

namespace Cortex.Tests.Datasets;

[NonParallelizable]
public sealed class DatasetCatalogTests
{
    private TinyData files = null!;

    [SetUp]
    public void MakeFolder() => files = new TinyData();

    [TearDown]
    public void RemoveFolder() => files.Dispose();

    [Test]
    public void DigitDebrisIsBuiltOnEachSplitWithItsOwnSeed()
    {
        Directory.CreateDirectory(files.PathOf("fmnist"));
        foreach (var (prefix, count) in new[] { ("train", 12), ("t10k", 5) })
        {
            Idx.WriteImages(files.PathOf($"fmnist/{prefix}-images-idx3-ubyte"), TinyData.Images(count, 28, 28), gzip: false);
            Idx.WriteLabels(files.PathOf($"fmnist/{prefix}-labels-idx1-ubyte"), TinyData.Labels(count), gzip: false);
        }
        var clean = DatasetCatalog.Load("fashion-mnist", files.PathOf("fmnist"), 0);
        var debris = DatasetCatalog.Load("digit-debris:3", files.PathOf("fmnist"), 10);
        Assert.That(debris.Train.Count, Is.EqualTo(10), "the limit applies after the debris");
        Assert.That(debris.Test.Count, Is.EqualTo(5));
        Assert.That(debris.Description, Does.Contain("digit debris: 3 fragments of 9×9").And.Contain("seeds 1 (train) and 2 (test)"));
        var expected = new DigitDebris(3).Apply(clean.Train, DatasetCatalog.DebrisTrainSeed);
        Assert.That(debris.Train.Images, Is.EqualTo(expected.Images.AsSpan(0, 10 * 28 * 28).ToArray()));
        Assert.That(debris.Test.Images, Is.EqualTo(new DigitDebris(3).Apply(clean.Test, DatasetCatalog.DebrisTestSeed).Images));
        Assert.That(debris.Test.Images, Is.Not.EqualTo(clean.Test.Images));
        Assert.That(DatasetCatalog.Load("digit_debris:3:fashion-mnist", files.PathOf("fmnist"), 0).Train.Images, Is.EqualTo(expected.Images));
    }

    [TestCase("cifar-100", "unknown dataset 'cifar-100'; allowed: fashion-mnist | mnist | cifar-10")]
    [TestCase("digit-debris", "unknown dataset 'digit-debris'")]
    [TestCase("digit-debris:many", "the debris level must be a number of fragments")]
    [TestCase("digit-debris:3:cifar-10", "debris is built from mnist or fashion-mnist images")]
    [TestCase("image-folder:2x8x8", "channels must be 1 (grey) or 3 (RGB), got 2")]
    [TestCase("image-folder:8", "the size must be CxHxW or HxW")]
    public void UnknownOrMalformedNamesAreErrors(string name, string message)
    {
        Assert.That(Assert.Throws<DataError>(() => DatasetCatalog.Load(name, files.Directory, 0))!.Message, Does.Contain(message));
    }

    [Test]
    public void CifarAndImageFoldersNeedAFolder()
    {
        string? saved = Environment.GetEnvironmentVariable(DataLocator.EnvironmentVariable);
        Environment.SetEnvironmentVariable(DataLocator.EnvironmentVariable, null);
        try
        {
            Assert.That(Assert.Throws<DataError>(() => DatasetCatalog.Load("cifar-10", null, 0))!.Message,
                Does.Contain("CIFAR-10 has no default location: pass --data <folder>"));
            Assert.That(Assert.Throws<DataError>(() => DatasetCatalog.Load("image-folder", null, 0))!.Message,
                Does.Contain("an image folder has no default location"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(DataLocator.EnvironmentVariable, saved);
        }
    }

    [Test]
    public void ImageFoldersTakeTheirSizeFromTheName()
    {
        foreach (var (name, colour) in new[] { ("circle", SKColors.White), ("square", SKColors.Gray) })
            for (int i = 0; i < 5; i++)
            {
                Directory.CreateDirectory(files.PathOf(name));
                using var bitmap = new SKBitmap(9, 9);
                bitmap.Erase(colour);
                using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
                File.WriteAllBytes(files.PathOf($"{name}/{i}.png"), png.ToArray());
            }
        var rgb = DatasetCatalog.Load("image-folder:3x8x6", files.Directory, 0);
        Assert.That((rgb.Train.ImageShape[0], rgb.Train.ImageShape[1], rgb.Train.ImageShape[2]), Is.EqualTo((3, 8, 6)));
        Assert.That((rgb.Train.Count, rgb.Test.Count), Is.EqualTo((8, 2)));
        Assert.That(rgb.Description, Does.Contain("2 classes, resized to 3×8×6").And.Contain("the first 80% of each class"));
        var grey = DatasetCatalog.Load("image-folder", files.Directory, 3);
        Assert.That((grey.Train.ImageShape[0], grey.Train.ImageShape[1], grey.Train.Count), Is.EqualTo((1, 28, 3)));
    }

    [Test]
    public void TrainRunsOnCifar10()
    {
        const int size = Cifar10.RecordLength - 1;
        var random = new Random(5);
        foreach (var file in Cifar10.TrainFiles.Append(Cifar10.TestFile))
        {
            var pixels = new byte[4 * size];
            random.NextBytes(pixels);
            Cifar10.WriteBatch(files.PathOf(file), pixels, [.. Enumerable.Range(0, 4).Select(_ => (byte)random.Next(10))]);
        }
        string network = files.PathOf("rgb.yaml");
        File.WriteAllText(network, """
            name: rgb
            time: { steps: 2 }
            input: { shape: [3, 32, 32] }
            areas:
              - { name: V1, level: 1, shape: [2, 16, 16], activation: relu }
            projections:
              - { from: image, to: V1, type: feedforward, kernel: 3, resample: maxpool, factor: 2 }
              - { from: V1, to: V1, type: lateral, kernel: 3 }
            readout: { from: V1, classes: 10, steps: all }
            """);
        var (code, output, error) = Cli.Run("train", network, "--dataset", "cifar-10", "--data", files.Directory, "--epochs", "1", "--batch", "4",
            "--device", "cpu", "--out", files.PathOf("runs"), "--name", "rgb");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(output, Does.Contain("data: CIFAR-10 from --data").And.Contain("20 training and 4 test images").And.Contain("test accuracy per time step"));
    }
}
