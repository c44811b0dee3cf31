using YamlDotNet.RepresentationModel;

namespace Cortex.Experiments.Experiments.Definition;

/// <summary>
/// Applies a condition's <c>set</c> edits to a network file's text, before it is read: each edit writes a value at a dotted
/// path, made of mapping keys and, in lists, an item's <c>name</c> (a projection without one is named <c>from->to</c>) or
/// <c>*</c> for every item. The last part is the key written (added when absent). The file's defaults are then resolved as
/// if the file had been written that way (a norm changed to none brings back the bias it implies, for instance).
/// </summary>
public static class NetworkEdits
{
    /// <summary>The edited YAML; throws an <see cref="ArgumentException"/> naming the edit when its path matches nothing.</summary>
    public static string Apply(string yaml, IReadOnlyList<NetworkEdit> edits)
    {
        if (edits.Count == 0) return yaml;
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        foreach (var edit in edits) Apply(root, edit);
        var writer = new StringWriter();
        stream.Save(writer, assignAnchors: false);
        string text = writer.ToString().TrimEnd();
        return text.EndsWith("...", StringComparison.Ordinal) ? text[..^3] : text;
    }

    private static void Apply(YamlMappingNode root, NetworkEdit edit)
    {
        var parts = edit.Path.Split('.');
        List<YamlNode> current = [root];
        for (int i = 0; i < parts.Length - 1; i++)
        {
            var next = new List<YamlNode>();
            foreach (var node in current)
            {
                if (node is YamlMappingNode mapping && mapping.Children.TryGetValue(new YamlScalarNode(parts[i]), out var child)) next.Add(child);
                else if (node is YamlSequenceNode list)
                    next.AddRange(list.Children.Where(item => item is YamlMappingNode m && (parts[i] == "*" || NameOf(m) == parts[i])));
            }
            if (next.Count == 0)
                throw new ArgumentException($"set {edit}: '{string.Join('.', parts[..(i + 1)])}' matches nothing in the network file " +
                    $"(a path goes through mapping keys and list items by name or *, e.g. areas.*.norm or projections.V2->V1.mode)");
            current = next;
        }
        var targets = current.OfType<YamlMappingNode>().ToList();
        if (targets.Count == 0)
            throw new ArgumentException($"set {edit}: '{string.Join('.', parts[..^1])}' is not a mapping, so it has no key '{parts[^1]}'");
        foreach (var target in targets) target.Children[new YamlScalarNode(parts[^1])] = new YamlScalarNode(edit.Value);
    }

    /// <summary>An item's name: its <c>name</c>, or <c>from->to</c> for a projection written without one.</summary>
    private static string? NameOf(YamlMappingNode item)
    {
        string? Scalar(string key) => item.Children.TryGetValue(new YamlScalarNode(key), out var v) && v is YamlScalarNode s ? s.Value : null;
        return Scalar("name") ?? (Scalar("from") is { } from && Scalar("to") is { } to ? $"{from}->{to}" : null);
    }
}
