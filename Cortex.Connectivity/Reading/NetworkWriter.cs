using System.Globalization;
using System.Text;
using Cortex.Connectivity.Spec;
using static Cortex.Connectivity.Reading.NetworkReader;

namespace Cortex.Connectivity.Reading;

/// <summary>
/// Writes a spec back as YAML with every default resolved (delays, padding, τ, names…), so a run can save the
/// exact network it used beside its results. Reading the text back gives the same network.
/// </summary>
public static class NetworkWriter
{
    public static string Write(NetworkSpec spec)
    {
        var yaml = new StringBuilder();
        yaml.AppendLine("# resolved network: every default written out");
        yaml.AppendLine($"name: {Quote(spec.Name)}");
        yaml.AppendLine($"time: {{ steps: {spec.Time.Steps}, unroll: {Word(Unrolls, spec.Time.Unroll)}, dt: {Number(spec.Time.Dt)} }}");
        string presentation = spec.Input.PresentedSteps is { } k ? $"first-{k}" : "every-step";
        yaml.AppendLine($"input: {{ name: {Quote(spec.Input.Name)}, shape: {Shape(spec.Input.Shape)}, presentation: {presentation} }}");
        yaml.AppendLine($"weight_tying: {Graph.Schedule.Tying(spec)}");
        yaml.AppendLine("areas:");
        foreach (var a in spec.Areas)
            yaml.AppendLine($"  - {{ name: {Quote(a.Name)}, level: {a.Level}, shape: {Shape(a.Shape)}, activation: {Word(Activations, a.Activation)}, "
                + $"norm: {Word(Norms, a.Norm)}, tau: {Number(a.Tau)}, tau_trainable: {Bool(a.TauTrainable)}, bias: {Bool(a.Bias)}, "
                + $"initial_state: {Word(InitialStates, a.InitialState)} }}");
        yaml.AppendLine(spec.Projections.Count == 0 ? "projections: []" : "projections:");
        foreach (var p in spec.Projections)
        {
            var keys = new List<string>
            {
                $"name: {Quote(p.Name)}", $"from: {Quote(p.From)}", $"to: {Quote(p.To)}", $"type: {Word(Types, p.Type)}",
                $"connectivity: {Word(Connectivities, p.Connectivity)}",
            };
            if (p.Connectivity == ConnectivityKind.Conv)
            {
                keys.Add($"kernel: {p.Kernel}");
                if (p.Resampling != Resampling.TransposedConv) keys.Add($"stride: {p.Stride}");
                keys.Add($"padding: {p.Padding}");
            }
            keys.Add($"resample: {Word(Resamplings, p.Resampling)}");
            if (p.Resampling != Resampling.None) keys.Add($"factor: {p.Factor}");
            keys.Add($"delay: {p.Delay}");
            keys.Add($"mode: {Word(Modes, p.Mode)}");
            keys.Add($"init: {Word(Inits, p.Init)}");
            keys.Add($"gain: {Number(p.Gain)}");
            keys.Add($"sign: {Word(Signs, p.Sign)}");
            yaml.AppendLine($"  - {{ {string.Join(", ", keys)} }}");
        }
        yaml.AppendLine("readouts:");
        foreach (var r in spec.Readouts)
        {
            string steps = r.Steps switch { ReadoutSteps.All => "all", ReadoutSteps.Final => "final", _ => $"[{string.Join(", ", r.StepList)}]" };
            yaml.AppendLine($"  - {{ name: {Quote(r.Name)}, from: {Quote(r.From)}, classes: {r.Classes}, steps: {steps}, pooling: {Word(Poolings, r.Pooling)} }}");
        }
        return yaml.ToString();
    }

    private static string Word<T>(IReadOnlyDictionary<string, T> words, T value) where T : struct, Enum
        => words.First(w => w.Value.Equals(value)).Key;

    private static string Quote(string text) => $"'{text.Replace("'", "''")}'";
    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
    private static string Bool(bool value) => value ? "true" : "false";
    private static string Shape(AreaShape shape) => $"[{string.Join(", ", shape.Dimensions)}]";
}
