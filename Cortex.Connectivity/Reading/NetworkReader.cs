using System.Text.RegularExpressions;
using Cortex.Areas;
using Cortex.Connectivity.Spec;
using Cortex.Connectivity.Validation;

namespace Cortex.Connectivity.Reading;

/// <summary>
/// Reads a network file into a <see cref="NetworkSpec"/> through YamlDotNet's representation model, whose nodes
/// carry their positions. Every problem goes to a <see cref="Diagnostics"/>; nothing is thrown for a mistake in
/// the file. The spec it returns is only meaningful when no error was reported.
/// </summary>
public static partial class NetworkReader
{
    /// <summary>The keys of the top level, of <c>time</c> and of <c>input</c>.</summary>
    public static readonly string[] TopKeys = ["name", "time", "input", "areas", "projections", "readouts", "readout", "weight_tying", "precision"],
        TimeKeys = ["steps", "unroll", "dt"], InputKeys = ["name", "shape", "presentation"];

    /// <summary>The keys every area has, besides its kind's.</summary>
    public static readonly string[] AreaKeys = ["name", "level", "shape", "kind"];

    /// <summary>The keys every projection has, besides its kind's.</summary>
    public static readonly string[] ProjectionKeys = ["name", "from", "to", "type", "connectivity", "delay", "mode", "init", "gain", "sign"];

    /// <summary>The keys every readout has, besides its kind's.</summary>
    public static readonly string[] ReadoutKeys = ["name", "from", "kind"];

    /// <summary>The words of <c>unroll</c>, <c>init</c> and <c>sign</c>, in enum order.</summary>
    public static readonly string[] Unrolls = ["synchronous", "biological"], Inits = ["kaiming", "xavier"], Signs = ["none", "excitatory", "inhibitory"];

    [GeneratedRegex(@"^tied-every-(\d+)$")] private static partial Regex TiedEveryK();

    /// <summary>The largest network file read, in bytes (a network file is a few kilobytes).</summary>
    public const int MaxFileBytes = YamlMappingFile.MaxBytes;

    /// <summary>The deepest nesting of mappings and sequences read (a network file needs about five levels).</summary>
    public const int MaxNesting = YamlMappingFile.MaxNesting;

    /// <summary>Reads a network file from disk. A file that cannot be opened is reported like any other mistake.</summary>
    public static NetworkSpec? ReadFile(string path, Diagnostics diagnostics)
    {
        string text;
        try
        {
            long length = new FileInfo(path).Length;
            if (length > MaxFileBytes)
            {
                diagnostics.Error(new SpecLocation(path, 1, 1, ""), $"the file is {length:N0} bytes; a network file may be at most {MaxFileBytes:N0}");
                return null;
            }
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            diagnostics.Error(new SpecLocation(path, 1, 1, ""), $"cannot read the file: {e.Message}");
            return null;
        }
        return Read(text, path, diagnostics);
    }

    /// <summary>Reads a network from YAML text; <paramref name="file"/> names it in messages.</summary>
    public static NetworkSpec? Read(string yaml, string file, Diagnostics diagnostics)
    {
        var mapping = YamlMappingFile.Read(yaml, file, diagnostics, "network file", TopKeys.Where(k => k != "readout").ToArray());
        return mapping is null ? null : new SpecBuilder(file, diagnostics).Network(mapping);
    }

    /// <summary>The weight-tying words: shared, untied, tied-every-k (k ≥ 1).</summary>
    internal static bool TryTying(string text, out WeightTying tying, out int block)
    {
        (tying, block) = (WeightTying.Shared, 1);
        if (text == "shared") return true;
        if (text == "untied") { tying = WeightTying.Untied; return true; }
        var m = TiedEveryK().Match(text);
        if (m.Success && int.TryParse(m.Groups[1].Value, out int k) && k >= 1) { (tying, block) = (WeightTying.TiedEveryK, k); return true; }
        return false;
    }
}
