using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace Cortex.Experiments.Data;

/// <summary>
/// Which data a run trains and tests on, as a checkpoint records it so that a resume can tell whether it meets the
/// same data: the dataset kind, the <c>--limit</c> asked for, and each split's name (which shows a limit or a subset
/// cut), image count, image shape and a fingerprint of its pixels and labels.
/// </summary>
public sealed record DataIdentity(string Dataset, int Limit, string Train, string Test)
{
    /// <summary>The identity of a run's data: the dataset kind as named on the command line (<c>fashion-mnist</c>), the image limit asked for (0: none) and both splits described by <see cref="Describe"/>.</summary>
    public static DataIdentity Of(string dataset, int limit, Dataset train, Dataset test) => new(dataset, limit, Describe(train), Describe(test));

    /// <summary>"name: N images [C, H, W], sha256:…" — the first 16 hex digits of the SHA-256 of the pixels (float32) and labels (int32).</summary>
    public static string Describe(Dataset data)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(MemoryMarshal.AsBytes(data.Images.AsSpan()));
        hash.AppendData(MemoryMarshal.AsBytes(data.Labels.AsSpan()));
        return $"{data.Name}: {data.Count} images {data.ImageShape}, sha256:{Convert.ToHexStringLower(hash.GetHashAndReset())[..16]}";
    }
}
