using Cortex.Areas.Readouts;
using Cortex.Connectivity;
using Cortex.Connectivity.Building;
using Cortex.Connectivity.Reading;
using Cortex.Core.Backends;
using Cortex.Experiments.Checkpoints;
using Cortex.Experiments.Data;
using Cortex.Experiments.Reports;

namespace Cortex.Experiments.Training;

/// <summary>
/// One training run from a network file to a report: builds the network on a backend, trains it, evaluates it
/// at every step, and writes its run folder (see <see cref="RunFolder"/>). Nothing is written before the network is
/// built and every array of a checkpoint to resume from is loaded; only then is the folder made (a new run) or
/// opened (a resume), the start or the resume recorded in its history, and its metrics continued. Used by
/// <c>cortex train</c> and the quickstart.
/// </summary>
public sealed class TrainingSession
{
    /// <summary>What one run produced.</summary>
    /// <param name="Network">The network's name (its file's <c>name</c>).</param>
    /// <param name="Folder">The run folder it wrote: config, history, metrics, plot, checkpoint.</param>
    /// <param name="Outcome">Whether training completed, where it stopped, the optimiser steps and the test after each epoch.</param>
    /// <param name="Test">The final test: accuracy at every read step of every readout; null without a test split.</param>
    /// <param name="Seconds">Wall-clock seconds the run took, building and evaluating included.</param>
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

    /// <summary>
    /// The network as it will be trained under a training stimulus: its presentation replaced by the stimulus's when it
    /// has one (<see cref="Stimuli.StimulusCondition.ApplyTo"/>), so that the resolved config states how the images were
    /// shown over time; unchanged for null or a stimulus without a presentation.
    /// </summary>
    public static LoadedNetwork WithStimulus(LoadedNetwork loaded, Stimuli.StimulusCondition? stimulus) => stimulus?.ApplyTo(loaded) ?? loaded;

    /// <summary>Trains <paramref name="loaded"/> and writes its run folder.</summary>
    /// <param name="loaded">The validated network (from <see cref="NetworkLoader"/>).</param>
    /// <param name="backend">Where it is built and trained.</param>
    /// <param name="train">The training images.</param>
    /// <param name="test">The test images, evaluated at every read step after each epoch and at the end; null: no test.</param>
    /// <param name="options">Epochs, batch size, optimiser, learning rate, seed and the rest.</param>
    /// <param name="resume">The checkpoint to continue from; null: a new run.</param>
    /// <param name="log">Where progress and results are written, one line at a time.</param>
    /// <param name="liveProgress">Redraw a progress bar on a terminal; false: plain lines.</param>
    /// <param name="folder">Makes (or, for a resume in place, opens) the run folder; called once every check has passed.</param>
    /// <param name="commandLine">What the user typed, for the run's history (default: this process's arguments).</param>
    /// <param name="replicas">
    /// In a data-parallel run, the replicas; this process must be replica 0, which writes the run folder, the checkpoints and the
    /// metrics and evaluates (the others run <see cref="RunReplica"/>). Null: one process.
    /// </param>
    /// <param name="distributed">How the run is distributed, recorded in the run's history (e.g. the MPI ranks and library).</param>
    public static Result Run(LoadedNetwork loaded, IBackend<float> backend, Dataset train, Dataset? test, TrainingOptions options,
        Func<RunFolder> folder, ResumePoint? resume, TextWriter log, bool liveProgress = true, string? commandLine = null,
        Cortex.Core.Simulation.IReplicas? replicas = null, string? distributed = null)
    {
        if (replicas is { Index: not 0 })
            throw new ArgumentException($"replica {replicas.Index} of {replicas.Count} writes no run folder; it runs {nameof(RunReplica)}");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        loaded = WithStimulus(WithLoss(loaded, options.Loss), options.TrainStimulus);
        string config = NetworkWriter.Write(loaded.Spec);
        using var network = NetworkBuilder.Build(loaded, backend, options.Seed);
        network.Replicas = replicas;
        log.WriteLine(HoldTime(network, loaded, options, replicas?.Count ?? 1));
        using var trainer = new Trainer(network, options, config);
        if (resume is not null) trainer.Resume(resume.Checkpoint);
        string? source = resume?.Checkpoint.Path is { } from ? Path.GetDirectoryName(Path.GetFullPath(from)) : null;
        string? sourceMetrics = source is not null && RunFolder.IsRunFolder(source) && File.Exists(Path.Combine(source, "metrics.csv"))
            ? Path.Combine(source, "metrics.csv") : null;
        if (sourceMetrics is not null) MetricsLog.ReadCsv(sourceMetrics);   // a damaged file is refused before any folder is made

        var run = folder();
        var environment = RunEnvironment.Capture(backend.Description, options.Seed, AppContext.BaseDirectory, commandLine)
            with { Precision = Cortex.Core.Kernels.ConvPrecisions.Describe(backend) };
        if (run.IsNew) run.WriteRun(config, environment, RunSettings.Record(options, network.Name));
        var notes = new List<string>(resume?.Notes ?? []);
        if (distributed is not null) notes.Add(distributed);
        MetricsLog metrics;
        if (resume is null) metrics = run.OpenMetrics(null, out _);
        else
        {
            var checkpoint = resume.Checkpoint;
            string? earlier = run.IsNew ? sourceMetrics : null;
            metrics = run.OpenMetrics(checkpoint.Metadata.Data.Epoch, out int dropped, earlier);
            if (earlier is not null) notes.Add($"metrics of epochs 1..{checkpoint.Metadata.Data.Epoch} copied from {earlier}");
            if (dropped > 0)
                notes.Add($"{dropped} metrics rows of epochs after {checkpoint.Metadata.Data.Epoch} (measured after the checkpoint was written) were " +
                    (run.IsNew ? "not copied" : "dropped; they are measured again"));
            log.WriteLine($"resumed from {checkpoint.Path} at {checkpoint.Metadata.Data}, optimiser step {checkpoint.Metadata.Step}");
        }
        run.AppendHistory(new RunEvent(
            resume is null ? RunEvent.Start : run.IsNew ? RunEvent.Branch : RunEvent.Resume,
            DateTime.UtcNow, environment.CommandLine, environment,
            resume?.Checkpoint.Path, resume?.Checkpoint.Metadata.Step, resume?.Checkpoint.Metadata.Data.ToString(),
            resume?.Changes is { Count: > 0 } changes ? changes : null, notes.Count > 0 ? notes : null));

        TrainingOutcome outcome;
        try
        {
            outcome = liveProgress
                ? TrainingProgress.Run($"{network.Name} on {train.Name}", options.Epochs, train.Count / options.BatchSize * options.BatchSize,
                    progress => trainer.Train(train, test, run.Checkpoint, metrics, progress))
                : trainer.Train(train, test, run.Checkpoint, metrics, null);
        }
        finally
        {
            run.WriteMetrics(metrics);
        }
        var last = outcome.EpochTests.Count > 0 ? outcome.EpochTests[^1] : null;
        if (last is not null)
        {
            try
            {
                AccuracyPlot.Save([.. last.Readouts.Select(r => new AccuracyCurve(last.Readouts.Count == 1 ? network.Name : $"{network.Name} {r.Readout}",
                    [.. r.Steps.Select(s => (s.Step, s.Accuracy))]))], run.PlotPng, run.PlotSvg, $"{network.Name}: test accuracy per time step");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new RunFolderError($"run folder {run.Path}: cannot write the accuracy plot ({e.Message}); the metrics and the checkpoint are written", e);
            }
        }
        return new Result(network.Name, run, outcome, last, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Sets how <paramref name="network"/> holds the time axis for backpropagation through time (<see cref="BpttStorage.Choose"/>, at
    /// each replica's slice of the batch) and says what was chosen.
    /// </summary>
    private static string HoldTime(Cortex.Core.Simulation.Network<float> network, LoadedNetwork loaded, TrainingOptions options, int replicas)
    {
        var (k, description) = BpttStorage.Choose(loaded.Ledger, Math.Max(1, options.BatchSize / replicas), options.KeepStatesEvery, options.MemoryBudgetBytes);
        network.KeepStatesEvery = k;
        return description;
    }

    /// <summary>
    /// A replica other than replica 0 of a data-parallel run: builds the same network from the same seed, resumes from the same
    /// checkpoint, and trains on its slice of every global batch in step with the others. It writes nothing and evaluates
    /// nothing (replica 0 does both); its weights stay equal to replica 0's.
    /// </summary>
    public static TrainingOutcome RunReplica(LoadedNetwork loaded, IBackend<float> backend, Dataset train, TrainingOptions options,
        ResumePoint? resume, Cortex.Core.Simulation.IReplicas replicas)
    {
        loaded = WithLoss(loaded, options.Loss);
        using var network = NetworkBuilder.Build(loaded, backend, options.Seed);
        network.Replicas = replicas;
        HoldTime(network, loaded, options, replicas.Count);
        using var trainer = new Trainer(network, options, NetworkWriter.Write(loaded.Spec));
        if (resume is not null) trainer.Resume(resume.Checkpoint);
        return trainer.Train(train, null, null, new MetricsLog(network.Name), null);
    }
}
