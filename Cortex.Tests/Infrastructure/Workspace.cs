using System.Diagnostics;
using System.Security.Cryptography;
using Cortex.Experiments.Data;

namespace Cortex.Tests.Infrastructure;

/// <summary>
/// A temporary folder for running the command line: tiny Fashion-MNIST-shaped data in <see cref="Data"/> (IDX, gzip;
/// 48 training and 16 test images of 28×28 random pixels), the tiny network <see cref="NetworkText"/> in
/// <see cref="Network"/>, and <see cref="Out"/> for run folders. Deleted afterwards.
/// </summary>
public sealed class Workspace : IDisposable
{
    public const int TrainImages = 48, TestImages = 16;

    public const string NetworkText = """
        name: small
        time: { steps: 2 }
        input: { shape: [1, 28, 28] }
        areas:
          - { name: V1, level: 1, shape: [2, 14, 14], activation: relu }
        projections:
          - { from: image, to: V1, type: feedforward, kernel: 3, resample: maxpool, factor: 2 }
          - { from: V1, to: V1, type: lateral, kernel: 3 }
        readout: { from: V1, classes: 10, steps: all }
        """;

    private readonly List<string> unwritable = [];

    public Workspace()
    {
        Root = Directory.CreateTempSubdirectory("cortex-workspace").FullName;
        Data = PathOf("data");
        WriteData(Data, TrainImages, TestImages, 28);
        Network = Write("small.yaml", NetworkText);
        Out = PathOf("runs");
    }

    public string Root { get; }

    public string Data { get; }

    public string Network { get; }

    public string Out { get; }

    public string PathOf(string name) => Path.Combine(Root, name);

    /// <summary>Writes a text file under the workspace and returns its path.</summary>
    public string Write(string name, string text)
    {
        string path = PathOf(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Writes train-* (unless <paramref name="train"/> is 0) and t10k-* IDX files of random size×size images into <paramref name="folder"/>.</summary>
    public static void WriteData(string folder, int train, int test, int size, int seed = 3)
    {
        Directory.CreateDirectory(folder);
        var random = new Random(seed);
        foreach (var (prefix, count) in new[] { ("train", train), ("t10k", test) })
        {
            if (count == 0 && prefix == "train") continue;
            var pixels = new byte[count * size * size];
            random.NextBytes(pixels);
            var labels = new byte[count];
            for (int i = 0; i < count; i++) labels[i] = (byte)random.Next(10);
            Idx.WriteImages(Path.Combine(folder, $"{prefix}-images-idx3-ubyte.gz"), new IdxImages(count, size, size, pixels), gzip: true);
            Idx.WriteLabels(Path.Combine(folder, $"{prefix}-labels-idx1-ubyte.gz"), labels, gzip: true);
        }
    }

    /// <summary>
    /// <c>cortex train</c> of <paramref name="network"/> (default: the tiny one) with <paramref name="flags"/>, and the
    /// workspace's data, the CPU, the workspace's run folder root, 1 epoch and batches of 16 unless the flags say otherwise.
    /// </summary>
    public string[] Train(string? network = null, params string[] flags)
    {
        var args = new List<string> { "train", network ?? Network };
        args.AddRange(flags);
        foreach (var (flag, value) in new[] { ("--data", Data), ("--device", "cpu"), ("--out", Out), ("--epochs", "1"), ("--batch", "16") })
            if (!flags.Contains(flag)) args.AddRange([flag, value]);
        return [.. args];
    }

    /// <summary>Every file under <paramref name="folder"/> with its length, SHA-256 and last write time: equal snapshots mean nothing was touched.</summary>
    public static SortedDictionary<string, string> Snapshot(string folder)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (!Directory.Exists(folder)) return files;
        foreach (var file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories))
            files[Path.GetRelativePath(folder, file)] =
                $"{new FileInfo(file).Length} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file)))} {File.GetLastWriteTimeUtc(file):O}";
        return files;
    }

    /// <summary>
    /// Makes a folder that nothing can be written into, even by root (an immutable folder when running as root, else
    /// one without write permission); false when this machine allows neither.
    /// </summary>
    public bool MakeUnwritable(string folder)
    {
        Directory.CreateDirectory(folder);
        if (Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root")
        {
            if (!Run("chattr", "+i", folder)) return false;
        }
        else if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        else return false;
        unwritable.Add(folder);
        try
        {
            File.WriteAllText(Path.Combine(folder, "probe"), "");
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return true;
        }
    }

    private static bool Run(string program, params string[] args)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(program, args) { RedirectStandardError = true, RedirectStandardOutput = true });
            if (process is null) return false;
            process.WaitForExit(10_000);
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    public void Dispose()
    {
        foreach (var folder in unwritable)
        {
            Run("chattr", "-i", folder);
            try { if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
