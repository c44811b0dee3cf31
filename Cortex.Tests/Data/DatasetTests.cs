using Cortex.Core.Tensors;
using Cortex.Experiments.Data;

namespace Cortex.Tests.Datasets;

public sealed class DatasetTests
{
    [Test]
    public void FashionMnistCoarseGroups()
    {
        var coarse = DatasetKind.FashionMnist.Coarse!;
        Assert.That(coarse.Names, Is.EqualTo(new[] { "tops", "footwear", "trouser", "dress", "bag" }));
        var names = DatasetKind.FashionMnist.ClassNames;
        string[] Group(string name) => Enumerable.Range(0, 10).Where(f => coarse.Names[coarse.CoarseOf(f)] == name).Select(f => names[f]).ToArray();
        Assert.That(Group("tops"), Is.EquivalentTo(new[] { "T-shirt/top", "Pullover", "Coat", "Shirt" }));
        Assert.That(Group("footwear"), Is.EquivalentTo(new[] { "Sandal", "Sneaker", "Ankle boot" }));
        Assert.That(Group("trouser"), Is.EqualTo(new[] { "Trouser" }));
        Assert.That(Group("dress"), Is.EqualTo(new[] { "Dress" }));
        Assert.That(Group("bag"), Is.EqualTo(new[] { "Bag" }));
        Assert.That(TinyData.Numbered(10).CoarseLabels(), Is.EqualTo(new[] { 0, 2, 0, 3, 0, 1, 0, 1, 4, 1 }));
        Assert.That(DatasetKind.Mnist.Coarse, Is.Null);
    }

    [Test]
    public void TheOfficialSplitsAreRecognisedByTheirFirstLabels()
    {
        string shipped = Path.Combine(AppContext.BaseDirectory, "data", "fashion-mnist-subset", "t10k-labels-idx1-ubyte.gz");
        var labels = Idx.ReadLabels(shipped).Select(b => (int)b).ToArray();
        Assert.That(DatasetKind.Recognise(labels), Is.SameAs(DatasetKind.FashionMnist));
        Assert.That(DatasetKind.Recognise(labels.AsSpan(0, DatasetKind.SignatureLength - 1)), Is.Null, "too few labels to tell");
        Assert.That(DatasetKind.Recognise(labels.AsSpan(1)), Is.Null, "a subset that starts elsewhere is not recognised");
        Assert.That(DatasetKind.Recognise(TinyData.Numbered(40).Labels), Is.Null);
        var fashionTrain = "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz";
        if (File.Exists(fashionTrain))
            Assert.That(DatasetKind.Recognise(Idx.ReadLabels(fashionTrain).Select(b => (int)b).ToArray()), Is.SameAs(DatasetKind.FashionMnist));
        // MNIST's test split begins 7 2 1 0 4 1 4 9 5 9 (the digits of its first images)
        Assert.That(DatasetKind.Recognise([7, 2, 1, 0, 4, 1, 4, 9, 5, 9, 0, 6, 9, 0, 1, 5, 9, 7, 3, 4, 9]), Is.SameAs(DatasetKind.Mnist));
    }

    [Test]
    public void SeededSplitIsDeterministicDisjointAndComplete()
    {
        var data = TinyData.Numbered(19);
        var (train, validation) = DataSplits.TrainValidation(data, 5, seed: 3);
        var (train2, validation2) = DataSplits.TrainValidation(data, 5, seed: 3);
        var (_, other) = DataSplits.TrainValidation(data, 5, seed: 4);
        float[] Firsts(Dataset d) => Enumerable.Range(0, d.Count).Select(i => d.Image(i)[0]).ToArray();
        Assert.That(Firsts(validation), Is.EqualTo(Firsts(validation2)));
        Assert.That(Firsts(train), Is.EqualTo(Firsts(train2)));
        Assert.That(Firsts(validation), Is.Not.EqualTo(Firsts(other)), "another seed gives another split");
        Assert.That(Firsts(train).Concat(Firsts(validation)).Order(), Is.EqualTo(Enumerable.Range(0, 19).Select(i => (float)i)));
        Assert.That(validation.Count, Is.EqualTo(5));
        Assert.That(validation.Labels, Is.EqualTo(Firsts(validation).Select(v => (int)v % 10)), "labels travel with their images");
        Assert.That(DataSplits.TrainValidation(data, 0.25, seed: 3).Validation.Count, Is.EqualTo(5));
    }

    [Test]
    public void SeedsAndPermutationsAreFixedAcrossRunsAndVersions()
    {
        // Golden values: if these change, every seeded split, shuffle and stimulus changes with them.
        Assert.That(Seeds.Derive(1, 2, 3), Is.EqualTo(2059453758));
        Assert.That(Seeds.Derive(0), Is.EqualTo(1896895516));
        Assert.That(Seeds.Permutation(10, 42), Is.EqualTo(new[] { 9, 0, 4, 2, 5, 7, 3, 8, 1, 6 }));
        Assert.That(Seeds.Derive(1, 2, 3), Is.Not.EqualTo(Seeds.Derive(1, 3, 2)), "the path's order matters");
    }

    [Test]
    public void NormaliseUsesGivenStatisticsAndMovesTheBackground()
    {
        var data = TinyData.Numbered(3, size: 1);
        var (mean, std) = data.PixelStatistics();
        Assert.That(mean, Is.EqualTo(1).Within(1e-12));
        Assert.That(std, Is.EqualTo(Math.Sqrt(2.0 / 3)).Within(1e-12));
        var normal = data.Normalise(1, 2);
        Assert.That(normal.Images, Is.EqualTo(new[] { -0.5f, 0f, 0.5f }));
        Assert.That(normal.Background, Is.EqualTo(-0.5f));
    }

    [Test]
    public void RangeAndSelectKeepImagesAndLabelsTogether()
    {
        var data = TinyData.Numbered(12);
        var range = data.Range(3, 4);
        Assert.That(Enumerable.Range(0, 4).Select(i => range.Image(i)[0]), Is.EqualTo(new[] { 3f, 4f, 5f, 6f }));
        Assert.That(range.Labels, Is.EqualTo(new[] { 3, 4, 5, 6 }));
        var picked = data.Select([11, 0]);
        Assert.That(picked.Labels, Is.EqualTo(new[] { 1, 0 }));
        Assert.That(picked.Image(0).ToArray(), Is.All.EqualTo(11f));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => data.Range(10, 3))!.Message, Does.Contain("range [10, 13) is outside its 12 images"));
    }

    [Test]
    public void ShiftMovesA3x3ImageAndFillsWithBackground()
    {
        float[] image = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        var shape = new Shape(1, 3, 3);
        var result = new float[9];
        Augmentation.Shift(image, result, shape, dy: 1, dx: -1, fill: -1);
        Assert.That(result, Is.EqualTo(new float[] { -1, -1, -1, 2, 3, -1, 5, 6, -1 }));
        Augmentation.Shift(image, result, shape, dy: -2, dx: 2, fill: 0);
        Assert.That(result, Is.EqualTo(new float[] { 0, 0, 7, 0, 0, 0, 0, 0, 0 }));
        Augmentation.Shift(image, result, shape, dy: 0, dx: 0, fill: 0);
        Assert.That(result, Is.EqualTo(image));
        Augmentation.Shift(image, result, shape, dy: 3, dx: 0, fill: 0);
        Assert.That(result, Is.All.EqualTo(0f));
    }
}
