using Cortex.Experiments.Data;
using SkiaSharp;

namespace Cortex.Tests.Datasets;

public sealed class ImageFolderTests
{
    private TinyData files = null!;

    [SetUp]
    public void MakeFolder() => files = new TinyData();

    [TearDown]
    public void RemoveFolder() => files.Dispose();

    /// <summary>Writes a PNG of <paramref name="width"/>×<paramref name="height"/> filled with one colour.</summary>
    private static void Png(string path, SKColor colour, int width = 7, int height = 5)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        bitmap.Erase(colour);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        File.WriteAllBytes(path, data.ToArray());
    }

    [Test]
    public void ClassFoldersSplitPerClassAndResize()
    {
        // cat: 5 images → round(0.8·5) = 4 train, 1 test; dog: 3 → round(2.4) = 2 train, 1 test. The .txt file is skipped.
        for (int i = 0; i < 5; i++) Png(files.PathOf($"cat/{i}.png"), new SKColor(200, 100, 50));
        for (int i = 0; i < 3; i++) Png(files.PathOf($"dog/{i}.png"), new SKColor(10, 20, 250), width: 3, height: 11);
        File.WriteAllText(files.PathOf("dog/notes.txt"), "not an image");
        var (train, test) = new ImageFolder(3, 4, 6).Load(files.Directory);
        Assert.That(train.ClassNames, Is.EqualTo(new[] { "cat", "dog" }));
        Assert.That(train.Labels, Is.EqualTo(new[] { 0, 0, 0, 0, 1, 1 }));
        Assert.That(test.Labels, Is.EqualTo(new[] { 0, 1 }));
        Assert.That(train.ImageShape.ToString(), Is.EqualTo(new Cortex.Core.Tensors.Shape(3, 4, 6).ToString()));
        // A solid colour stays that colour after resizing: channel planes of 24 pixels.
        var dog = test.Image(1);
        Assert.That(dog[..24].ToArray(), Is.All.EqualTo(10 / 255f).Within(1e-6));
        Assert.That(dog[24..48].ToArray(), Is.All.EqualTo(20 / 255f).Within(1e-6));
        Assert.That(dog[48..].ToArray(), Is.All.EqualTo(250 / 255f).Within(1e-6));

        var grey = new ImageFolder(1, 2, 2).LoadFolder(files.Directory);
        Assert.That(grey.Image(0).ToArray(), Is.All.EqualTo((0.299 * 200 + 0.587 * 100 + 0.114 * 50) / 255).Within(1e-5));
    }

    [Test]
    public void TrainAndTestFoldersAreUsedAsGiven()
    {
        Png(files.PathOf("train/a/1.png"), SKColors.White);
        Png(files.PathOf("train/b/1.png"), SKColors.Black);
        Png(files.PathOf("test/a/x.png"), SKColors.White);
        Png(files.PathOf("test/b/y.png"), new SKColor(255, 255, 255, 0));
        var (train, test) = new ImageFolder(1, 3, 3).Load(files.Directory);
        Assert.That((train.Count, test.Count), Is.EqualTo((2, 2)));
        Assert.That(test.Image(0).ToArray(), Is.All.EqualTo(1f).Within(1e-6));
        Assert.That(test.Image(1).ToArray(), Is.All.EqualTo(0f), "a transparent pixel is composited over black");
    }

    [Test]
    public void BadFoldersAndImagesAreNamedErrors()
    {
        Assert.That(Assert.Throws<DataError>(() => new ImageFolder(1, 4, 4).Load(files.PathOf("none")))!.Message, Does.Contain("does not exist"));
        Assert.That(Assert.Throws<DataError>(() => new ImageFolder(1, 4, 4).Load(files.Directory))!.Message, Does.Contain("no class folders"));

        Png(files.PathOf("a/1.png"), SKColors.Red);
        Directory.CreateDirectory(files.PathOf("b"));
        File.WriteAllText(files.PathOf("b/readme.md"), "x");
        Assert.That(Assert.Throws<DataError>(() => new ImageFolder(1, 4, 4).Load(files.Directory))!.Message,
            Does.Contain($"{files.PathOf("b")}: the class folder holds no images"));

        File.WriteAllBytes(files.PathOf("b/broken.png"), [0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
        Assert.That(Assert.Throws<DataError>(() => new ImageFolder(1, 4, 4).Load(files.Directory))!.Message,
            Does.Contain($"{files.PathOf("b/broken.png")}: cannot be decoded as an image"));

        File.Delete(files.PathOf("b/broken.png"));
        Png(files.PathOf("b/ok.png"), SKColors.Blue);
        Png(files.PathOf("train/a/1.png"), SKColors.Red);
        Png(files.PathOf("test/c/1.png"), SKColors.Red);
        Assert.That(Assert.Throws<DataError>(() => new ImageFolder(1, 4, 4).Load(files.Directory))!.Message,
            Does.Contain("train/ has classes a but test/ has c"));
        Assert.That(() => new ImageFolder(2, 4, 4).Load(files.Directory), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }
}
