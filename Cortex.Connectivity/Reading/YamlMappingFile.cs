using Cortex.Connectivity.Spec;
using Cortex.Connectivity.Validation;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Cortex.Connectivity.Reading;

/// <summary>
/// Reads a YAML file whose document is one mapping (a network file, an experiment file) through YamlDotNet's
/// representation model, whose nodes carry their positions. The text is bounded first (size and nesting, so the
/// parser's recursion cannot overflow the stack); malformed YAML, an empty file, several documents and a document that
/// is not a mapping are reported to the <see cref="Diagnostics"/> at their position. Nothing is thrown for a mistake.
/// </summary>
public static class YamlMappingFile
{
    /// <summary>The largest text read, in characters.</summary>
    public const int MaxBytes = 1 << 20;

    /// <summary>The deepest nesting of mappings and sequences read.</summary>
    public const int MaxNesting = 64;

    /// <summary>
    /// The document's top-level mapping, or null after reporting why there is none. <paramref name="kind"/> names the file
    /// in messages ("network file"); <paramref name="keys"/> are the top-level keys it expects, named when the file is empty.
    /// </summary>
    public static YamlMappingNode? Read(string yaml, string file, Diagnostics diagnostics, string kind, IReadOnlyList<string> keys)
    {
        if (!WithinBounds(yaml, file, diagnostics, kind)) return null;
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
            diagnostics.Error(start, $"empty file; expected a mapping with the keys {string.Join(", ", keys)}");
            return null;
        }
        if (stream.Documents.Count > 1)
            diagnostics.Error(NodeReader.At(stream.Documents[1].RootNode, file, ""), $"found {stream.Documents.Count} YAML documents; a {kind} holds one");
        var root = stream.Documents[0].RootNode;
        if (root is not YamlMappingNode mapping)
        {
            diagnostics.Error(NodeReader.At(root, file, ""), $"expected a mapping with the keys {string.Join(", ", keys)}, found {NodeReader.Describe(root)}");
            return null;
        }
        return mapping;
    }

    /// <summary>
    /// Bounds the text before the YAML parser sees it, whose recursion would overflow the stack on deeply nested input
    /// (which no handler can catch): at most <see cref="MaxBytes"/> characters and <see cref="MaxNesting"/> levels of
    /// nesting, counted as open indentation levels plus sequence dashes plus open flow brackets (outside quotes and
    /// comments) — an overestimate of YAML's nesting, so a file that passes cannot nest deeper.
    /// </summary>
    private static bool WithinBounds(string yaml, string file, Diagnostics diagnostics, string kind)
    {
        if (yaml.Length > MaxBytes)
        {
            diagnostics.Error(new SpecLocation(file, 1, 1, ""), $"the text is {yaml.Length:N0} characters; a {kind} may be at most {MaxBytes:N0}");
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
                    diagnostics.Error(new SpecLocation(file, line, c + 1, ""), $"nested more than {MaxNesting} levels deep; a {kind} needs a handful");
                    return false;
                }
            }
        }
        return true;
    }
}
