using System.Globalization;

namespace Cortex.Experiments.Data;

/// <summary>A training and a test set, and one line saying what they are and where they came from.</summary>
/// <param name="Train">The training images.</param>
/// <param name="Test">The test images.</param>
/// <param name="Description">Where the data was found and how it was split (print it at the start of a run).</param>
public sealed record LoadedData(Dataset Train, Dataset Test, string Description)
{
    /// <summary>The description.</summary>
    public override string ToString() => Description;
}

/// <summary>
/// The datasets <c>--dataset</c> names (docs/data.md):
/// <list type="bullet">
/// <item><c>fashion-mnist</c>, <c>mnist</c>: IDX files, found by <see cref="DataLocator"/>;</item>
/// <item><c>cifar-10</c>: the binary batches in the <c>--data</c> folder (or CORTEX_DATA), <see cref="Cifar10"/>;</item>
/// <item><c>image-folder[:CxHxW]</c>: class folders under <c>--data</c> (or CORTEX_DATA), resized to C×H×W (default 1x28x28), <see cref="ImageFolder"/>;</item>
/// <item><c>digit-debris:N[:mnist|fashion-mnist]</c>: Fashion-MNIST (or MNIST) with N debris fragments per image, <see cref="DigitDebris"/>,
/// seeded with <see cref="DebrisTrainSeed"/> for the training split and <see cref="DebrisTestSeed"/> for the test split.</item>
/// </list>
/// </summary>
public static class DatasetCatalog
{
    /// <summary>The names <c>--dataset</c> accepts.</summary>
    public const string Allowed = "fashion-mnist | mnist | cifar-10 | image-folder[:CxHxW] | digit-debris:N[:mnist|fashion-mnist]";

    /// <summary>The seed of the debris on training images (fixed, so every run sees the same images).</summary>
    public const int DebrisTrainSeed = 1;

    /// <summary>The seed of the debris on test images.</summary>
    public const int DebrisTestSeed = 2;

    /// <summary>
    /// Loads the dataset called <paramref name="name"/> from <paramref name="folder"/> (the <c>--data</c> value; null: the
    /// dataset's usual search); <paramref name="limit"/> &gt; 0 keeps only the first that many training images.
    /// </summary>
    public static LoadedData Load(string name, string? folder, int limit)
    {
        if (Problem(name) is { } problem) throw new DataError(problem);
        var parts = name.Trim().Split(':');
        var data = Normalise(parts[0]) switch
        {
            "fashionmnist" or "mnist" => Idx(DatasetKind.Parse(parts[0]), folder),
            "cifar10" => Cifar(folder),
            "imagefolder" => Images(parts.Length == 2 ? parts[1] : "1x28x28", folder),
            _ => Debris(parts[1], parts.Length == 3 ? parts[2] : "fashion-mnist", folder),
        };
        if (limit > 0 && limit < data.Train.Count)
            data = data with { Train = data.Train.Range(0, limit, $"{data.Train.Name}[..{limit}]") };
        return data;
    }

    /// <summary>Why <paramref name="name"/> names no dataset (an unknown name, or the wrong number of parts), or null.</summary>
    public static string? Problem(string name)
    {
        var parts = name.Trim().Split(':');
        bool known = Normalise(parts[0]) switch
        {
            "fashionmnist" or "mnist" or "cifar10" => parts.Length == 1,
            "imagefolder" => parts.Length <= 2,
            "digitdebris" => parts.Length is 2 or 3,
            _ => false,
        };
        return known ? null : $"unknown dataset '{name}'; allowed: {Allowed}";
    }

    private static string Normalise(string name) => name.Trim().ToLowerInvariant().Replace("-", "").Replace("_", "");

    private static LoadedData Idx(DatasetKind kind, string? folder)
    {
        var source = DataLocator.Locate(kind, folder);
        return new LoadedData(source.LoadTrain(), source.LoadTest(), source.ToString());
    }

    private static LoadedData Cifar(string? folder)
    {
        var (directory, reason) = Explicit(folder, "CIFAR-10", $"data_batch_1.bin … data_batch_5.bin and {Cifar10.TestFile}");
        var (train, test) = Cifar10.Load(directory);
        return new LoadedData(train, test, $"data: CIFAR-10 from {reason}; {train.Count} training and {test.Count} test images");
    }

    private static LoadedData Images(string size, string? folder)
    {
        var dims = size.Split('x', 'X');
        if (dims.Length is not (2 or 3) || !dims.All(d => int.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0))
            throw new DataError($"image-folder:{size}: the size must be CxHxW or HxW (grey), e.g. image-folder:3x32x32");
        int[] n = [.. dims.Select(d => int.Parse(d, CultureInfo.InvariantCulture))];
        var reader = dims.Length == 3 ? new ImageFolder(n[0], n[1], n[2]) : new ImageFolder(1, n[0], n[1]);
        if (reader.Channels is not (1 or 3)) throw new DataError($"image-folder:{size}: channels must be 1 (grey) or 3 (RGB), got {reader.Channels}");
        var (directory, reason) = Explicit(folder, "an image folder", "one sub-folder of images per class (or train/ and test/ folders of them)");
        var (train, test) = reader.Load(directory);
        string split = Directory.Exists(Path.Combine(directory, "train")) && Directory.Exists(Path.Combine(directory, "test"))
            ? "its train/ and test/ folders" : $"the first {ImageFolder.TrainFraction * 100:0}% of each class (by file name) trains, the rest tests";
        return new LoadedData(train, test,
            $"data: images in class folders from {reason}, {train.ClassNames.Count} classes, resized to {reader.Channels}×{reader.Height}×{reader.Width}; {split}; {train.Count} training and {test.Count} test images");
    }

    private static LoadedData Debris(string level, string sourceName, string? folder)
    {
        if (!int.TryParse(level, NumberStyles.None, CultureInfo.InvariantCulture, out int fragments))
            throw new DataError($"digit-debris:{level}: the debris level must be a number of fragments, e.g. digit-debris:10");
        string source = Normalise(sourceName);
        if (source is not ("fashionmnist" or "mnist"))
            throw new DataError($"digit-debris:{level}:{sourceName}: debris is built from mnist or fashion-mnist images");
        var clean = Idx(DatasetKind.Parse(sourceName), folder);
        var debris = new DigitDebris(fragments);
        return new LoadedData(debris.Apply(clean.Train, DebrisTrainSeed), debris.Apply(clean.Test, DebrisTestSeed),
            $"{clean.Description}; digit debris: {fragments} fragments of {debris.FragmentSize}×{debris.FragmentSize} from other images of the same split, seeds {DebrisTrainSeed} (train) and {DebrisTestSeed} (test)");
    }

    /// <summary>A folder that must be named: <c>--data</c>, else CORTEX_DATA; these datasets have no default location.</summary>
    private static (string Directory, string Reason) Explicit(string? folder, string what, string expected)
    {
        if (!string.IsNullOrWhiteSpace(folder)) return (Path.GetFullPath(folder), $"--data {Path.GetFullPath(folder)}");
        if (Environment.GetEnvironmentVariable(DataLocator.EnvironmentVariable) is { Length: > 0 } variable)
            return (Path.GetFullPath(variable), $"{DataLocator.EnvironmentVariable}={Path.GetFullPath(variable)} (no --data)");
        throw new DataError($"{what} has no default location: pass --data <folder> (or set {DataLocator.EnvironmentVariable}) holding {expected}");
    }
}
