namespace Cortex.Experiments.Data;

/// <summary>
/// A grouping of fine classes into coarse ones: <c>FineToCoarse[fine]</c> is the coarse class of a fine
/// label, <c>Names[coarse]</c> its name.
/// </summary>
public sealed record ClassGroups(IReadOnlyList<string> Names, IReadOnlyList<int> FineToCoarse)
{
    public int Count => Names.Count;

    public int CoarseOf(int fine) => FineToCoarse[fine];

    /// <summary>The coarse label of each fine label.</summary>
    public int[] Map(ReadOnlySpan<int> fineLabels)
    {
        var coarse = new int[fineLabels.Length];
        for (int i = 0; i < coarse.Length; i++) coarse[i] = FineToCoarse[fineLabels[i]];
        return coarse;
    }
}

/// <summary>
/// What a dataset is: its name, class names, optional coarse groups, and where its files live by default
/// (a system install and a subset shipped with Cortex), if anywhere.
/// </summary>
public sealed record DatasetKind(
    string Name,
    IReadOnlyList<string> ClassNames,
    ClassGroups? Coarse,
    string? SystemDirectory,
    string? SystemPackage,
    string? ShippedFolder)
{
    /// <summary>Fashion-MNIST (Xiao, Rasul and Vollgraf 2017, Zalando Research), with its five natural coarse groups.</summary>
    public static readonly DatasetKind FashionMnist = new(
        "Fashion-MNIST",
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
        new ClassGroups(
            ["tops", "footwear", "trouser", "dress", "bag"],
            //  T-shirt Trouser Pullover Dress Coat Sandal Shirt Sneaker Bag Ankle-boot
            [0, 2, 0, 3, 0, 1, 0, 1, 4, 1]),
        SystemDirectory: "/usr/share/datasets/fashion-mnist",
        SystemPackage: "dataset-fashion-mnist",
        ShippedFolder: "data/fashion-mnist-subset");

    /// <summary>MNIST handwritten digits: same file format, no coarse groups, no default location.</summary>
    public static readonly DatasetKind Mnist = new(
        "MNIST",
        ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
        Coarse: null,
        SystemDirectory: null,
        SystemPackage: null,
        ShippedFolder: null);

    public int ClassCount => ClassNames.Count;

    /// <summary>Fashion-MNIST or MNIST by name (case-insensitive, hyphen optional).</summary>
    public static DatasetKind Parse(string name) => name.Trim().ToLowerInvariant().Replace("-", "").Replace("_", "") switch
    {
        "fashionmnist" => FashionMnist,
        "mnist" => Mnist,
        _ => throw new DataError($"unknown dataset '{name}'; allowed: fashion-mnist, mnist"),
    };
}
