using Cortex.Connectivity;
using Cortex.Connectivity.Reading;
using Cortex.Connectivity.Validation;
using YamlDotNet.RepresentationModel;

namespace Cortex.Experiments.Training;

/// <summary>
/// How the network a checkpoint was trained as differs from the one about to continue from it, key by key in the
/// resolved config: <c>areas[0].activation: relu → tanh</c>, <c>time.unroll: synchronous → biological</c>. Both sides
/// are written by the same <see cref="NetworkWriter"/> first, so only real differences show, whichever version of
/// Cortex wrote the checkpoint.
/// </summary>
public static class NetworkDifferences
{
    /// <summary>The differences, in file order; empty when the networks are the same.</summary>
    public static IReadOnlyList<string> Between(string recordedConfig, LoadedNetwork current, string checkpointName)
    {
        string now = NetworkWriter.Write(current.Spec), was;
        try
        {
            was = NetworkWriter.Write(NetworkLoader.Parse(recordedConfig, checkpointName).Spec);
        }
        catch (ConfigErrors e)
        {
            return [$"the network stored in the checkpoint no longer reads ({e.Errors.Count} errors, the first: {e.Errors[0]})"];
        }
        if (was == now) return [];
        var differences = new List<string>();
        Compare(Root(was), Root(now), "", differences);
        return differences.Count > 0 ? differences : ["the resolved config text differs"];
    }

    private static YamlNode Root(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents[0].RootNode;
    }

    private static void Compare(YamlNode? was, YamlNode? now, string path, List<string> differences)
    {
        switch (was, now)
        {
            case (YamlMappingNode a, YamlMappingNode b):
                var keys = a.Children.Keys.Concat(b.Children.Keys).Select(k => ((YamlScalarNode)k).Value!).Distinct();
                foreach (var key in keys)
                    Compare(a.Children.TryGetValue(key, out var x) ? x : null, b.Children.TryGetValue(key, out var y) ? y : null,
                        path.Length == 0 ? key : $"{path}.{key}", differences);
                break;
            case (YamlSequenceNode a, YamlSequenceNode b) when !IsScalarList(a) || !IsScalarList(b):
                for (int i = 0; i < Math.Max(a.Children.Count, b.Children.Count); i++)
                    Compare(i < a.Children.Count ? a.Children[i] : null, i < b.Children.Count ? b.Children[i] : null, $"{path}[{i}]", differences);
                break;
            default:
                string before = Text(was), after = Text(now);
                if (before != after) differences.Add($"{path}: {before} → {after}");
                break;
        }
    }

    private static bool IsScalarList(YamlSequenceNode list) => list.Children.All(c => c is YamlScalarNode);

    private static string Text(YamlNode? node) => node switch
    {
        null => "(absent)",
        YamlScalarNode s => s.Value ?? "",
        YamlSequenceNode s when IsScalarList(s) => $"[{string.Join(", ", s.Children.Select(Text))}]",
        YamlMappingNode m when m.Children.TryGetValue("name", out var name) => $"{{ name: {Text(name)}, … }}",
        _ => "{ … }",
    };
}
