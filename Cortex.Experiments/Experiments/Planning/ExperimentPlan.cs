using System.Globalization;
using System.Text;
using Cortex.Areas.Readouts;
using Cortex.Connectivity;
using Cortex.Connectivity.Lesions;
using Cortex.Connectivity.Reading;
using Cortex.Connectivity.Spec;
using Cortex.Connectivity.Validation;
using Cortex.Connectivity.Variants;
using Cortex.Core.Simulation;
using Cortex.Experiments.Data;
using Cortex.Experiments.Experiments.Definition;
using Cortex.Experiments.Reports;
using Cortex.Experiments.Stimuli;
using Cortex.Experiments.Training;

namespace Cortex.Experiments.Experiments.Planning;

/// <summary>
/// An experiment resolved against its data: every network of every (network, condition) pair built as it will be
/// trained (the condition's edits, then the variant, then the loss schedules and the training presentation), every
/// training run (pair × seed) and every evaluation (run × test) with the canonical description that keys it in the run
/// store, the arms of the report (pair × test) and the paired comparisons. Everything that can be wrong with an
/// experiment — a variant that does not apply, an edit that matches nothing, a lesion that silences nothing, a stimulus
/// or loss that does not fit the data — is found here, before anything is trained, and reported at its key.
/// </summary>
public sealed class ExperimentPlan
{
    /// <summary>The version of the canonical descriptions: a change of what they contain must change it, so that old runs are never mistaken for new ones.</summary>
    public const int DescriptionVersion = 1;

    /// <summary>The batch size of every evaluation (it is part of an evaluation's key).</summary>
    public const int EvaluationBatch = 500;

    private ExperimentPlan(ExperimentDefinition definition, Dataset train, Dataset test, string dataSource)
    {
        Definition = definition;
        Train = train;
        Test = test;
        DataSource = dataSource;
    }

    /// <summary>The experiment as read.</summary>
    public ExperimentDefinition Definition { get; }

    /// <summary>The training images (after <see cref="DataSettings.TrainLimit"/>).</summary>
    public Dataset Train { get; }

    /// <summary>The test images (after <see cref="DataSettings.TestLimit"/>).</summary>
    public Dataset Test { get; }

    /// <summary>Where the data came from, in one line.</summary>
    public string DataSource { get; }

    /// <summary>The trained (network, condition) pairs, in the file's order.</summary>
    public IReadOnlyList<PlannedPair> Pairs { get; private set; } = [];

    /// <summary>Every training run, seed by seed (all pairs of the first seed, then the second, …), so that a partial sweep covers every arm.</summary>
    public IReadOnlyList<TrainingRun> Runs { get; private set; } = [];

    /// <summary>Every evaluation, in the order of <see cref="Runs"/> and then of the tests.</summary>
    public IReadOnlyList<PlannedEvaluation> Evaluations { get; private set; } = [];

    /// <summary>The arms of the report: pair × test, in the file's order.</summary>
    public IReadOnlyList<PlannedArm> Arms { get; private set; } = [];

    /// <summary>The paired comparisons of the report.</summary>
    public IReadOnlyList<PlannedComparison> Comparisons { get; private set; } = [];

    /// <summary>The evaluations of a run, in test order.</summary>
    public IEnumerable<PlannedEvaluation> EvaluationsOf(TrainingRun run) => Evaluations.Where(e => ReferenceEquals(e.Run, run));

    /// <summary>Plans <paramref name="definition"/> on data already loaded; throws <see cref="ConfigErrors"/> listing every problem at its key.</summary>
    public static ExperimentPlan Create(ExperimentDefinition definition, Dataset train, Dataset test, string dataSource)
    {
        var plan = new ExperimentPlan(definition, train, test, dataSource);
        var diagnostics = new Diagnostics();
        plan.Resolve(diagnostics);
        if (diagnostics.HasErrors) throw new ConfigErrors(diagnostics.Errors, diagnostics.Warnings);
        return plan;
    }

    /// <summary>Loads the experiment's data (<see cref="DataSettings"/>) as <c>cortex train</c> does.</summary>
    public static (Dataset Train, Dataset Test, string Source) LoadData(ExperimentDefinition definition)
    {
        var d = definition.Data;
        var loaded = DatasetCatalog.Load(d.Dataset, d.Folder, 0);
        var train = loaded.Train;
        var test = loaded.Test;
        if (d.TrainLimit > train.Count) throw new DataError($"{definition.File}: data.train_limit {d.TrainLimit}: {train.Name} has only {train.Count} images");
        if (d.TestLimit > test.Count) throw new DataError($"{definition.File}: data.test_limit {d.TestLimit}: {test.Name} has only {test.Count} images");
        if (d.TrainLimit > 0 && d.TrainLimit < train.Count) train = train.Range(0, d.TrainLimit, $"{train.Name}[..{d.TrainLimit}]");
        if (d.TestLimit > 0 && d.TestLimit < test.Count) test = test.Range(0, d.TestLimit, $"{test.Name}[..{d.TestLimit}]");
        return (train, test, loaded.Description);
    }

    private void Resolve(Diagnostics diagnostics)
    {
        var d = Definition;
        string trainData = DataIdentity.Describe(Train), testData = DataIdentity.Describe(Test);
        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        var broken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var network in d.Networks)
        {
            sources[network.Name] = File.ReadAllText(network.File);
            // A network file's own error is said once, at its line, and not again for every condition that edits the file.
            try
            {
                NetworkLoader.Parse(sources[network.Name], Path.GetFileName(network.File));
            }
            catch (Exception e) when (e is ConfigErrors or YamlDotNet.Core.YamlException)
            {
                diagnostics.Error(network.Location, $"network '{network.Name}': {(e is ConfigErrors errors ? string.Join("; ", errors.Errors) : e.Message)}");
                broken.Add(network.Name);
            }
        }

        var pairs = new List<PlannedPair>();
        foreach (var (networkName, conditionName) in d.Pairs)
        {
            if (broken.Contains(networkName)) continue;
            var network = d.Networks.First(n => n.Name == networkName);
            var condition = d.Conditions.First(c => c.Name == conditionName);
            var options = d.Training with { Loss = condition.Loss ?? d.Training.Loss, TrainStimulus = condition.TrainStimulus, Seed = 0 };
            string where = $"network '{network.Name}' under condition '{condition.Name}'";
            LoadedNetwork loaded;
            try
            {
                loaded = Build(network, condition, sources[network.Name], options.Loss);
            }
            catch (Exception e) when (e is ConfigErrors or ArgumentException or VariantNotApplicable or InvalidOperationException or YamlDotNet.Core.YamlException)
            {
                string message = e is ConfigErrors errors ? string.Join("; ", errors.Errors) : e.Message;
                diagnostics.Error(condition.Edits.Count > 0 && e is ArgumentException && message.StartsWith("set ", StringComparison.Ordinal)
                    ? condition.Location : network.Location, $"{where}: {message}");
                continue;
            }
            foreach (var problem in TrainingChecks.Problems(loaded.Spec, Train, Test, options with { Loss = null }))
                diagnostics.Error(network.Location, $"{where}: {problem}");
            var trainStimulus = condition.TrainStimulus ?? StimulusCondition.Clean;
            pairs.Add(new PlannedPair(network, condition, loaded, options, trainStimulus));
        }
        if (diagnostics.HasErrors) return;

        // Which tests apply to which pair, with the network as each shows it: a lesion must silence something in the network
        // (else the test is skipped for networks the test does not name, and an error for those it names or when it applies to none).
        var applies = new Dictionary<(PlannedPair, TestEntry), LoadedNetwork>();
        foreach (var test in d.Tests)
        {
            if (test.Stimulus?.Problem(Test) is { } problem) diagnostics.Error(test.Location, $"test '{test.Name}': {problem}");
            int count = 0;
            var reasons = new List<string>();
            foreach (var pair in pairs)
            {
                bool named = test.Networks?.Contains(pair.Network.Name) ?? false;
                if (test.Networks is not null && !named) continue;
                try
                {
                    var shown = Shown(pair, test);
                    if (test.IsLesion) LesionTable.Resolve(shown.Graph, test.Lesions);
                    count++;
                    applies.Add((pair, test), shown);
                }
                catch (ArgumentException e)
                {
                    if (named) diagnostics.Error(test.Location, $"test '{test.Name}' on network '{pair.Network.Name}': {e.Message}");
                    else reasons.Add($"{pair.Network.Name}: {e.Message}");
                }
            }
            if (count == 0 && reasons.Count > 0) diagnostics.Error(test.Location, $"test '{test.Name}' applies to no network: {string.Join("; ", reasons.Distinct())}");
        }
        if (diagnostics.HasErrors) return;

        var runs = new List<TrainingRun>();
        var evaluations = new List<PlannedEvaluation>();
        foreach (int seed in d.Seeds)
            foreach (var pair in pairs)
            {
                var options = pair.Options with { Seed = seed };
                var run = new TrainingRun(pair, seed, options, TrainingDescription(pair, options, trainData));
                runs.Add(run);
                foreach (var test in d.Tests.Where(t => applies.ContainsKey((pair, t))))
                {
                    var stimulus = (test.Stimulus ?? StimulusCondition.Clean).Over(pair.TrainStimulus.WithoutTransforms());
                    evaluations.Add(new PlannedEvaluation(run, test, stimulus, applies[(pair, test)], EvaluationDescription(run, test, stimulus, testData)));
                }
            }

        bool severalConditions = pairs.Select(p => p.Condition.Name).Distinct().Count() > 1;
        bool severalTests = d.Tests.Count > 1;
        var arms = new List<PlannedArm>();
        foreach (var pair in pairs)
            foreach (var test in d.Tests.Where(t => applies.ContainsKey((pair, t))))
            {
                string name = pair.Network.Name + (severalConditions ? "/" + pair.Condition.Name : "") + (severalTests ? "/" + test.Name : "");
                arms.Add(new PlannedArm(name, pair, test, [.. evaluations.Where(e => e.Run.Pair == pair && e.Test == test)]));
            }

        Pairs = pairs;
        Runs = runs;
        Evaluations = evaluations;
        Arms = arms;
        Comparisons = PlanComparisons(diagnostics);
    }

    /// <summary>The network as trained: the file, the condition's edits, the variant, then every readout's loss and the training presentation.</summary>
    private static LoadedNetwork Build(NetworkEntry network, ConditionEntry condition, string source, LossSchedule? loss)
    {
        string label = Path.GetFileName(network.File) + (condition.Edits.Count > 0 ? $" (condition {condition.Name})" : "");
        var loaded = NetworkLoader.Parse(NetworkEdits.Apply(source, condition.Edits), label);
        if (network.Variant is { } variant)
        {
            var settings = network.Settings;
            if (variant.Settings.Contains("loss"))
                settings = settings with { HeadLoss = loss?.Placement == LossPlacement.Final ? LossPlacement.Final : LossPlacement.EveryStep };
            loaded = variant.Apply(loaded, settings).Network;
        }
        loaded = TrainingSession.WithLoss(loaded, loss);
        return TrainingSession.WithStimulus(loaded, condition.TrainStimulus);
    }

    /// <summary>The trained network as a test shows it: with the test's presentation where it names one.</summary>
    private static LoadedNetwork Shown(PlannedPair pair, TestEntry test) =>
        test.Stimulus?.Presentation is not null ? test.Stimulus.ApplyTo(pair.Network0) : pair.Network0;

    private IReadOnlyList<PlannedComparison> PlanComparisons(Diagnostics diagnostics)
    {
        var list = new List<PlannedComparison>();
        PlannedArm? Find(string name, ComparisonEntry entry)
        {
            var arm = Arms.FirstOrDefault(a => a.Name == name);
            if (arm is null)
                diagnostics.Error(entry.Location, $"no arm named '{name}'; the arms are {string.Join(", ", Arms.Select(a => a.Name))}");
            return arm;
        }
        if (Definition.Comparisons is { } asked)
            foreach (var entry in asked)
            {
                var (a, b) = (Find(entry.A, entry), Find(entry.B, entry));
                if (a is null || b is null) continue;
                if (!SharedReadouts(a, b).Any())
                    diagnostics.Error(entry.Location, $"arms '{a.Name}' and '{b.Name}' share no readout name to compare");
                else list.Add(new PlannedComparison(a, b, a.Pair == b.Pair && !a.Test.IsLesion && b.Test.IsLesion ? PairedTestKind.Lesion : PairedTestKind.Comparison));
            }
        else
        {
            var tests = Definition.Tests;
            // Each network against the first, under the same condition and test.
            foreach (var group in Arms.Where(a => !a.Test.IsLesion).GroupBy(a => (a.Pair.Condition.Name, a.Test.Name)))
            {
                var reference = group.First();
                foreach (var arm in group.Skip(1).Where(a => a.Pair.Network.Name != reference.Pair.Network.Name && SharedReadouts(reference, a).Any()))
                    list.Add(new PlannedComparison(reference, arm, PairedTestKind.Comparison));
            }
            // Each condition against the first, for the same network and test.
            foreach (var group in Arms.Where(a => !a.Test.IsLesion).GroupBy(a => (a.Pair.Network.Name, a.Test.Name)))
            {
                var reference = group.First();
                foreach (var arm in group.Skip(1))
                    list.Add(new PlannedComparison(reference, arm, PairedTestKind.Comparison));
            }
        }
        // Every lesion against the same trained pair tested intact under the same stimulus.
        foreach (var lesioned in Arms.Where(a => a.Test.IsLesion))
        {
            var intact = Arms.FirstOrDefault(a => a.Pair == lesioned.Pair && !a.Test.IsLesion && a.Test.Statistics == lesioned.Test.Statistics
                && Equals(a.Test.Stimulus?.ToString(), lesioned.Test.Stimulus?.ToString()));
            if (intact is not null) list.Add(new PlannedComparison(intact, lesioned, PairedTestKind.Lesion));
        }
        return list.DistinctBy(c => (c.A.Name, c.B.Name)).ToList();
    }

    /// <summary>The readouts two arms both have, by name (in A's order).</summary>
    public static IEnumerable<string> SharedReadouts(PlannedArm a, PlannedArm b)
    {
        var names = b.Pair.Network0.Spec.Readouts.Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        return a.Pair.Network0.Spec.Readouts.Select(r => r.Name).Where(names.Contains);
    }

    /// <summary>What keys a training run: the network as trained (resolved), every training setting, the training data and the seed.</summary>
    private static string TrainingDescription(PlannedPair pair, TrainingOptions o, string trainData)
    {
        var text = new StringBuilder();
        text.Append("cortex training run, description version ").Append(DescriptionVersion).Append('\n');
        text.Append("network:\n").Append(NetworkWriter.Write(pair.Network0.Spec).TrimEnd()).Append('\n');
        text.Append("settings:\n");
        foreach (var (key, value) in Settings(o)) text.Append("  ").Append(key).Append(": ").Append(value).Append('\n');
        text.Append("train data: ").Append(trainData).Append('\n');
        text.Append("seed: ").Append(o.Seed.ToString(CultureInfo.InvariantCulture)).Append('\n');
        return text.ToString();
    }

    /// <summary>The training settings that change what a run computes, in a fixed order.</summary>
    public static IEnumerable<(string Key, string Value)> Settings(TrainingOptions o)
    {
        string N(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        yield return ("epochs", o.Epochs.ToString(CultureInfo.InvariantCulture));
        yield return ("batch", o.BatchSize.ToString(CultureInfo.InvariantCulture));
        yield return ("optimiser", o.Optimiser);
        yield return ("lr", N(o.LearningRate.Base));
        yield return ("schedule", o.LearningRate.Shape.ToString().ToLowerInvariant());
        yield return ("warmup", o.LearningRate.WarmupSteps.ToString(CultureInfo.InvariantCulture));
        yield return ("momentum", N(o.Momentum));
        yield return ("weight_decay", N(o.WeightDecay));
        yield return ("clip", N(o.ClipNorm));
        yield return ("shift", o.MaxShift.ToString(CultureInfo.InvariantCulture));
        yield return ("train_stimulus", (o.TrainStimulus ?? StimulusCondition.Clean).ToString());
    }

    private static string EvaluationDescription(TrainingRun run, TestEntry test, StimulusCondition stimulus, string testData)
    {
        var text = new StringBuilder();
        text.Append("cortex evaluation, description version ").Append(DescriptionVersion).Append('\n');
        text.Append("training run: ").Append(RunKey.Sha256(run.Description)).Append('\n');
        text.Append("stimulus: ").Append(stimulus).Append('\n');
        text.Append("lesions: ").Append(test.IsLesion ? string.Join(", ", test.Lesions) : "none").Append('\n');
        text.Append("test data: ").Append(testData).Append('\n');
        text.Append("batch: ").Append(EvaluationBatch.ToString(CultureInfo.InvariantCulture)).Append('\n');
        if (test.Statistics != InferenceStatistics.Running) text.Append("statistics: ").Append(test.Statistics.Word()).Append('\n');
        return text.ToString();
    }
}

/// <summary>A (network, condition) pair as it is trained.</summary>
/// <param name="network">The network entry.</param>
/// <param name="condition">The training condition.</param>
/// <param name="network0">The network as trained (edits, variant, loss schedules, presentation settled).</param>
/// <param name="options">The training options (seed 0: each run sets its own).</param>
/// <param name="trainStimulus">What the training images are shown as.</param>
public sealed class PlannedPair(NetworkEntry network, ConditionEntry condition, LoadedNetwork network0, TrainingOptions options, StimulusCondition trainStimulus)
{
    /// <summary>The network entry.</summary>
    public NetworkEntry Network { get; } = network;

    /// <summary>The training condition.</summary>
    public ConditionEntry Condition { get; } = condition;

    /// <summary>The network as trained.</summary>
    public LoadedNetwork Network0 { get; } = network0;

    /// <summary>The training options (seed 0: each run sets its own).</summary>
    public TrainingOptions Options { get; } = options;

    /// <summary>What the training images are shown as.</summary>
    public StimulusCondition TrainStimulus { get; } = trainStimulus;

    /// <summary>"blt under final".</summary>
    public override string ToString() => $"{Network.Name} under {Condition.Name}";
}

/// <summary>One training run: a pair and a seed.</summary>
/// <param name="pair">What is trained.</param>
/// <param name="seed">The seed (initialisation, shuffling, augmentation, training stimuli).</param>
/// <param name="options">The training options, with the seed.</param>
/// <param name="description">The canonical description that keys it in the run store.</param>
public sealed class TrainingRun(PlannedPair pair, int seed, TrainingOptions options, string description)
{
    /// <summary>What is trained.</summary>
    public PlannedPair Pair { get; } = pair;

    /// <summary>The seed.</summary>
    public int Seed { get; } = seed;

    /// <summary>The training options, with the seed.</summary>
    public TrainingOptions Options { get; } = options;

    /// <summary>The canonical description that keys it in the run store.</summary>
    public string Description { get; } = description;

    /// <summary>Its key in the run store.</summary>
    public RunKey Key { get; } = RunKey.Of(description);

    /// <summary>"blt / final / seed 2".</summary>
    public string Label => $"{Pair.Network.Name} / {Pair.Condition.Name} / seed {Seed}";
}

/// <summary>One evaluation: a trained run under a test condition, scored image by image.</summary>
/// <param name="run">The run whose final weights are tested.</param>
/// <param name="test">The test condition.</param>
/// <param name="stimulus">What the test images are shown as (the test's stimulus over the trained presentation and mask).</param>
/// <param name="network">The trained network as the test shows it (its presentation, for the lesions to resolve against).</param>
/// <param name="description">The canonical description that keys it in the run store.</param>
public sealed class PlannedEvaluation(TrainingRun run, TestEntry test, StimulusCondition stimulus, LoadedNetwork network, string description)
{
    /// <summary>The run whose final weights are tested.</summary>
    public TrainingRun Run { get; } = run;

    /// <summary>The test condition.</summary>
    public TestEntry Test { get; } = test;

    /// <summary>What the test images are shown as.</summary>
    public StimulusCondition Stimulus { get; } = stimulus;

    /// <summary>The trained network as the test shows it.</summary>
    public LoadedNetwork Network { get; } = network;

    /// <summary>The canonical description that keys it in the run store.</summary>
    public string Description { get; } = description;

    /// <summary>Its key in the run store.</summary>
    public RunKey Key { get; } = RunKey.Of(description);

    /// <summary>"blt / final / seed 2 / no-feedback".</summary>
    public string Label => $"{Run.Label} / {Test.Name}";
}

/// <summary>An arm of the report: a trained pair under one test, over the seeds.</summary>
/// <param name="Name">Its name: the network, then the condition and the test where the experiment has several.</param>
/// <param name="Pair">The trained pair.</param>
/// <param name="Test">The test.</param>
/// <param name="Evaluations">Its evaluations, one per seed, in seed order.</param>
public sealed record PlannedArm(string Name, PlannedPair Pair, TestEntry Test, IReadOnlyList<PlannedEvaluation> Evaluations);

/// <summary>A paired comparison of two arms on the same test images, seed by seed.</summary>
/// <param name="A">Arm A (the reference, or the intact network).</param>
/// <param name="B">Arm B (the other, or the lesioned network).</param>
/// <param name="Kind">A comparison, or a lesion (A intact, B lesioned).</param>
public sealed record PlannedComparison(PlannedArm A, PlannedArm B, PairedTestKind Kind);
