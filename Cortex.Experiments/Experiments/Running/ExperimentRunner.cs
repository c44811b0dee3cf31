using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Cortex.Connectivity.Building;
using Cortex.Connectivity.Lesions;
using Cortex.Core.Backends;
using Cortex.Core.Simulation;
using Cortex.Experiments.Checkpoints;
using Cortex.Experiments.Data;
using Cortex.Experiments.Distributed;
using Cortex.Experiments.Experiments.Definition;
using Cortex.Experiments.Experiments.Planning;
using Cortex.Experiments.Reports;
using Cortex.Experiments.Training;

namespace Cortex.Experiments.Experiments.Running;

/// <summary>
/// Works through an experiment's runs in a run store: trains every training run it can claim (resuming an interrupted
/// one from its checkpoint), then evaluates each trained run under every test. A finished run or evaluation is never
/// redone; one held by another process is left to it; a failure is recorded and the sweep goes on. Several runners —
/// processes on one machine (<c>--workers</c>), MPI ranks or Slurm array tasks (each with its <see cref="Share"/>) — can
/// work through one store at once: the store's claims keep any run from being done twice.
/// </summary>
/// <remarks>
/// A run's folder in the store holds the store's records (run.json, claim, done) and <c>train/</c>, the training run's own
/// folder (config.yaml, run.json, history, metrics, checkpoint.ckpt). An evaluation's folder holds <c>outcomes.bin</c> (every
/// test image's prediction and confidence at every read step of every readout) and <c>evaluation.json</c>.
/// </remarks>
public sealed class ExperimentRunner(ExperimentPlan plan, RunStore store, IBackend<float> backend, TextWriter log)
{
    /// <summary>An evaluation's per-image outcomes, in its store folder.</summary>
    public const string OutcomesFile = "outcomes.bin";

    /// <summary>An evaluation's summary (accuracies, device, time), in its store folder.</summary>
    public const string EvaluationFile = "evaluation.json";

    /// <summary>Which training runs this runner owns (all, or its share of a sweep over MPI ranks or array tasks).</summary>
    public SweepShare Share { get; init; } = SweepShare.Whole;

    /// <summary>Which failed runs are tried again.</summary>
    public RetryPolicy Retry { get; init; } = RetryPolicy.FailuresBefore(DateTimeOffset.UtcNow);

    /// <summary>Whether training shows a live progress bar (else a line now and then).</summary>
    public bool LiveProgress { get; init; }

    /// <summary>Stop after this many trainings (for tests that interrupt a sweep); null: no limit.</summary>
    public int? StopAfterTrainings { get; init; }

    /// <summary>What one pass of the runner did.</summary>
    /// <param name="Trained">Training runs finished here.</param>
    /// <param name="Evaluated">Evaluations finished here.</param>
    /// <param name="Failed">Runs and evaluations that failed here.</param>
    public sealed record Outcome(int Trained, int Evaluated, int Failed);

    /// <summary>Works through its share until nothing it can claim is left.</summary>
    public Outcome Run()
    {
        var owned = Share.Of(plan.Runs);
        int trained = 0, evaluated = 0, failed = 0;
        bool claimedAny;
        do
        {
            claimedAny = false;
            for (int i = 0; i < owned.Count; i++)
            {
                var run = owned[i];
                var attempt = store.TryClaim(run.Description, Retry);
                if (attempt.Claimed)
                {
                    claimedAny = true;
                    if (StopAfterTrainings is { } stop && trained >= stop)
                    {
                        attempt.Claim!.Dispose();
                        return new Outcome(trained, evaluated, failed);
                    }
                    using var claim = attempt.Claim!;
                    if (!Train(run, claim, $"[{i + 1}/{owned.Count}]")) { failed++; continue; }
                    trained++;
                }
                else if (attempt.Status.State != RunState.Done) continue;

                foreach (var evaluation in plan.EvaluationsOf(run))
                {
                    var e = store.TryClaim(evaluation.Description, Retry);
                    if (!e.Claimed) continue;
                    claimedAny = true;
                    using var claim = e.Claim!;
                    if (Evaluate(evaluation, claim)) evaluated++;
                    else failed++;
                }
            }
        }
        while (claimedAny);
        return new Outcome(trained, evaluated, failed);
    }

    private bool Train(TrainingRun run, RunClaim claim, string position)
    {
        string folder = claim.PathOf(RunStore.TrainingFolderName);
        string checkpointPath = claim.CheckpointPath;
        ResumePoint? resume = null;
        if (File.Exists(checkpointPath) && RunFolder.IsRunFolder(folder))
        {
            try
            {
                var checkpoint = CheckpointFile.Read(checkpointPath);
                resume = new ResumePoint(checkpoint, [], [$"resumed by the experiment runner (attempt {claim.Attempt}) after an interruption"]);
            }
            catch (CheckpointError e)
            {
                log.WriteLine($"{position} {run.Label}: its checkpoint cannot be read ({e.Message}); training again from the start");
            }
        }
        try
        {
            // An attempt with nothing to resume from starts over in an empty folder (what an interrupted attempt left is incomplete).
            if (resume is null && Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
            log.WriteLine(resume is null
                ? $"{position} training {run.Label}"
                : $"{position} resuming {run.Label} at {resume.Checkpoint.Metadata.Data}, optimiser step {resume.Checkpoint.Metadata.Step}");
            var clock = Stopwatch.StartNew();
            var result = TrainingSession.Run(run.Pair.Network0, backend, plan.Train, null, run.Options,
                () => resume is not null ? RunFolder.Open(folder) : RunFolder.CreateNew(claim.Folder, RunStore.TrainingFolderName),
                resume, log, LiveProgress, commandLine: $"cortex experiment run {plan.Definition.File} ({run.Label})");
            var timing = new Dictionary<string, object?>
            {
                ["run"] = run.Label, ["device"] = backend.Description, ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1),
                ["imagesPerSecond"] = Math.Round(result.Outcome.ImagesPerSecond, 1), ["resumed"] = resume is not null,
            };
            File.WriteAllText(Path.Combine(folder, "training.json"), JsonSerializer.Serialize(timing, Json));
            claim.Complete([$"{RunStore.TrainingFolderName}/{RunStore.CheckpointFileName}", $"{RunStore.TrainingFolderName}/config.yaml", $"{RunStore.TrainingFolderName}/metrics.csv"]);
            log.WriteLine($"{position} trained {run.Label} in {Duration(clock.Elapsed)}");
            return true;
        }
        catch (Exception e) when (e is TrainingDivergedException or DataError or CheckpointError or RunFolderError or IOException or DeviceMemoryException or ArgumentException)
        {
            claim.Fail(e);
            log.WriteLine($"{position} FAILED {run.Label}: {e.Message}");
            return false;
        }
    }

    private bool Evaluate(PlannedEvaluation evaluation, RunClaim claim)
    {
        try
        {
            var clock = Stopwatch.StartNew();
            string checkpointPath = RunStore.CheckpointOf(store.FolderOf(evaluation.Run.Key));
            var checkpoint = CheckpointFile.Read(checkpointPath);
            using var network = NetworkBuilder.Build(evaluation.Network, backend, evaluation.Run.Seed);
            WeightLoader.Load(checkpoint, network);
            network.InferenceStatistics = evaluation.Test.Statistics;
            var silenced = evaluation.Test.IsLesion ? LesionTable.Resolve(evaluation.Network.Graph, evaluation.Test.Lesions) : null;
            var result = Evaluator.Run(network, plan.Test, ExperimentPlan.EvaluationBatch, evaluation.Stimulus, silenced);
            var outcomes = result.ToOutcomes([.. evaluation.Network.Ledger.Readouts.Select(r => r.Classes)], DataIdentity.Describe(plan.Test));
            outcomes.Write(claim.PathOf(OutcomesFile));
            var summary = new Dictionary<string, object?>
            {
                ["evaluation"] = evaluation.Label, ["stimulus"] = evaluation.Stimulus.ToString(),
                ["lesions"] = evaluation.Test.Lesions.Select(l => l.ToString()).ToArray(),
                ["statistics"] = evaluation.Test.Statistics.Word(), ["device"] = backend.Description,
                ["seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1),
                ["accuracy"] = result.Readouts.ToDictionary(r => r.Readout, r => r.Steps.ToDictionary(s => s.Step.ToString(CultureInfo.InvariantCulture), s => s.Accuracy)),
            };
            File.WriteAllText(claim.PathOf(EvaluationFile), JsonSerializer.Serialize(summary, Json));
            claim.Complete([OutcomesFile, EvaluationFile]);
            var last = result.Readouts[0];
            log.WriteLine($"      tested {evaluation.Label}: {last.Readout} at t = {last.Last.Step} {100 * last.Last.Accuracy:F1}%");
            return true;
        }
        catch (Exception e) when (e is DataError or CheckpointError or IOException or DeviceMemoryException or ArgumentException or InvalidOperationException)
        {
            claim.Fail(e);
            log.WriteLine($"      FAILED test {evaluation.Label}: {e.Message}");
            return false;
        }
    }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>"1 h 02 min", "3 min 05 s", "12.3 s".</summary>
    public static string Duration(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours} h {t.Minutes:00} min" : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes} min {t.Seconds:00} s" : $"{t.TotalSeconds:F1} s";
}
