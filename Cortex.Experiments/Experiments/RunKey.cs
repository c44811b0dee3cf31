using System.Security.Cryptography;
using System.Text;

namespace Cortex.Experiments.Experiments;

/// <summary>
/// The name of a run's folder in a <see cref="RunStore"/>: the first 16 hex digits (64 bits) of the SHA-256 of the
/// run's canonical description, exactly as given, in UTF-8. Equal descriptions give equal keys; the full hash and
/// the description itself are written beside the run (<c>run.json</c>), and a folder whose description differs
/// from the caller's is refused rather than reused.
/// </summary>
public readonly record struct RunKey
{
    /// <summary>Hex digits kept from the hash.</summary>
    public const int Length = 16;

    private RunKey(string value) => Value = value;

    /// <summary>The key: <see cref="Length"/> lower-case hex digits.</summary>
    public string Value { get; }

    /// <summary>The key of a run described by <paramref name="canonicalDescription"/> (resolved network, training settings, condition and seed).</summary>
    public static RunKey Of(string canonicalDescription) => new(Sha256(canonicalDescription)[..Length]);

    /// <summary>The full SHA-256 of <paramref name="canonicalDescription"/> in UTF-8, as 64 lower-case hex digits.</summary>
    public static string Sha256(string canonicalDescription)
    {
        ArgumentNullException.ThrowIfNull(canonicalDescription);
        if (canonicalDescription.Length == 0) throw new ArgumentException("a run needs a description to derive its key from", nameof(canonicalDescription));
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalDescription)));
    }

    /// <summary>A key from its text (a folder name): exactly <see cref="Length"/> lower-case hex digits.</summary>
    public static RunKey Parse(string text) =>
        text is { Length: Length } && text.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f')
            ? new RunKey(text)
            : throw new FormatException($"'{text}' is not a run key ({Length} lower-case hex digits)");

    /// <inheritdoc/>
    public override string ToString() => Value;
}
