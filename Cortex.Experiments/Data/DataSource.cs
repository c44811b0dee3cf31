namespace Cortex.Experiments.Data;

/// <summary>Where data was found, in the order it is looked for.</summary>
public enum DataLocation
{
    /// <summary>The <c>--data</c> folder.</summary>
    Flag,
    /// <summary>The folder in the CORTEX_DATA environment variable.</summary>
    Environment,
    /// <summary>A system install, e.g. Debian's dataset-fashion-mnist at /usr/share/datasets/fashion-mnist.</summary>
    System,
    /// <summary>The subset shipped with Cortex (Fashion-MNIST's 10k test split).</summary>
    Shipped,
}

/// <summary>Which splits a folder holds.</summary>
public enum DataLayout
{
    /// <summary>train-* and t10k-* files: train on the training split, test on the test split.</summary>
    Full,
    /// <summary>
    /// Only t10k-* files (the shipped subset): the first <see cref="DataSource.SubsetTrainFraction"/> of the
    /// test split (8,000 of 10,000) trains, the rest (the last 2,000) tests. A fixed cut, not a seeded one,
    /// so every seed is tested on the same images.
    /// </summary>
    TestSplitOnly,
}

/// <summary>The pair of IDX files of one split.</summary>
public sealed record SplitFiles(string Images, string Labels);

/// <summary>
/// The data a run uses and why: print <see cref="Reason"/> and <see cref="Layout"/> (or <see cref="ToString"/>)
/// at the start of every run. <see cref="Train"/> is null for <see cref="DataLayout.TestSplitOnly"/>.
/// </summary>
public sealed record DataSource(DatasetKind Kind, DataLocation Location, string Directory, DataLayout Layout, SplitFiles? Train, SplitFiles Test, string Reason)
{
    /// <summary>The share of a lone test split that trains when no training split is present.</summary>
    public const double SubsetTrainFraction = 0.8;

    /// <summary>The training images: the training split, or the first 80% of a lone test split.</summary>
    public Dataset LoadTrain()
    {
        if (Train is not null) return Load(Train, $"{Kind.Name} train");
        var all = Load(Test, $"{Kind.Name} t10k");
        int cut = SubsetCut(all.Count);
        return all.Range(0, cut, $"{Kind.Name} subset train (t10k 0..{cut - 1})");
    }

    /// <summary>The test images: the test split, or the last 20% of a lone test split.</summary>
    public Dataset LoadTest()
    {
        var all = Load(Test, Train is null ? $"{Kind.Name} t10k" : $"{Kind.Name} test");
        if (Train is not null) return all;
        int cut = SubsetCut(all.Count);
        return all.Range(cut, all.Count - cut, $"{Kind.Name} subset test (t10k {cut}..{all.Count - 1})");
    }

    /// <summary>Where the training/test cut of a lone test split of <paramref name="count"/> images lies.</summary>
    public static int SubsetCut(int count) => (int)Math.Round(count * SubsetTrainFraction);

    private Dataset Load(SplitFiles files, string name)
    {
        var data = Dataset.FromIdx(name, Kind, files.Images, Idx.ReadImages(files.Images), files.Labels, Idx.ReadLabels(files.Labels));
        if (DatasetKind.Recognise(data.Labels) is { } actual && actual != Kind)
            throw new DataError($"{files.Labels}: these are {actual.Name}'s labels (its official split begins with them), but the run " +
                $"was told the data is {Kind.Name}; pass --dataset {actual.Name.ToLowerInvariant()} (or point --data at {Kind.Name} files)");
        return data;
    }

    /// <summary>How the files are split into training and test images: the full set, or the shipped test split cut into a training part and a test part.</summary>
    public string LayoutDescription => Layout == DataLayout.Full
        ? "full set: train on the training split, test on the test split"
        : $"test split only: its first {SubsetTrainFraction:P0} trains, the rest tests";

    /// <summary>One line for a run's log: the dataset, why these files were taken, and how they are split.</summary>
    public override string ToString() => $"data: {Kind.Name} from {Reason}; {LayoutDescription}";
}
