using Cortex.Experiments.Data;

namespace Cortex.Tests.Datasets;

public sealed class DataLocatorTests
{
    private TinyData files = null!;
    private string flag = null!, environment = null!, system = null!, shipped = null!;

    [SetUp]
    public void Create()
    {
        files = new TinyData();
        (flag, environment, system, shipped) = (files.PathOf("flag"), files.PathOf("env"), files.PathOf("system"), files.PathOf("shipped"));
        files.WriteSplit("train", 12, folder: flag);
        files.WriteSplit("t10k", 5, folder: flag);
        files.WriteSplit("train", 12, gzip: false, folder: environment);
        files.WriteSplit("t10k", 5, gzip: false, folder: environment);
        files.WriteSplit("train", 12, folder: system);
        files.WriteSplit("t10k", 5, folder: system);
        files.WriteSplit("t10k", 10, folder: shipped);
    }

    [TearDown]
    public void Delete() => files.Dispose();

    private DataSource Locate(string? flagValue, string? environmentValue, string? systemDir, params string[] shippedDirs) =>
        DataLocator.Locate(DatasetKind.FashionMnist, new DataSearch(flagValue, environmentValue, systemDir, shippedDirs));

    [Test]
    public void FlagComesFirstThenEnvironmentThenSystemThenShipped()
    {
        Assert.That(Locate(flag, environment, system, shipped).Location, Is.EqualTo(DataLocation.Flag));
        Assert.That(Locate(null, environment, system, shipped).Location, Is.EqualTo(DataLocation.Environment));
        Assert.That(Locate(null, null, system, shipped).Location, Is.EqualTo(DataLocation.System));
        Assert.That(Locate(null, null, files.PathOf("absent"), shipped).Location, Is.EqualTo(DataLocation.Shipped));
    }

    [Test]
    public void EachSourceSaysWhyItWasChosen()
    {
        var fromFlag = Locate(flag, environment, system, shipped);
        Assert.That(fromFlag.Reason, Is.EqualTo($"--data {flag}"));
        Assert.That(fromFlag.Train!.Images, Does.EndWith("train-images-idx3-ubyte.gz"));
        var fromEnvironment = Locate(null, environment, system, shipped);
        Assert.That(fromEnvironment.Reason, Is.EqualTo($"CORTEX_DATA={environment} (no --data)"));
        Assert.That(fromEnvironment.Test.Labels, Does.EndWith("t10k-labels-idx1-ubyte"), "uncompressed files are found too");
        Assert.That(Locate(null, null, system, shipped).Reason, Does.Contain("dataset-fashion-mnist package").And.Contain("CORTEX_DATA unset"));
        var fromShipped = Locate(null, null, files.PathOf("absent"), shipped);
        Assert.That(fromShipped.Reason, Does.Contain("subset shipped with Cortex").And.Contain("install dataset-fashion-mnist"));
        Assert.That(fromShipped.ToString(), Does.StartWith("data: Fashion-MNIST from the subset shipped"));
    }

    [Test]
    public void ALoneTestSplitTrainsOnItsFirstEightyPercentAndTestsOnTheRest()
    {
        var source = Locate(null, null, null, shipped);
        Assert.That(source.Layout, Is.EqualTo(DataLayout.TestSplitOnly));
        Assert.That(source.Train, Is.Null);
        var (train, test) = (source.LoadTrain(), source.LoadTest());
        Assert.That((train.Count, test.Count), Is.EqualTo((8, 2)));
        Assert.That(train.Labels, Is.EqualTo(new[] { 0, 1, 2, 3, 4, 5, 6, 7 }));
        Assert.That(test.Labels, Is.EqualTo(new[] { 8, 9 }));
    }

    [Test]
    public void FullLayoutTrainsOnTrainAndTestsOnTest()
    {
        var source = Locate(null, null, system);
        Assert.That(source.Layout, Is.EqualTo(DataLayout.Full));
        Assert.That((source.LoadTrain().Count, source.LoadTest().Count), Is.EqualTo((12, 5)));
    }

    [Test]
    public void AnExplicitFolderWithoutDataIsAnErrorNotAFallThrough()
    {
        string empty = files.PathOf("empty");
        Directory.CreateDirectory(empty);
        File.WriteAllText(Path.Combine(empty, "readme.txt"), "");
        var e = Assert.Throws<DataError>(() => Locate(empty, null, system, shipped))!;
        Assert.That(e.Message, Does.StartWith($"--data {empty}: no Fashion-MNIST IDX files there").And.Contain("found readme.txt"));
        e = Assert.Throws<DataError>(() => Locate(null, files.PathOf("missing"), system, shipped))!;
        Assert.That(e.Message, Is.EqualTo($"CORTEX_DATA {files.PathOf("missing")}: the folder does not exist"));
    }

    [Test]
    public void AHalfPresentSplitNamesTheMissingPartner()
    {
        File.Delete(Path.Combine(flag, "t10k-labels-idx1-ubyte.gz"));
        var e = Assert.Throws<DataError>(() => Locate(flag, null, null))!;
        Assert.That(e.Message, Does.Contain("found t10k-images-idx3-ubyte.gz but not its partner t10k-labels-idx1-ubyte[.gz]"));
    }

    [Test]
    public void NothingAnywhereSaysHowToFixIt()
    {
        var e = Assert.Throws<DataError>(() => Locate(null, null, files.PathOf("absent"), files.PathOf("nowhere")))!;
        Assert.That(e.Message, Does.StartWith("no Fashion-MNIST data found: pass --data <folder> or set CORTEX_DATA"));
    }

    [Test]
    public void MnistHasNoDefaultLocationButReadsTheSameFiles()
    {
        var e = Assert.Throws<DataError>(() => DataLocator.Locate(DatasetKind.Mnist, new DataSearch(null, null, null, [])))!;
        Assert.That(e.Message, Is.EqualTo("no MNIST data found: pass --data <folder> or set CORTEX_DATA"));
        string mnist = files.PathOf("mnist");
        Directory.CreateDirectory(mnist);
        Idx.WriteImages(Path.Combine(mnist, "t10k-images.idx3-ubyte"), TinyData.Images(3), gzip: false);
        Idx.WriteLabels(Path.Combine(mnist, "t10k-labels.idx1-ubyte"), TinyData.Labels(3), gzip: false);
        var source = DataLocator.Locate(DatasetKind.Mnist, new DataSearch(mnist, null, null, []));
        var test = source.LoadTest();
        Assert.That(source.Kind.Coarse, Is.Null);
        Assert.That(test.ClassNames[3], Is.EqualTo("3"));
        Assert.That(DatasetKind.Parse("Fashion-MNIST"), Is.SameAs(DatasetKind.FashionMnist));
        Assert.That(Assert.Throws<DataError>(() => DatasetKind.Parse("cifar"))!.Message, Does.Contain("allowed: fashion-mnist, mnist"));
    }

    [Test]
    public void TheShippedSubsetTravelsWithTheProgram()
    {
        var candidates = DataSearch.ForProcess(DatasetKind.FashionMnist, null).ShippedCandidates;
        Assert.That(Directory.Exists(candidates[0]), $"{candidates[0]} should be copied beside the program by the build");
        var source = DataLocator.Locate(DatasetKind.FashionMnist, new DataSearch(null, null, null, candidates));
        Assert.That(source.Location, Is.EqualTo(DataLocation.Shipped));
        Assert.That(source.Layout, Is.EqualTo(DataLayout.TestSplitOnly));
        var test = source.LoadTest();
        Assert.That(test.Count, Is.EqualTo(2_000));
        var perClass = test.Labels.GroupBy(l => l).Select(g => g.Count()).ToList();
        Assert.That(perClass, Has.Count.EqualTo(10));
        Assert.That(perClass.Min(), Is.GreaterThan(150), "the last 2,000 test images cover every class");
    }
}
