using Cortex.Connectivity;
using Cortex.Connectivity.Lesions;
using Cortex.Core.Simulation;
using Cortex.Experiments.Data;
using Cortex.Experiments.Statistics;
using Cortex.Experiments.Stimuli;

namespace Cortex.Experiments.Training;

/// <summary>
/// A trained network evaluated intact and lesioned on the same test images (the same stimuli, image by image), with the
/// paired test at every read step of every readout: intact (A) against lesioned (B), the exact McNemar test of the
/// discordant images and Holm's correction over the readout's steps (<see cref="PairedComparison"/>).
/// </summary>
public static class LesionComparison
{
    /// <summary>Evaluates <paramref name="network"/> (built from <paramref name="loaded"/>) intact and with every lesion of <paramref name="lesions"/> at once.</summary>
    /// <param name="loaded">The network file the network was built from (after <see cref="StimulusCondition.ApplyTo"/> when the stimulus has a presentation): lesions are resolved against its graph.</param>
    /// <param name="network">The trained network.</param>
    /// <param name="test">The test images.</param>
    /// <param name="batchSize">Images per forward pass.</param>
    /// <param name="lesions">Silenced together (their union); at least one.</param>
    /// <param name="stimulus">What the images are shown as, in both evaluations; null: clean.</param>
    /// <param name="seed">The run's seed, which labels the one seed pair of the paired tests.</param>
    public static LesionResult Run(LoadedNetwork loaded, Network<float> network, Dataset test, int batchSize, IReadOnlyList<Lesion> lesions,
        StimulusCondition? stimulus = null, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(loaded);
        ArgumentNullException.ThrowIfNull(lesions);
        if (lesions.Count == 0) throw new ArgumentException("a lesion comparison needs at least one lesion", nameof(lesions));
        var table = LesionTable.Resolve(loaded.Graph, lesions);
        var intact = Evaluator.Run(network, test, batchSize, stimulus);
        var lesioned = Evaluator.Run(network, test, batchSize, stimulus, table);
        return Compare(lesions, LesionTable.Describe(loaded.Graph, table), intact, lesioned, [.. network.Readouts.Select(r => r.Classes)], seed);
    }

    /// <summary>The paired tests between two evaluations of the same network on the same images (intact first).</summary>
    public static LesionResult Compare(IReadOnlyList<Lesion> lesions, IReadOnlyList<SilencedProjection> silenced, EvaluationResult intact, EvaluationResult lesioned,
        IReadOnlyList<int> classes, int seed)
    {
        var a = new[] { new SeedOutcomes(seed, intact.ToOutcomes(classes, "intact")) };
        var b = new[] { new SeedOutcomes(seed, lesioned.ToOutcomes(classes, "lesioned")) };
        var effects = intact.Readouts.Select(r => new ReadoutLesionEffect(r.Readout, PairedComparison.AcrossSteps(a, r.Readout, b, r.Readout))).ToList();
        return new LesionResult(lesions, silenced, intact, lesioned, effects);
    }
}
