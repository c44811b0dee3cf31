using System.Globalization;
using Cortex.Areas;
using Cortex.Connectivity.Spec;
using Cortex.Connectivity.Validation;
using YamlDotNet.RepresentationModel;
using static Cortex.Connectivity.Reading.NetworkReader;

namespace Cortex.Connectivity.Reading;

/// <summary>Builds the typed records section by section, resolving defaults (τ = dt, delays by type and unroll, padding, factor).</summary>
internal sealed class SpecBuilder(string file, Diagnostics diagnostics)
{
    public NetworkSpec Network(YamlMappingNode node)
    {
        var top = new MappingReader(node, NodeReader.At(node, file, ""), TopKeys, diagnostics);
        string name = top.Name("name", required: true) ?? "";
        var time = Section(top, "time", TimeKeys, Time) ?? new TimeSpec { Location = top.At("time") };
        var input = Section(top, "input", InputKeys, m => Input(m, time)) ?? new InputSpec { Location = top.At("input") };

        var (tying, block) = (WeightTying.Shared, 1);
        if (top.Scalar("weight_tying") is { } tyingText && !TryTying(tyingText, out tying, out block))
            top.Error("weight_tying", $"unknown weight_tying '{tyingText}'; allowed: shared, untied, tied-every-k (k ≥ 1, e.g. tied-every-2)");

        top.Require("areas");
        var areas = List(top, "areas", AreaKeys, (m, _) => Area(m, time));
        if (top.Node("areas") is YamlSequenceNode { Children.Count: 0 } or YamlScalarNode { Value: null or "" } && top.Has("areas"))
            top.Error("areas", "no areas; give at least one (name, level, shape)");
        var projections = List(top, "projections", ProjectionKeys, (m, _) => Projection(m, time, input.Name));
        var areaShapes = areas.GroupBy(a => a.Name).ToDictionary(g => g.Key, g => g.First().Shape);
        areaShapes.TryAdd(input.Name, input.Shape);

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
                top.Error("readout", $"expected a mapping (from, classes, steps, pooling), found {NodeReader.Describe(single)}");
            else if (Readout(new MappingReader(one, top.At("readout"), ReadoutKeys, diagnostics), time, areaShapes, defaultName: "readout") is { } r)
                readouts.Add(r);
        }
        else
        {
            if (!top.Has("readouts")) top.Require("readouts");
            readouts = List(top, "readouts", ReadoutKeys, (m, i) => Readout(m, time, areaShapes, defaultName: null));
        }

        // Without a 'bias' key an area has a bias unless it normalises a drive that no multiplicative projection scales:
        // normalisation subtracts each channel's mean, so such a bias would cancel.
        areas = [.. areas.Select(a => a.Declares("bias") ? a
            : a with { Bias = a.Norm == NormalisationMode.None || projections.Any(p => p.To == a.Name && p.Mode == ProjectionMode.Multiplicative) })];
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
        if (node is YamlMappingNode mapping) return read(new MappingReader(mapping, parent.At(key), keys, diagnostics));
        parent.Error(key, $"expected a mapping with the keys {string.Join(", ", keys)}, found {NodeReader.Describe(node)}");
        return null;
    }

    private List<T> List<T>(MappingReader parent, string key, string[] keys, Func<MappingReader, int, T?> read) where T : class
    {
        var node = parent.Node(key);
        if (node is null) return [];
        if (node is YamlScalarNode { Value: null or "" }) return [];
        if (node is not YamlSequenceNode list)
            return Fail<List<T>>(parent, key, $"expected a list of mappings ({string.Join(", ", keys)}), found {NodeReader.Describe(node)}", []);
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
            if (read(new MappingReader(mapping, at, keys, diagnostics), i) is { } value) items.Add(value);
        }
        return items;
    }

    private T Fail<T>(MappingReader at, string key, string text, T value) { at.Error(key, text); return value; }

    private TimeSpec Time(MappingReader m)
    {
        int steps = m.Int("steps", 1, required: true) ?? 1;
        var unroll = m.Choice("unroll", Unrolls) ?? Unroll.Synchronous;
        double dt = m.Positive("dt") ?? 1.0;
        return new TimeSpec { Location = m.Location, Keys = m.Keys, Steps = steps, Unroll = unroll, Dt = dt };
    }

    private InputSpec Input(MappingReader m, TimeSpec time)
    {
        string name = m.Name("name") ?? "image";
        var shape = m.Shape("shape", required: true) ?? AreaShape.Unknown;
        int? first = null;
        if (m.Scalar("presentation") is { } text && !TryPresentation(text, out first))
            m.Error("presentation", $"unknown presentation '{text}'; allowed: every-step, first-k (k ≥ 1, e.g. first-2: the image at steps 1..2, then blank)");
        return new InputSpec { Location = m.Location, Keys = m.Keys, Name = name, Shape = shape, PresentedSteps = first };
    }

    private AreaSpec? Area(MappingReader m, TimeSpec time)
    {
        string? name = m.Name("name", required: true);
        int level = m.Int("level", 1, required: true, what: "level (the input is level 0; areas start at 1)") ?? 1;
        var shape = m.Shape("shape", required: true) ?? AreaShape.Unknown;
        double tau = m.Positive("tau") ?? time.Dt;
        if (tau < time.Dt)
        {
            m.Error("tau", $"tau must be ≥ dt so that α = dt/τ ≤ 1, got tau {MappingReader.Format(tau)} with dt {MappingReader.Format(time.Dt)}");
            tau = time.Dt;
        }
        var area = new AreaSpec
        {
            Location = m.Location, Keys = m.Keys, Name = name ?? "", Level = level, Shape = shape,
            Activation = m.Choice("activation", Activations) ?? ActivationKind.Relu,
            Norm = m.Choice("norm", Norms) ?? NormalisationMode.None,
            Tau = tau, TauTrainable = m.Bool("tau_trainable") ?? false, Bias = m.Bool("bias") ?? true,
            InitialState = m.Choice("initial_state", InitialStates) ?? InitialState.Zero,
        };
        return name is null ? null : area;
    }

    private ProjectionSpec? Projection(MappingReader m, TimeSpec time, string inputName)
    {
        string? from = m.Name("from", required: true), to = m.Name("to", required: true);
        var type = m.Choice("type", Types, required: true);
        var connectivity = m.Choice("connectivity", Connectivities) ?? ConnectivityKind.Conv;
        var resampling = m.Choice("resample", Resamplings) ?? Resampling.None;
        int kernel = m.Int("kernel", 1) ?? 3;
        int stride = m.Int("stride", 1) ?? 1;
        int factor = m.Int("factor", 2, what: "factor (a resampling factor)") ?? (resampling == Resampling.None ? 1 : 2);
        if (resampling == Resampling.None && m.Has("factor"))
        {
            m.Error("factor", "factor is given without resample; set resample: maxpool, avgpool, upsample-nearest, upsample-bilinear or transposed-conv");
            factor = 1;
        }
        if (connectivity == ConnectivityKind.Dense)
        {
            foreach (var key in new[] { "kernel", "stride", "padding" })
                if (m.Has(key)) m.Error(key, $"{key} applies to conv connectivity; this projection is dense");
        }
        if (resampling == Resampling.TransposedConv && m.Has("stride"))
            m.Error("stride", "a transposed convolution's stride is its factor; remove stride and set factor");
        int defaultPadding = resampling == Resampling.TransposedConv ? Math.Max(0, (kernel - factor + 1) / 2) : kernel / 2;
        int padding = m.Int("padding", 0) ?? defaultPadding;
        int? delay = m.Int("delay", 0, what: "delay (steps back in time)");
        var mode = m.Choice("mode", Modes) ?? ProjectionMode.Additive;
        double gain = m.Positive("gain") ?? 1.0;
        var init = m.Choice("init", Inits) ?? WeightInit.Kaiming;
        var sign = m.Choice("sign", Signs) ?? WeightSign.None;
        string? name = m.Name("name");
        if (from is null || to is null || type is null) return null;
        return new ProjectionSpec
        {
            Location = m.Location, Keys = m.Keys, Name = name ?? $"{from}->{to}", From = from, To = to, Type = type.Value,
            Connectivity = connectivity, Kernel = kernel, Stride = stride, Padding = padding, Resampling = resampling, Factor = factor,
            Delay = delay ?? ProjectionTypes.DefaultDelay(type.Value, time.Unroll, from == inputName), Mode = mode,
            Init = init, Gain = gain, Sign = sign,
        };
    }

    private ReadoutSpec? Readout(MappingReader m, TimeSpec time, Dictionary<string, AreaShape> shapes, string? defaultName)
    {
        string? from = m.Name("from", required: true);
        int classes = m.Int("classes", 2, required: true, what: "classes (at least two)") ?? 2;
        var (steps, list) = ReadoutStepsOf(m, time);
        bool spatial = from is not null && shapes.TryGetValue(from, out var shape) && shape.IsSpatial;
        var pooling = m.Choice("pooling", Poolings) ?? (spatial ? ReadoutPooling.GlobalAverage : ReadoutPooling.None);
        if (pooling == ReadoutPooling.GlobalAverage && !spatial && from is not null && shapes.TryGetValue(from, out var s) && s.IsKnown)
            m.Error("pooling", $"global-average pooling needs a spatial area [C, H, W]; {from} is {s}; use pooling: none");
        string? name = m.Name("name");
        if (from is null) return null;
        return new ReadoutSpec
        {
            Location = m.Location, Keys = m.Keys, Name = name ?? defaultName ?? $"readout-{from}", From = from,
            Classes = classes, Steps = steps, StepList = list, Pooling = pooling,
        };
    }

    private (ReadoutSteps, List<int>) ReadoutStepsOf(MappingReader m, TimeSpec time)
    {
        var node = m.Node("steps");
        if (node is null) return (ReadoutSteps.All, []);
        if (node is YamlScalarNode)
        {
            var text = m.Scalar("steps");
            if (text == "all") return (ReadoutSteps.All, []);
            if (text == "final") return (ReadoutSteps.Final, []);
            if (text is not null) m.Error("steps", $"unknown steps '{text}'; allowed: all, final, or a list of steps such as [2, 4]");
            return (ReadoutSteps.All, []);
        }
        if (node is not YamlSequenceNode seq)
        {
            m.Error("steps", "expected all, final, or a list of steps such as [2, 4], found a mapping");
            return (ReadoutSteps.All, []);
        }
        var list = new List<int>();
        foreach (var item in seq.Children)
        {
            if (item is YamlScalarNode { Value: { } t } && int.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int step)
                && step >= 1 && step <= time.Steps)
            {
                if (!list.Contains(step)) list.Add(step);
            }
            else m.Error("steps", $"readout steps must be integers in 1..{time.Steps} (time.steps), found {NodeReader.Describe(item)}");
        }
        if (list.Count == 0 && seq.Children.Count == 0) m.Error("steps", "an empty list of steps; give at least one step, or all, or final");
        list.Sort();
        return (ReadoutSteps.List, list);
    }
}
