using System.Text.RegularExpressions;
using Cortex.Areas;
using Cortex.Connectivity.Spec;
using Cortex.Connectivity.Validation;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Cortex.Connectivity.Reading;

/// <summary>
/// Reads a network file into a <see cref="NetworkSpec"/> through YamlDotNet's representation model, whose nodes
/// carry their positions. Every problem goes to a <see cref="Diagnostics"/>; nothing is thrown for a mistake in
/// the file. The spec it returns is only meaningful when no error was reported.
/// </summary>
public static partial class NetworkReader
{
    /// <summary>The keys of the top level, of <c>time</c> and of <c>input</c>.</summary>
    public static readonly string[] TopKeys = ["name", "time", "input", "areas", "projections", "readouts", "readout", "weight_tying"],
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
    public const int MaxFileBytes = 1 << 20;

    /// <summary>The deepest nesting of mappings and sequences read (a network file needs about five levels).</summary>
    public const int MaxNesting = 64;

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
        if (!WithinBounds(yaml, file, diagnostics)) return null;
        var stream = new YamlStream();
        try { stream.Load(new StringReader(yaml)); }
        catch (YamlException e)
        {
            string inner = e.InnerException is { } i && i.Message != e.Message ? $" ({i.Message})" : "";
            diagnostics.Error(new SpecLocation(file, (int)e.Start.Line, (int)e.Start.Column, ""), $"malformed YAML: {e.Message}{inner}");
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner can fail this way when the text ends inside an open flow collection.
            int lines = Math.Max(1, yaml.TrimEnd().Split('\n').Length);
            diagnostics.Error(new SpecLocation(file, lines, 1, ""), "malformed YAML: the file ends before the YAML does (an unclosed [, { or quote?)");
            return null;
        }
        var start = new SpecLocation(file, 1, 1, "");
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            diagnostics.Error(start, $"empty file; expected a mapping with the keys {string.Join(", ", TopKeys.Where(k => k != "readout"))}");
            return null;
        }
        if (stream.Documents.Count > 1)
            diagnostics.Error(NodeReader.At(stream.Documents[1].RootNode, file, ""), $"found {stream.Documents.Count} YAML documents; a network file holds one");
        var root = stream.Documents[0].RootNode;
        if (root is not YamlMappingNode mapping)
        {
            diagnostics.Error(NodeReader.At(root, file, ""), $"expected a mapping with the keys {string.Join(", ", TopKeys)}, found {NodeReader.Describe(root)}");
            return null;
        }
        return new SpecBuilder(file, diagnostics).Network(mapping);
    }

    /// <summary>
    /// Bounds the text before the YAML parser sees it, whose recursion would overflow the stack on deeply nested input
    /// (which no handler can catch): at most <see cref="MaxFileBytes"/> characters and <see cref="MaxNesting"/> levels of
    /// nesting, counted as open indentation levels plus sequence dashes plus open flow brackets (outside quotes and
    /// comments) — an overestimate of YAML's nesting, so a file that passes cannot nest deeper.
    /// </summary>
    private static bool WithinBounds(string yaml, string file, Diagnostics diagnostics)
    {
        if (yaml.Length > MaxFileBytes)
        {
            diagnostics.Error(new SpecLocation(file, 1, 1, ""), $"the text is {yaml.Length:N0} characters; a network file may be at most {MaxFileBytes:N0}");
            return false;
        }
        var indents = new Stack<int>();
        int flow = 0, line = 0;
        foreach (var text in yaml.Split('\n'))
        {
            line++;
            int column = 0;
            while (column < text.Length && text[column] == ' ') column++;
            if (flow == 0 && column < text.Length && text[column] != '#' && text[column] != '\r')
            {
                while (indents.Count > 0 && indents.Peek() > column) indents.Pop();
                if (indents.Count == 0 || indents.Peek() < column) indents.Push(column);
            }
            int dashes = 0;
            for (int c = column; c + 1 < text.Length && text[c] == '-' && text[c + 1] == ' '; c += 2) dashes++;
            char quote = '\0';
            for (int c = column; c < text.Length; c++)
            {
                char ch = text[c];
                if (quote != '\0') { if (ch == quote) quote = '\0'; continue; }
                if (ch is '"' or '\'') quote = ch;
                else if (ch == '#' && (c == 0 || char.IsWhiteSpace(text[c - 1]))) break;
                else if (ch is '[' or '{') flow++;
                else if (ch is ']' or '}') flow = Math.Max(0, flow - 1);
                if (indents.Count + dashes + flow > MaxNesting)
                {
                    diagnostics.Error(new SpecLocation(file, line, c + 1, ""), $"nested more than {MaxNesting} levels deep; a network file needs a handful");
                    return false;
                }
            }
        }
        return true;
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
