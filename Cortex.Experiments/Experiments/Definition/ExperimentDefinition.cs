using Cortex.Areas.Readouts;
using Cortex.Connectivity.Lesions;
using Cortex.Connectivity.Spec;
using Cortex.Connectivity.Variants;
using Cortex.Core.Simulation;
using Cortex.Experiments.Stimuli;
using Cortex.Experiments.Training;

namespace Cortex.Experiments.Experiments.Definition;

/// <summary>
/// An experiment file (<c>configs/experiments/*.yaml</c>) as read: the question, the data, one training recipe shared by
/// every arm, the seeds, the networks (files, or variants of a file), the training conditions, which (network, condition)
/// pairs are trained, the test conditions every trained run is evaluated under, the paired comparisons and what the
/// report adds. Read by <see cref="ExperimentReader"/>; resolved into runs by <see cref="Planning.ExperimentPlan"/>.
/// </summary>
public sealed record ExperimentDefinition
{
    /// <summary>The experiment's name (the report's title, the default report folder).</summary>
    public required string Name { get; init; }

    /// <summary>The question it asks, in a sentence or two.</summary>
    public string Description { get; init; } = "";

    /// <summary>The experiment file (full path), against which network files are found.</summary>
    public required string File { get; init; }

    /// <summary>Where it was written, for messages about keys that are only checked when the experiment is planned.</summary>
    public required SpecLocation Location { get; init; }

    /// <summary>The data every run trains and tests on.</summary>
    public required DataSettings Data { get; init; }

    /// <summary>The training recipe every arm shares (seed, loss and stimulus come from the seeds and conditions).</summary>
    public required TrainingOptions Training { get; init; }

    /// <summary>The seeds; every (network, condition) pair is trained once per seed.</summary>
    public required IReadOnlyList<int> Seeds { get; init; }

    /// <summary>The networks, in report order (the first is the reference of the default comparisons).</summary>
    public required IReadOnlyList<NetworkEntry> Networks { get; init; }

    /// <summary>The training conditions, in report order (the first is the reference of the default comparisons).</summary>
    public required IReadOnlyList<ConditionEntry> Conditions { get; init; }

    /// <summary>The (network, condition) pairs that are trained: every pair by default, or the file's <c>arms</c> list.</summary>
    public required IReadOnlyList<(string Network, string Condition)> Pairs { get; init; }

    /// <summary>The test conditions every trained run is evaluated under (one, <c>clean</c>, by default).</summary>
    public required IReadOnlyList<TestEntry> Tests { get; init; }

    /// <summary>The paired comparisons asked for by name; null: the default ones (<see cref="Planning.ExperimentPlan"/>).</summary>
    public IReadOnlyList<ComparisonEntry>? Comparisons { get; init; }

    /// <summary>What the report adds.</summary>
    public ReportSettings Report { get; init; } = new();
}

/// <summary>The data of an experiment.</summary>
/// <param name="Dataset">A dataset word (<see cref="Data.DatasetCatalog.Allowed"/>).</param>
/// <param name="Folder">Where its files are (null: the usual lookup, as <c>cortex train</c> without <c>--data</c>); relative paths are against the experiment file.</param>
/// <param name="TrainLimit">Train on the first N training images (0: all).</param>
/// <param name="TestLimit">Test on the first N test images (0: all).</param>
public sealed record DataSettings(string Dataset = "fashion-mnist", string? Folder = null, int TrainLimit = 0, int TestLimit = 0);

/// <summary>One network of an experiment: a file, or a variant generated from it.</summary>
/// <param name="Name">Its name in the experiment (arm names start with it).</param>
/// <param name="File">The network file (full path).</param>
/// <param name="Variant">The variant generated from the file, or null for the file itself.</param>
/// <param name="Settings">The variant's settings (match, k); aux-heads takes which heads are trained from each condition's loss.</param>
/// <param name="Family">The family drawn as one curve in the cost figures (e.g. the feedforward controls), or null for a point.</param>
/// <param name="Location">Where it was written.</param>
public sealed record NetworkEntry(string Name, string File, VariantKind? Variant, VariantSettings Settings, string? Family, SpecLocation Location)
{
    /// <summary>"blt.yaml", or "blt.yaml → wider (synapses)".</summary>
    public string Describe() => Variant is null ? System.IO.Path.GetFileName(File)
        : $"{System.IO.Path.GetFileName(File)} → {Variant.Word}{(Variant.Word == "tied-every-k" && Settings.K is { } k ? $" (k = {k})" : "")}" +
          (Variant.Settings.Contains("match") ? $" (matched on {Settings.Match.ToString().ToLowerInvariant()})" : "");
}

/// <summary>One training condition: what differs in how the networks are trained.</summary>
/// <param name="Name">Its name (arm names carry it when there are several conditions).</param>
/// <param name="Loss">The loss schedule of every readout (null: the training recipe's, else each readout's own).</param>
/// <param name="TrainStimulus">What the training images are shown as (null: clean).</param>
/// <param name="Edits">Keys of the network files changed for this condition (e.g. <c>areas.*.norm: shared</c>), applied before any variant.</param>
/// <param name="Location">Where it was written.</param>
public sealed record ConditionEntry(string Name, LossSchedule? Loss, StimulusCondition? TrainStimulus, IReadOnlyList<NetworkEdit> Edits, SpecLocation Location);

/// <summary>One change to a network file: the value at a dotted path (<c>areas.*.norm</c>, <c>projections.V2->V1.mode</c>, <c>weight_tying</c>).</summary>
/// <param name="Path">Mapping keys and, in lists, an item's <c>name</c> or <c>*</c> for every item, joined by dots.</param>
/// <param name="Value">The value written there.</param>
/// <param name="Location">Where it was written in the experiment file.</param>
public sealed record NetworkEdit(string Path, string Value, SpecLocation Location)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Path}: {Value}";
}

/// <summary>One test condition: how every trained run is evaluated.</summary>
/// <param name="Name">Its name (arm names carry it when there are several tests).</param>
/// <param name="Stimulus">What the test images are shown as (null: clean, with the presentation the run was trained with).</param>
/// <param name="Lesions">Projections silenced at test time (all together); empty: intact.</param>
/// <param name="Networks">The networks it applies to (null: every network where each lesion applies).</param>
/// <param name="Location">Where it was written.</param>
/// <param name="Statistics">What batch normalisation normalises with (<c>statistics: running | batch</c>; running by default).</param>
public sealed record TestEntry(string Name, StimulusCondition? Stimulus, IReadOnlyList<Lesion> Lesions, IReadOnlyList<string>? Networks, SpecLocation Location,
    InferenceStatistics Statistics = InferenceStatistics.Running)
{
    /// <summary>Whether it silences anything.</summary>
    public bool IsLesion => Lesions.Count > 0;

    /// <summary>Whether it shows the network as trained: no lesion, running statistics.</summary>
    public bool IsIntact => !IsLesion && Statistics == InferenceStatistics.Running;
}

/// <summary>A paired comparison asked for by arm names.</summary>
/// <param name="A">Arm A.</param>
/// <param name="B">Arm B (its cost, or its effect, is A − B).</param>
/// <param name="Location">Where it was written.</param>
public sealed record ComparisonEntry(string A, string B, SpecLocation Location);

/// <summary>What an experiment's report adds beyond accuracy per step, costs, comparisons and lesions.</summary>
/// <param name="Thresholds">Confidence thresholds of the early-exit (speed–accuracy) curves; empty: none.</param>
/// <param name="Coarse">Also score every readout on the dataset's coarse groups (a readout "name coarse" per readout).</param>
public sealed record ReportSettings(IReadOnlyList<double>? Thresholds = null, bool Coarse = false);
