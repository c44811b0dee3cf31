using System.Security.Cryptography;
using System.Text;
using Cortex.Core.Tensors;

namespace Cortex.Experiments.Checkpoints;

/// <summary>
/// Network fingerprints: a short hash of a canonical text describing a network, so that a checkpoint can
/// tell whether it is being loaded into the network that wrote it. Equal texts give equal fingerprints.
/// </summary>
public static class Fingerprints
{
    /// <summary>"sha256:" and the first 16 hex digits of the SHA-256 of the text (UTF-8).</summary>
    public static string Of(string canonicalText) =>
        "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalText)))[..16];

    /// <summary>The fingerprint of a parameter list: each name and shape, in order, one per line.</summary>
    public static string OfParameters(IEnumerable<(string Name, Shape Shape)> parameters)
    {
        var text = new StringBuilder();
        foreach (var (name, shape) in parameters) text.Append(name).Append(' ').Append(shape).Append('\n');
        return Of(text.ToString());
    }
}
