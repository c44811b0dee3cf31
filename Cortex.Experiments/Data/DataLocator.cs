namespace Cortex.Experiments.Data;

/// <summary>
/// The places data is looked for. <see cref="ForProcess"/> reads them from the command line, the
/// environment and the file system; tests build their own.
/// </summary>
public sealed record DataSearch(string? Flag, string? EnvironmentValue, string? SystemDirectory, IReadOnlyList<string> ShippedCandidates)
{
    /// <summary>The search this process would make: <c>--data</c>, CORTEX_DATA, the system folder, the shipped subset.</summary>
    public static DataSearch ForProcess(DatasetKind kind, string? flag)
    {
        var shipped = new List<string>();
        if (kind.ShippedFolder is { } folder)
        {
            // Beside the program (the build copies the subset there), then up from the working folder (a clone).
            shipped.Add(Path.Combine(AppContext.BaseDirectory, folder));
            for (var dir = new DirectoryInfo(System.Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
                shipped.Add(Path.Combine(dir.FullName, folder));
        }
        return new DataSearch(flag, System.Environment.GetEnvironmentVariable(DataLocator.EnvironmentVariable), kind.SystemDirectory, shipped);
    }
}

/// <summary>
/// Finds a dataset's files: <c>--data &lt;dir&gt;</c>, then the CORTEX_DATA environment variable, then the
/// system install (/usr/share/datasets/fashion-mnist, Debian's dataset-fashion-mnist), then the subset
/// shipped in the repository. A folder named by the flag or the variable must hold the files: a wrong
/// explicit choice is an error, never a silent fall-through.
/// </summary>
public static class DataLocator
{
    /// <summary>The environment variable naming a data folder, read when no <c>--data</c> flag is given.</summary>
    public const string EnvironmentVariable = "CORTEX_DATA";

    /// <summary>Finds the files of <paramref name="kind"/>: in <paramref name="flag"/> (the <c>--data</c> folder) when given, else as the search order says, reading the environment of this process.</summary>
    /// <exception cref="DataError">A folder named by the flag or the environment lacks the files, or no location holds them; the message lists where it looked.</exception>
    public static DataSource Locate(DatasetKind kind, string? flag) => Locate(kind, DataSearch.ForProcess(kind, flag));

    /// <summary>Finds the files of <paramref name="kind"/> along <paramref name="search"/>: the flag, then the environment variable, then the system install, then the shipped subset.</summary>
    /// <exception cref="DataError">A folder named explicitly lacks the files, or no location holds them.</exception>
    public static DataSource Locate(DatasetKind kind, DataSearch search)
    {
        if (!string.IsNullOrWhiteSpace(search.Flag))
            return Explicit(kind, search.Flag, DataLocation.Flag, "--data");
        if (!string.IsNullOrWhiteSpace(search.EnvironmentValue))
            return Explicit(kind, search.EnvironmentValue, DataLocation.Environment, EnvironmentVariable);

        var tried = new List<string>();
        if (search.SystemDirectory is { } system)
        {
            if (Probe(kind, system, DataLocation.System, $"{system}{Package(kind)} (no --data, {EnvironmentVariable} unset)") is { } found)
                return found;
            tried.Add(system);
        }
        foreach (var shipped in search.ShippedCandidates)
        {
            string note = search.SystemDirectory is null ? "" : $", {search.SystemDirectory} not found; install {kind.SystemPackage ?? "the full set"} for all of it";
            if (Probe(kind, shipped, DataLocation.Shipped, $"the subset shipped with Cortex at {Path.GetFullPath(shipped)} (no --data, {EnvironmentVariable} unset{note})") is { } found)
                return found;
        }
        if (search.ShippedCandidates.Count > 0) tried.Add($"{Path.GetFileName(search.ShippedCandidates[0].TrimEnd('/'))} beside the program or above the working folder");
        string where = tried.Count == 0 ? "" : $"; looked in {string.Join(", ", tried)}";
        throw new DataError($"no {kind.Name} data found: pass --data <folder> or set {EnvironmentVariable}{where}");
    }

    private static string Package(DatasetKind kind) => kind.SystemPackage is null ? "" : $", the {kind.SystemPackage} package";

    private static DataSource Explicit(DatasetKind kind, string directory, DataLocation location, string source)
    {
        string full = Path.GetFullPath(directory.Trim());
        if (File.Exists(full))
            throw new DataError($"{source} {full}: is a file; give the folder that holds the IDX files");
        if (!System.IO.Directory.Exists(full))
            throw new DataError($"{source} {directory}: the folder does not exist");
        string reason = location == DataLocation.Flag ? $"--data {full}" : $"{EnvironmentVariable}={full} (no --data)";
        return Probe(kind, full, location, reason)
            ?? throw new DataError($"{source} {full}: no {kind.Name} IDX files there; expected {Expected("t10k")} (and {Expected("train")} for the full set), found {Listing(full)}");
    }

    /// <summary>The data in a folder, or null when it holds no test split; a half-present split is an error.</summary>
    private static DataSource? Probe(DatasetKind kind, string directory, DataLocation location, string reason)
    {
        if (!System.IO.Directory.Exists(directory)) return null;
        var test = Split(directory, "t10k");
        if (test is null) return null;
        var train = Split(directory, "train");
        return new DataSource(kind, location, Path.GetFullPath(directory), train is null ? DataLayout.TestSplitOnly : DataLayout.Full, train, test, reason);
    }

    private static SplitFiles? Split(string directory, string prefix)
    {
        string? images = Find(directory, prefix, "images", 3), labels = Find(directory, prefix, "labels", 1);
        if (images is null && labels is null) return null;
        if (images is null || labels is null)
            throw new DataError($"{directory}: found {Path.GetFileName(images ?? labels)} but not its partner {(images is null ? $"{prefix}-images-idx3-ubyte[.gz]" : $"{prefix}-labels-idx1-ubyte[.gz]")}");
        return new SplitFiles(images, labels);
    }

    /// <summary>The usual spellings: Debian's and Zalando's train-images-idx3-ubyte(.gz), and MNIST's train-images.idx3-ubyte.</summary>
    private static string? Find(string directory, string prefix, string what, int rank)
    {
        foreach (var name in (string[])[$"{prefix}-{what}-idx{rank}-ubyte", $"{prefix}-{what}.idx{rank}-ubyte"])
            foreach (var suffix in (string[])[".gz", ""])
            {
                string path = Path.Combine(directory, name + suffix);
                if (File.Exists(path)) return path;
            }
        return null;
    }

    private static string Expected(string prefix) => $"{prefix}-images-idx3-ubyte[.gz] and {prefix}-labels-idx1-ubyte[.gz]";

    private static string Listing(string directory)
    {
        var names = System.IO.Directory.EnumerateFileSystemEntries(directory).Select(Path.GetFileName).Order().Take(8).ToList();
        return names.Count == 0 ? "an empty folder" : string.Join(", ", names);
    }
}
