namespace Cortex.Experiments.Data;

/// <summary>
/// A grouping of fine classes into coarse ones: <c>FineToCoarse[fine]</c> is the coarse class of a fine
/// label, <c>Names[coarse]</c> its name.
/// </summary>
public sealed record ClassGroups(IReadOnlyList<string> Names, IReadOnlyList<int> FineToCoarse)
{
    /// <summary>Coarse classes.</summary>
    public int Count => Names.Count;

    /// <summary>The coarse class of fine label <paramref name="fine"/>.</summary>
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
    string? ShippedFolder,
    IReadOnlyList<int[]>? Signatures = null)
{
    /// <summary>How many leading labels of a split <see cref="Signatures"/> hold.</summary>
    public const int SignatureLength = 20;


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
        ShippedFolder: "data/fashion-mnist-subset",
        // the first labels of the official training and test splits
        Signatures: [[9, 0, 0, 3, 0, 2, 7, 2, 5, 5, 0, 9, 5, 5, 7, 9, 1, 0, 6, 4], [9, 2, 1, 1, 6, 1, 4, 6, 5, 7, 4, 5, 7, 3, 4, 1, 2, 4, 8, 0]]);

    /// <summary>MNIST handwritten digits: same file format, no coarse groups, no default location.</summary>
    public static readonly DatasetKind Mnist = new(
        "MNIST",
        ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
        Coarse: null,
        SystemDirectory: null,
        SystemPackage: null,
        ShippedFolder: null,
        Signatures: [[5, 0, 4, 1, 9, 2, 1, 3, 1, 4, 3, 5, 3, 6, 1, 7, 2, 8, 6, 9], [7, 2, 1, 0, 4, 1, 4, 9, 5, 9, 0, 6, 9, 0, 1, 5, 9, 7, 3, 4]]);

    /// <summary>Fine classes.</summary>
    public int ClassCount => ClassNames.Count;

    /// <summary>Every kind Cortex knows.</summary>
    public static IReadOnlyList<DatasetKind> Known => [FashionMnist, Mnist];

    /// <summary>
    /// The known dataset whose official training or test split begins with these labels (the first
    /// <see cref="SignatureLength"/> identify a split), or null: files of another dataset, or a subset that does not
    /// start where the official split does.
    /// </summary>
    public static DatasetKind? Recognise(ReadOnlySpan<int> labels)
    {
        if (labels.Length < SignatureLength) return null;
        foreach (var kind in Known)
            foreach (var signature in kind.Signatures ?? [])
                if (labels[..SignatureLength].SequenceEqual(signature)) return kind;
        return null;
    }

    /// <summary>Fashion-MNIST or MNIST by name (case-insensitive, hyphen optional).</summary>
    public static DatasetKind Parse(string name) => name.Trim().ToLowerInvariant().Replace("-", "").Replace("_", "") switch
    {
        "fashionmnist" => FashionMnist,
        "mnist" => Mnist,
        _ => throw new DataError($"unknown dataset '{name}'; allowed: fashion-mnist, mnist"),
    };
}
