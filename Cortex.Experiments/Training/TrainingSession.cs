using Cortex.Areas.Readouts;
using Cortex.Connectivity;
using Cortex.Connectivity.Building;
using Cortex.Connectivity.Reading;
using Cortex.Core.Backends;
using Cortex.Core.Simulation;
using Cortex.Experiments.Checkpoints;
using Cortex.Experiments.Data;
using Cortex.Experiments.Reports;

namespace Cortex.Experiments.Training;

/// <summary>
/// One training run from a network file to a report: builds the network on a backend, trains it, evaluates it
/// at every step, and writes runs/&lt;name&gt;/ (resolved config, environment, metrics CSV/JSON, the accuracy-per-step
/// plot, the checkpoint). Used by <c>cortex train</c> and the quickstart.
/// </summary>
public sealed class TrainingSession
{
    public sealed record Result(string Network, RunFolder Folder, TrainingOutcome Outcome, EvaluationResult? Test, double Seconds);

    /// <summary>
    /// The network as it will be trained: every readout's loss schedule settled — <paramref name="loss"/> when given,
    /// else the readout's own, else final — so that the resolved config a run saves states how each readout was trained.
    /// Throws <see cref="Cortex.Connectivity.Validation.ConfigErrors"/> when a schedule does not fit a readout (step weights against read steps).
    /// </summary>
    public static LoadedNetwork WithLoss(LoadedNetwork loaded, LossSchedule? loss)
    {
        if (loss is null && loaded.Spec.Readouts.All(r => r.Options.Loss is not null)) return loaded;
        var readouts = loaded.Spec.Readouts.Select(r => r with { Options = r.Options.WithLoss(loss ?? r.Options.Loss ?? LossSchedule.Final) }).ToList();
        return NetworkLoader.Validate(loaded.Spec with { Readouts = readouts });
    }

    /// <summary>Trains <paramref name="loaded"/> and writes its run folder.</summary>
    public static Result Run(LoadedNetwork loaded, IBackend<float> backend, Dataset train, Dataset? test, TrainingOptions options,
        RunFolder folder, Checkpoint? resume, TextWriter log, bool liveProgress = true)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        loaded = WithLoss(loaded, options.Loss);
        string config = NetworkWriter.Write(loaded.Spec);
        folder.WriteRun(config, RunEnvironment.Capture(backend.Description, options.Seed, AppContext.BaseDirectory));
        using var network = NetworkBuilder.Build(loaded, backend, options.Seed);
        using var trainer = new Trainer(network, options, config);
        if (resume is not null)
        {
            trainer.Resume(resume);
            log.WriteLine($"resumed from {resume.Path} at {resume.Metadata.Data}, optimiser step {resume.Metadata.Step}");
        }
        var metrics = new MetricsLog(folder.Name);
        TrainingOutcome outcome;
        try
        {
            outcome = liveProgress
                ? TrainingProgress.Run($"{network.Name} on {train.Name}", options.Epochs, train.Count / options.BatchSize * options.BatchSize,
                    progress => trainer.Train(train, test, folder.Checkpoint, metrics, progress))
                : trainer.Train(train, test, folder.Checkpoint, metrics, null);
        }
        finally
        {
            folder.WriteMetrics(metrics);
        }
        var last = outcome.EpochTests.Count > 0 ? outcome.EpochTests[^1] : null;
        if (last is not null)
            AccuracyPlot.Save([.. last.Readouts.Select(r => new AccuracyCurve(last.Readouts.Count == 1 ? network.Name : $"{network.Name} {r.Readout}",
                    [.. r.Steps.Select(s => (s.Step, s.Accuracy))]))], folder.PlotPng, folder.PlotSvg, $"{network.Name}: test accuracy per time step");
        return new Result(network.Name, folder, outcome, last, clock.Elapsed.TotalSeconds);
    }
}
