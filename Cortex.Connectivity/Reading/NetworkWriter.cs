using System.Globalization;
using System.Text;
using Cortex.Areas;
using Cortex.Areas.Options;
using Cortex.Connectivity.Spec;
using static Cortex.Connectivity.Reading.NetworkReader;

namespace Cortex.Connectivity.Reading;

/// <summary>
/// Writes a spec back as YAML with every default resolved (delays, padding, τ, names, each kind's keys…), so a run can
/// save the exact network it used beside its results. Reading the text back gives the same network. Each kind writes
/// its own keys.
/// </summary>
public static class NetworkWriter
{
    /// <summary>The resolved YAML of <paramref name="spec"/>, headed by <paramref name="comment"/> lines when given.</summary>
    public static string Write(NetworkSpec spec, string? comment = null)
    {
        var yaml = new StringBuilder();
        foreach (var line in (comment ?? "resolved network: every default written out").Split('\n')) yaml.AppendLine($"# {line}".TrimEnd());
        yaml.AppendLine($"name: {OptionText.Quote(spec.Name)}");
        yaml.AppendLine($"time: {{ steps: {spec.Time.Steps}, unroll: {Unrolls[(int)spec.Time.Unroll]}, dt: {OptionText.Number(spec.Time.Dt)} }}");
        string presentation = spec.Input.Presentation.ToString();
        yaml.AppendLine($"input: {{ name: {OptionText.Quote(spec.Input.Name)}, shape: {Shape(spec.Input.Shape)}, presentation: {presentation} }}");
        yaml.AppendLine($"weight_tying: {Graph.Schedule.Tying(spec)}");
        yaml.AppendLine("areas:");
        foreach (var a in spec.Areas)
        {
            var keys = new Keys();
            keys.Add("name", OptionText.Quote(a.Name));
            keys.Add("level", $"{a.Level}");
            keys.Add("shape", Shape(a.Shape));
            keys.Add("kind", a.Kind.Word);
            a.Options.Write(keys);
            yaml.AppendLine($"  - {keys}");
        }
        yaml.AppendLine(spec.Projections.Count == 0 ? "projections: []" : "projections:");
        foreach (var p in spec.Projections)
        {
            var keys = new Keys();
            keys.Add("name", OptionText.Quote(p.Name));
            keys.Add("from", OptionText.Quote(p.From));
            keys.Add("to", OptionText.Quote(p.To));
            keys.Add("type", ProjectionTypes.Rule(p.Type).Word);
            keys.Add("connectivity", p.Kind.Word);
            p.Options.Write(keys);
            keys.Add("delay", $"{p.Delay}");
            keys.Add("mode", p.Mode.Word);
            keys.Add("init", Inits[(int)p.Init]);
            keys.Add("gain", OptionText.Number(p.Gain));
            keys.Add("sign", Signs[(int)p.Sign]);
            yaml.AppendLine($"  - {keys}");
        }
        yaml.AppendLine("readouts:");
        foreach (var r in spec.Readouts)
        {
            var keys = new Keys();
            keys.Add("name", OptionText.Quote(r.Name));
            keys.Add("from", OptionText.Quote(r.From));
            keys.Add("kind", r.Kind.Word);
            r.Options.Write(keys);
            yaml.AppendLine($"  - {keys}");
        }
        return yaml.ToString();
    }

    private static string Shape(AreaShape shape) => $"[{string.Join(", ", shape.Dimensions.Select(d => d.ToString(CultureInfo.InvariantCulture)))}]";

    /// <summary>One flow mapping, keys in the order written.</summary>
    private sealed class Keys : IOptionWriter
    {
        private readonly List<string> pairs = [];

        public void Add(string key, string yaml) => pairs.Add($"{key}: {yaml}");

        public override string ToString() => $"{{ {string.Join(", ", pairs)} }}";
    }
}
