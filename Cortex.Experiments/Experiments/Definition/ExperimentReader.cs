using System.Globalization;
using Cortex.Areas.Readouts;
using Cortex.Connectivity.Lesions;
using Cortex.Connectivity.Reading;
using Cortex.Connectivity.Spec;
using Cortex.Connectivity.Validation;
using Cortex.Connectivity.Variants;
using Cortex.Core.Simulation;
using Cortex.Experiments.Data;
using Cortex.Experiments.Stimuli;
using Cortex.Experiments.Training;
using YamlDotNet.RepresentationModel;

namespace Cortex.Experiments.Experiments.Definition;

/// <summary>
/// Reads an experiment file into an <see cref="ExperimentDefinition"/>, reporting every mistake at its key (file, line,
/// column, YAML path) with what is allowed — unknown keys with a suggestion, words of every registry (loss schedules,
/// variants, datasets, optimisers), the stimulus and lesion syntax, names that repeat or refer to nothing — and throwing
/// them together as one <see cref="ConfigErrors"/>. The schema is in docs/experiments.md, "Experiment files".
/// </summary>
public static class ExperimentReader
{
    /// <summary>The top-level keys.</summary>
    public static readonly string[] TopKeys = ["name", "description", "data", "training", "seeds", "networks", "conditions", "arms", "tests", "compare", "report"];

    /// <summary>The keys of <c>data</c>, <c>training</c>, a network, a condition, a test, an arm, a comparison and <c>report</c>.</summary>
    public static readonly string[] DataKeys = ["dataset", "path", "train_limit", "test_limit"],
        TrainingKeys = ["epochs", "batch", "optimiser", "lr", "schedule", "warmup", "momentum", "weight_decay", "clip", "shift", "loss", "checkpoint_every",
            "bptt_checkpoint_every", "memory_budget"],
        NetworkKeys = ["name", "file", "variant", "match", "k", "family"],
        ConditionKeys = ["name", "loss", "train_stimulus", "set"],
        TestKeys = ["name", "stimulus", "lesions", "networks", "statistics"],
        ArmKeys = ["network", "condition"],
        CompareKeys = ["a", "b"],
        ReportKeys = ["thresholds", "coarse"];

    /// <summary>The largest experiment file read, in bytes.</summary>
    public const int MaxFileBytes = YamlMappingFile.MaxBytes;

    /// <summary>Reads and checks an experiment file; throws <see cref="ConfigErrors"/> listing every mistake.</summary>
    public static ExperimentDefinition Load(string path)
    {
        string full = Path.GetFullPath(path);
        var diagnostics = new Diagnostics();
        string? text = null;
        try
        {
            long length = new FileInfo(full).Length;
            if (length > MaxFileBytes) diagnostics.Error(new SpecLocation(full, 1, 1, ""), $"the file is {length:N0} bytes; an experiment file may be at most {MaxFileBytes:N0}");
            else text = File.ReadAllText(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            diagnostics.Error(new SpecLocation(full, 1, 1, ""), $"cannot read the file: {e.Message}");
        }
        var definition = text is null ? null : Read(text, full, diagnostics);
        if (diagnostics.HasErrors || definition is null) throw new ConfigErrors(diagnostics.Errors, diagnostics.Warnings);
        return definition;
    }

    /// <summary>Reads an experiment from YAML text; <paramref name="file"/> names it in messages and anchors relative paths.</summary>
    public static ExperimentDefinition? Read(string yaml, string file, Diagnostics diagnostics)
    {
        var mapping = YamlMappingFile.Read(yaml, file, diagnostics, "experiment file", TopKeys);
        if (mapping is null) return null;
        var top = new MappingReader(mapping, new SpecLocation(file, (int)mapping.Start.Line, (int)mapping.Start.Column, ""), diagnostics);
        string folder = Path.GetDirectoryName(Path.GetFullPath(file)) ?? ".";

        string name = top.Name("name", required: true) ?? "experiment";
        if (NameProblem(name) is { } problem) top.Error("name", problem);
        string description = top.Text("description")?.Trim() ?? "";
        var data = Data(top.Mapping("data"), folder);
        var (training, checkpointEvery) = Training(top.Mapping("training"));
        training = training with { CheckpointEveryBatches = checkpointEvery };
        var seeds = Seeds(top);

        var networks = top.Items("networks", NetworkKeys, (m, _) => Network(m, folder));
        if (top.Require("networks") && networks.Count == 0 && !diagnostics.HasErrors) top.Error("networks", "no networks; list at least one (name, file)");
        Unique(top, "networks", networks.Select(n => (n.Name, n.Location)));

        var conditions = top.Items("conditions", ConditionKeys, (m, _) => Condition(m));
        if (conditions.Count == 0) conditions = [new ConditionEntry("default", null, null, [], top.At("conditions"))];
        Unique(top, "conditions", conditions.Select(c => (c.Name, c.Location)));

        var pairs = Pairs(top, networks, conditions);
        var tests = top.Items("tests", TestKeys, (m, _) => Test(m, networks));
        if (tests.Count == 0) tests = [new TestEntry("clean", null, [], null, top.At("tests"))];
        Unique(top, "tests", tests.Select(t => (t.Name, t.Location)));

        List<ComparisonEntry>? comparisons = top.Declares("compare") ? top.Items("compare", CompareKeys, (m, _) => Comparison(m)) : null;
        var report = Report(top.Mapping("report"));
        top.Finish(TopKeys);
        if (diagnostics.HasErrors) return null;
        return new ExperimentDefinition
        {
            Name = name, Description = description, File = Path.GetFullPath(file), Location = top.Location, Data = data, Training = training, Seeds = seeds,
            Networks = networks, Conditions = conditions, Pairs = pairs, Tests = tests, Comparisons = comparisons, Report = report,
        };
    }

    private static DataSettings Data(MappingReader? m, string folder)
    {
        if (m is null) return new DataSettings();
        string dataset = m.Name("dataset") ?? "fashion-mnist";
        if (DatasetCatalog.Problem(dataset) is { } problem) m.Error("dataset", problem);
        string? path = m.Name("path") is { } p ? Path.GetFullPath(Path.Combine(folder, p)) : null;
        var data = new DataSettings(dataset, path, m.Int("train_limit", 0) ?? 0, m.Int("test_limit", 0) ?? 0);
        m.Finish(DataKeys);
        return data;
    }

    private static (TrainingOptions Options, int CheckpointEvery) Training(MappingReader? m)
    {
        var defaults = new TrainingOptions();
        if (m is null) return (defaults, defaults.CheckpointEveryBatches);
        var shape = defaults.LearningRate.Shape;
        if (m.Scalar("schedule") is { } scheduleText)
        {
            try { shape = LearningRate.ParseShape(scheduleText); }
            catch (ArgumentException) { m.Error("schedule", $"unknown schedule '{scheduleText}'; allowed: {LearningRate.Allowed}"); }
        }
        string optimiser = defaults.Optimiser;
        if (m.Choice("optimiser", TrainingOptions.Optimisers) is { } o) optimiser = TrainingOptions.Optimisers[o];
        double? momentum = m.Number("momentum");
        if (momentum is < 0 or >= 1) { m.Error("momentum", $"momentum must be in [0, 1), got {MappingReader.Format(momentum.Value)}"); momentum = null; }
        var options = defaults with
        {
            Epochs = m.Int("epochs", 1) ?? defaults.Epochs,
            BatchSize = m.Int("batch", 1) ?? defaults.BatchSize,
            Optimiser = optimiser,
            LearningRate = defaults.LearningRate with { Base = m.Positive("lr") ?? defaults.LearningRate.Base, Shape = shape, WarmupSteps = m.Int("warmup", 0) ?? 0 },
            Momentum = momentum ?? defaults.Momentum,
            WeightDecay = NonNegative(m, "weight_decay") ?? defaults.WeightDecay,
            ClipNorm = NonNegative(m, "clip") ?? defaults.ClipNorm,
            MaxShift = m.Int("shift", 0) ?? defaults.MaxShift,
            Loss = Loss(m, "loss"),
            KeepStatesEvery = m.Int("bptt_checkpoint_every", 0) ?? 0,
            MemoryBudgetBytes = Budget(m, "memory_budget"),
        };
        if (options is { KeepStatesEvery: > 0, MemoryBudgetBytes: not null })
            m.Error("memory_budget", "give either bptt_checkpoint_every or memory_budget, not both");
        int every = m.Int("checkpoint_every", 1) ?? defaults.CheckpointEveryBatches;
        m.Finish(TrainingKeys);
        return (options, every);
    }

    /// <summary>A memory budget such as 2GiB (<see cref="BpttStorage.ParseBytes"/>), or null when the key is absent.</summary>
    private static long? Budget(MappingReader m, string key)
    {
        if (m.Scalar(key) is not { } text) return null;
        try { return BpttStorage.ParseBytes(text); }
        catch (ArgumentException e) { m.Error(key, e.Message); return null; }
    }

    private static double? NonNegative(MappingReader m, string key)
    {
        var value = m.Number(key);
        if (value is < 0) { m.Error(key, $"{key} must be ≥ 0, got {MappingReader.Format(value.Value)}"); return null; }
        return value;
    }

    private static LossSchedule? Loss(MappingReader m, string key)
    {
        if (m.Scalar(key) is not { } text) return null;
        try { return LossSchedule.Parse(text); }
        catch (ArgumentException) { m.Error(key, $"unknown loss schedule '{text}'; allowed: {LossSchedule.Allowed}"); return null; }
    }

    private static List<int> Seeds(MappingReader top)
    {
        var node = top.Node("seeds");
        if (node is null) return [1];
        if (node is YamlScalarNode)
        {
            int count = top.Int("seeds", 1, "seeds (a count)") ?? 1;
            return [.. Enumerable.Range(1, count)];
        }
        var values = top.Ints("seeds", 0, int.MaxValue, "seeds");
        if (values is null) { top.Error("seeds", $"expected a count or a list of seeds, found {NodeReader.Describe(node)}"); return [1]; }
        if (values.Count == 0) { top.Error("seeds", "no seeds; give a count or a list of at least one"); return [1]; }
        if (values.Distinct().Count() != values.Count) top.Error("seeds", $"seeds repeat: [{string.Join(", ", values)}]; each seed is trained once");
        return [.. values];
    }

    private static NetworkEntry? Network(MappingReader m, string folder)
    {
        string? name = m.Name("name", required: true);
        string? file = m.Name("file", required: true);
        VariantKind? variant = null;
        var settings = VariantSettings.Default;
        if (m.Scalar("variant") is { } word)
        {
            if (VariantKinds.Parse(word) is { } parsed)
            {
                variant = parsed.Kind;
                settings = settings with { K = parsed.K };
            }
            else m.Error("variant", $"unknown variant '{word}'; allowed: {string.Join(", ", VariantKinds.All.Words)}, or tied-every-N");
        }
        if (m.Scalar("match") is { } match)
        {
            if (match is "synapses" or "macs") settings = settings with { Match = match == "macs" ? MatchQuantity.Macs : MatchQuantity.Synapses };
            else m.Error("match", $"unknown match '{match}'; allowed: synapses, macs");
            if (variant is not null && !variant.Settings.Contains("match")) m.Error("match", $"variant {variant.Word} is not matched; match goes with wider, larger-kernels and deeper");
        }
        if (m.Int("k", 2) is { } k)
        {
            settings = settings with { K = k };
            if (variant is not null && variant.Word != "tied-every-k") m.Error("k", $"k goes with variant tied-every-k, not {variant.Word}");
        }
        if (variant?.Word == "tied-every-k" && settings.K is null) m.Error("variant", "tied-every-k needs its block: write tied-every-2, or k: 2");
        string? family = m.Name("family");
        m.Finish(NetworkKeys);
        if (name is null || file is null) return null;
        if (NameProblem(name) is { } problem) { m.Error("name", problem); return null; }
        string path = Path.GetFullPath(Path.Combine(folder, file));
        if (!File.Exists(path)) { m.Error("file", $"no network file {path}"); return null; }
        return new NetworkEntry(name, path, variant, settings, family, m.Location);
    }

    private static ConditionEntry? Condition(MappingReader m)
    {
        string? name = m.Name("name", required: true);
        var loss = Loss(m, "loss");
        var stimulus = Stimulus(m, "train_stimulus");
        var edits = new List<NetworkEdit>();
        if (m.Mapping("set") is { } set)
        {
            foreach (var (key, at) in set.Keys.ToList())
            {
                if (set.Scalar(key) is { } value) edits.Add(new NetworkEdit(key, value, at));
                if (key.Split('.').Any(s => s.Length == 0)) set.Error(key, $"'{key}': an empty part between dots; write a path such as areas.*.norm or projections.V2->V1.mode");
            }
        }
        m.Finish(ConditionKeys);
        if (name is null) return null;
        if (NameProblem(name) is { } problem) { m.Error("name", problem); return null; }
        return new ConditionEntry(name, loss, stimulus, edits, m.Location);
    }

    private static StimulusCondition? Stimulus(MappingReader m, string key)
    {
        if (m.Scalar(key) is not { } text) return null;
        try { return StimulusCondition.Parse(text); }
        catch (ArgumentException e) { m.Error(key, e.Message); return null; }
    }

    private static TestEntry? Test(MappingReader m, IReadOnlyList<NetworkEntry> networks)
    {
        string? name = m.Name("name", required: true);
        var stimulus = Stimulus(m, "stimulus");
        var lesions = new List<Lesion>();
        foreach (var text in m.Scalars("lesions") ?? [])
        {
            try { lesions.Add(Lesion.Parse(text)); }
            catch (ArgumentException e) { m.Error("lesions", e.Message); }
        }
        var statistics = m.Choice("statistics", InferenceStatisticsWords.All) is { } chosen ? (InferenceStatistics)chosen : InferenceStatistics.Running;
        var only = m.Scalars("networks");
        foreach (var n in only ?? [])
            if (networks.All(x => x.Name != n)) m.Error("networks", $"no network named '{n}'{Hint(n, networks.Select(x => x.Name))}");
        m.Finish(TestKeys);
        if (name is null) return null;
        if (NameProblem(name) is { } problem) { m.Error("name", problem); return null; }
        return new TestEntry(name, stimulus, lesions, only, m.Location, statistics);
    }

    private static List<(string, string)> Pairs(MappingReader top, List<NetworkEntry> networks, List<ConditionEntry> conditions)
    {
        if (!top.Declares("arms")) return [.. from n in networks from c in conditions select (n.Name, c.Name)];
        var pairs = top.Items("arms", ArmKeys, (m, _) =>
        {
            string? network = m.Name("network", required: true);
            string condition = m.Name("condition") ?? conditions[0].Name;
            if (network is not null && networks.All(n => n.Name != network)) m.Error("network", $"no network named '{network}'{Hint(network, networks.Select(n => n.Name))}");
            if (conditions.All(c => c.Name != condition)) m.Error("condition", $"no condition named '{condition}'{Hint(condition, conditions.Select(c => c.Name))}");
            m.Finish(ArmKeys);
            return network is null ? null : new Tuple<string, string>(network, condition);
        });
        var list = pairs.Select(p => (p.Item1, p.Item2)).ToList();
        if (list.Count == 0) top.Error("arms", "no arms; list (network, condition) pairs, or leave arms out to train every pair");
        var repeated = list.GroupBy(p => p).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null) top.Error("arms", $"the arm ({repeated.Key.Item1}, {repeated.Key.Item2}) is listed twice");
        return list;
    }

    private static ComparisonEntry? Comparison(MappingReader m)
    {
        string? a = m.Name("a", required: true), b = m.Name("b", required: true);
        m.Finish(CompareKeys);
        if (a is not null && a == b) m.Error("b", $"compares arm '{a}' with itself");
        return a is null || b is null ? null : new ComparisonEntry(a, b, m.Location);
    }

    private static ReportSettings Report(MappingReader? m)
    {
        if (m is null) return new ReportSettings();
        IReadOnlyList<double>? thresholds = null;
        if (m.Scalars("thresholds") is { } texts)
        {
            var values = new List<double>();
            foreach (var t in texts)
                if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v > 0 && v <= 1) values.Add(v);
                else m.Error("thresholds", $"confidence thresholds are numbers in (0, 1], found '{t}'");
            thresholds = [.. values.Distinct().Order()];
        }
        bool coarse = m.Bool("coarse") ?? false;
        m.Finish(ReportKeys);
        return new ReportSettings(thresholds, coarse);
    }

    private static void Unique(MappingReader top, string key, IEnumerable<(string Name, SpecLocation At)> names)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, _) in names)
            if (!seen.Add(name)) top.Error(key, $"the name '{name}' is used twice; each of {key} needs its own name");
    }

    /// <summary>Why a name cannot name a network, condition or test (it becomes part of arm names and file names), or null.</summary>
    internal static string? NameProblem(string name) =>
        name.Length > 60 ? $"the name '{name}' is {name.Length} characters long; at most 60"
        : name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '+')) ? $"the name '{name}' may hold letters, digits and - _ . + only"
        : null;

    private static string Hint(string text, IEnumerable<string> names)
    {
        var list = names.ToList();
        return list.Count == 0 ? "" : $"; known: {string.Join(", ", list)}";
    }
}
