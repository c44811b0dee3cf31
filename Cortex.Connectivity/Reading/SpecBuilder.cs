using Cortex.Areas;
using Cortex.Areas.Dynamics;
using Cortex.Areas.Modes;
using Cortex.Areas.Norms;
using Cortex.Areas.Options;
using Cortex.Areas.Projections;
using Cortex.Areas.Readouts;
using Cortex.Connectivity.Spec;
using Cortex.Connectivity.Validation;
using YamlDotNet.RepresentationModel;
using static Cortex.Connectivity.Reading.NetworkReader;

namespace Cortex.Connectivity.Reading;

/// <summary>
/// Builds the typed records section by section, resolving defaults (τ = dt, delays by type and unroll, padding,
/// factor). The keys of areas, projections and readouts come from their kinds in the registries: a key no kind read is
/// reported as unknown, or as belonging to another kind.
/// </summary>
internal sealed class SpecBuilder(string file, Diagnostics diagnostics)
{
    public NetworkSpec Network(YamlMappingNode node)
    {
        var top = new MappingReader(node, NodeReader.At(node, file, ""), diagnostics);
        string name = top.Name("name", required: true) ?? "";
        var time = Section(top, "time", TimeKeys, Time) ?? new TimeSpec { Location = top.At("time") };
        var input = Section(top, "input", InputKeys, Input) ?? new InputSpec { Location = top.At("input") };

        var (tying, block) = (WeightTying.Shared, 1);
        if (top.Scalar("weight_tying") is { } tyingText && !TryTying(tyingText, out tying, out block))
            top.Error("weight_tying", $"unknown weight_tying '{tyingText}'; allowed: shared, untied, tied-every-k (k ≥ 1, e.g. tied-every-2)");

        top.Require("areas");
        var areas = List(top, "areas", [.. AreaKeys, .. AreaKinds.Standard.Keys.Select(k => k.Name)], (m, _) => Area(m, time));
        if (top.Node("areas") is YamlSequenceNode { Children.Count: 0 } or YamlScalarNode { Value: null or "" } && top.Has("areas"))
            top.Error("areas", "no areas; give at least one (name, level, shape)");
        var projections = List(top, "projections", [.. ProjectionKeys, .. ProjectionKinds.Conv.Keys.Select(k => k.Name)], (m, _) => Projection(m, time, input.Name));
        var areaShapes = areas.GroupBy(a => a.Name).ToDictionary(g => g.Key, g => g.First().Shape);

        List<ReadoutSpec> readouts;
        if (top.Has("readout") && top.Has("readouts"))
        {
            top.Error("readout", "both 'readout' and 'readouts' are given; use 'readouts' (a list) for several, or 'readout' for one");
            readouts = [];
        }
        else if (top.Node("readout") is { } single)
        {
            readouts = [];
            if (single is not YamlMappingNode one)
                top.Error("readout", $"expected a mapping (from, classes, steps, pooling, …), found {NodeReader.Describe(single)}");
            else if (Readout(new MappingReader(one, top.At("readout"), diagnostics), time, areaShapes, defaultName: "readout") is { } r)
                readouts.Add(r);
        }
        else
        {
            if (!top.Has("readouts")) top.Require("readouts");
            readouts = List(top, "readouts", [.. ReadoutKeys, .. ReadoutKinds.Linear.Keys.Select(k => k.Name)], (m, _) => Readout(m, time, areaShapes, defaultName: null));
        }
        top.Finish(TopKeys);

        // Defaults that depend on the projections into an area (e.g. a bias that a normalisation would cancel).
        areas = [.. areas.Select(a => a with
        {
            Options = a.Options.Complete(a.Shape.Channels, [.. projections.Where(p => p.To == a.Name).Select(p => p.Mode)]),
        })];
        return new NetworkSpec
        {
            Location = top.Location with { File = file }, Keys = top.Keys, Name = name, Time = time, Input = input,
            Areas = areas, Projections = projections, Readouts = readouts, WeightTying = tying, TyingBlock = block,
        };
    }

    private T? Section<T>(MappingReader parent, string key, string[] keys, Func<MappingReader, T> read) where T : class
    {
        var node = parent.Node(key);
        if (node is null) { parent.Require(key); return null; }
        if (node is YamlMappingNode mapping)
        {
            var reader = new MappingReader(mapping, parent.At(key), diagnostics);
            var value = read(reader);
            reader.Finish(keys);
            return value;
        }
        parent.Error(key, $"expected a mapping with the keys {string.Join(", ", keys)}, found {NodeReader.Describe(node)}");
        return null;
    }

    /// <summary>A list of mappings; <paramref name="keys"/> (the usual keys of an item) are named when an item is not a mapping.</summary>
    private List<T> List<T>(MappingReader parent, string key, string[] keys, Func<MappingReader, int, T?> read) where T : class
    {
        var node = parent.Node(key);
        if (node is null) return [];
        if (node is YamlScalarNode { Value: null or "" }) return [];
        if (node is not YamlSequenceNode list)
        {
            parent.Error(key, $"expected a list of mappings ({string.Join(", ", keys)}), found {NodeReader.Describe(node)}");
            return [];
        }
        var items = new List<T>();
        for (int i = 0; i < list.Children.Count; i++)
        {
            var item = list.Children[i];
            var at = NodeReader.At(item, file, parent.Location.Child(key).Item(i).Path);
            if (item is not YamlMappingNode mapping)
            {
                diagnostics.Error(at, $"expected a mapping ({string.Join(", ", keys)}), found {NodeReader.Describe(item)}");
                continue;
            }
            if (read(new MappingReader(mapping, at, diagnostics), i) is { } value) items.Add(value);
        }
        return items;
    }

    private TimeSpec Time(MappingReader m)
    {
        int steps = m.Int("steps", 1, required: true) ?? 1;
        var unroll = (Unroll)(m.Choice("unroll", Unrolls) ?? 0);
        double dt = m.Positive("dt") ?? 1.0;
        return new TimeSpec { Location = m.Location, Keys = m.Keys, Steps = steps, Unroll = unroll, Dt = dt };
    }

    private InputSpec Input(MappingReader m)
    {
        string name = m.Name("name") ?? "image";
        var shape = m.Shape("shape", required: true) ?? AreaShape.Unknown;
        var presentation = Presentation.EveryStep;
        if (m.Scalar("presentation") is { } text && !Presentation.TryParse(text, out presentation))
            m.Error("presentation", $"unknown presentation '{text}'; allowed: every-step, first-k (k ≥ 1, e.g. first-2: the image at steps 1..2, then blank), " +
                "first-k-then-mask (the image at steps 1..k, then a mask)");
        return new InputSpec { Location = m.Location, Keys = m.Keys, Name = name, Shape = shape, Presentation = presentation };
    }

    private AreaSpec? Area(MappingReader m, TimeSpec time)
    {
        string? name = m.Name("name", required: true);
        int level = m.Int("level", 1, required: true, what: "level (the input is level 0; areas start at 1)") ?? 1;
        var shape = m.Shape("shape", required: true) ?? AreaShape.Unknown;
        var kind = m.Word("kind", AreaKinds.All) ?? AreaKinds.Standard;
        var options = kind.Read(m, time.Axis);
        var norm = kind.Normalises ? NormKinds.All.Find(m.Text("norm") ?? "none") : null;
        m.Finish([.. AreaKeys, .. AreaKinds.All.SelectMany(k => k.Keys.Select(key => key.Name)), .. NormKinds.All.SelectMany(n => n.Keys.Select(key => key.Name))],
            key => NormKinds.All.FirstOrDefault(n => n.Keys.Any(x => x.Name == key)) is { } owner && owner != norm && kind.Normalises
                ? $"'{key}' goes with norm: {owner.Word}"
                : AreaKinds.All.FirstOrDefault(k => k != kind && k.Keys.Any(x => x.Name == key)) is { } other
                    ? $"'{key}' is a key of kind {other.Word}, not of kind {kind.Word}; keys of {kind.Word}: {string.Join(", ", kind.Keys.Select(x => x.Name))}"
                    : null);
        return name is null ? null : new AreaSpec { Location = m.Location, Keys = m.Keys, Name = name, Level = level, Shape = shape, Options = options };
    }

    private ProjectionSpec? Projection(MappingReader m, TimeSpec time, string inputName)
    {
        string? from = m.Name("from", required: true), to = m.Name("to", required: true);
        m.Require("type");
        var type = m.Word("type", ProjectionTypes.All);
        var kind = m.Word("connectivity", ProjectionKinds.All) ?? ProjectionKinds.Conv;
        var options = kind.Read(m);
        int? delay = m.Int("delay", 0, what: "delay (steps back in time)");
        var mode = m.Word("mode", ProjectionModes.All) ?? ProjectionModes.Additive;
        double gain = m.Positive("gain") ?? 1.0;
        var init = (WeightInit)(m.Choice("init", Inits) ?? 0);
        var sign = (WeightSign)(m.Choice("sign", Signs) ?? 0);
        string? name = m.Name("name");
        m.Finish([.. ProjectionKeys, .. ProjectionKinds.All.SelectMany(k => k.Keys.Select(key => key.Name))],
            key => ProjectionKinds.All.FirstOrDefault(k => k != kind && k.Keys.Any(x => x.Name == key)) is { } other
                ? $"'{key}' applies to connectivity: {other.Word}; this projection is {kind.Word} (its keys: {string.Join(", ", kind.Keys.Select(x => x.Name))})"
                : null);
        if (from is null || to is null || type is null) return null;
        return new ProjectionSpec
        {
            Location = m.Location, Keys = m.Keys, Name = name ?? $"{from}->{to}", From = from, To = to, Type = type.Type, Options = options,
            Delay = delay ?? ProjectionTypes.DefaultDelay(type.Type, time.Unroll, from == inputName), Mode = mode, Init = init, Gain = gain, Sign = sign,
        };
    }

    private ReadoutSpec? Readout(MappingReader m, TimeSpec time, Dictionary<string, AreaShape> shapes, string? defaultName)
    {
        string? from = m.Name("from", required: true);
        var kind = m.Word("kind", ReadoutKinds.All) ?? ReadoutKinds.Linear;
        var options = kind.Read(m, time.Steps, from is not null && shapes.TryGetValue(from, out var shape) ? shape : AreaShape.Unknown);
        string? name = m.Name("name");
        m.Finish([.. ReadoutKeys, .. ReadoutKinds.All.SelectMany(k => k.Keys.Select(key => key.Name))]);
        if (from is null) return null;
        return new ReadoutSpec { Location = m.Location, Keys = m.Keys, Name = name ?? defaultName ?? $"readout-{from}", From = from, Options = options };
    }
}
