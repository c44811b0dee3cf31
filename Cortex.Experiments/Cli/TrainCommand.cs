using Cortex.Areas.Readouts;
using System.CommandLine;
using Cortex.Connectivity;
using Cortex.Core.Backends;
using Cortex.Experiments.Checkpoints;
using Cortex.Experiments.Data;
using Cortex.Experiments.Distributed;
using Cortex.Experiments.Reports;
using Cortex.Experiments.Stimuli;
using Cortex.Experiments.Training;
using Spectre.Console;

namespace Cortex.Experiments.Cli;

/// <summary>
/// <c>cortex train net.yaml</c>. Every check — flags, network file, data against the network, a checkpoint to resume
/// and what changed since it was written, the output folder — runs before anything is built or written.
/// </summary>
internal static class TrainCommand
{
    public const string AllowChanges = "--allow-changes";

    /// <summary>The flag of data-parallel training over MPI ranks.</summary>
    public const string Distributed = "--distributed";

    public static Command Create()
    {
        var file = new Argument<FileInfo>("network") { Description = "the network file (YAML)" };
        var epochs = new Option<int>("--epochs") { Description = "passes over the training set", DefaultValueFactory = _ => 2 };
        var batch = new Option<int>("--batch") { Description = "images per minibatch", DefaultValueFactory = _ => 128 };
        var lr = new Option<double>("--lr") { Description = "base learning rate", DefaultValueFactory = _ => 3e-3 };
        var optimiser = new Option<string>("--optimiser") { Description = "adamw | sgd", DefaultValueFactory = _ => "adamw" };
        var momentum = new Option<double>("--momentum") { Description = "SGD momentum, in [0, 1)", DefaultValueFactory = _ => 0.9 };
        var decay = new Option<double>("--weight-decay") { Description = "AdamW decoupled decay or SGD L2 (not on biases/normalisation)", DefaultValueFactory = _ => 1e-4 };
        var schedule = new Option<string>("--schedule") { Description = $"learning-rate schedule: {LearningRate.Allowed}", DefaultValueFactory = _ => "cosine" };
        var warmup = new Option<int>("--warmup") { Description = "linear warm-up steps", DefaultValueFactory = _ => 0 };
        var clip = new Option<double>("--clip") { Description = "largest global gradient norm (0: no clipping)", DefaultValueFactory = _ => 0 };
        var loss = new Option<string?>("--loss") { Description = $"loss schedule of every readout: {LossSchedule.Allowed} (default: each readout's loss key, else final)" };
        var shift = new Option<int>("--shift") { Description = "random shifts of up to this many pixels (augmentation)", DefaultValueFactory = _ => 0 };
        var stimulus = new Option<string?>("--train-stimulus")
        {
            Description = "what the training images are shown as, e.g. occlusion:0.4, noise:0.3+first-2-then-mask (default: clean; see docs/experiments.md)",
        };
        var seed = new Option<int>("--seed") { Description = "seed for initialisation, shuffling and augmentation", DefaultValueFactory = _ => 1 };
        var limit = new Option<int>("--limit") { Description = "train on the first N training images only (0: all)", DefaultValueFactory = _ => 0 };
        var data = DataOption();
        var dataset = DatasetOption();
        var output = new Option<string>("--out") { Description = "folder for runs", DefaultValueFactory = _ => RunFolder.DefaultRoot };
        var name = new Option<string?>("--name") { Description = "run name (default: network name and time); an existing run folder is never reused" };
        var resume = new Option<FileInfo?>("--resume") { Description = "continue from this checkpoint exactly where it stopped (flags not given are taken from it)" };
        var allow = new Option<bool>(AllowChanges) { Description = "with --resume: continue although the network or settings differ from the checkpoint's (the differences are recorded)" };
        var device = CortexCommandLine.DeviceOption();
        var precision = CortexCommandLine.PrecisionOption();
        var distributed = new Option<bool>(Distributed)
        {
            Description = "data-parallel over the MPI ranks of mpiexec.mpich -n N (or srun --mpi=pmi2): every global batch of --batch images is split " +
                "evenly over the ranks, gradients are summed, batch statistics are the global batch's; rank 0 writes the run folder",
        };
        var (keepEvery, budget) = BpttOptions();
        var command = new Command("train", "Train a network on images by backpropagation through time, evaluating every time step")
        {
            file, epochs, batch, lr, optimiser, momentum, decay, schedule, warmup, clip, loss, shift, stimulus, seed, limit, data, dataset, output, name, resume, allow, device,
            precision, distributed, keepEvery, budget,
        };
        command.SetAction(r =>
        {
            // MPI first, so that every rank knows its place before any check: all ranks run every check, rank 0 alone writes.
            var mpi = r.GetValue(distributed) ? MpiSession.Start() : null;
            if (mpi is { IsRoot: false }) Console.SetOut(TextWriter.Null);
            if (mpi is { IsMpi: false })
                Console.WriteLine($"{Distributed}: not started by an MPI launcher ({mpi.Launch.Evidence}); training as one process. " +
                    $"Start N ranks with mpiexec.mpich -n N cortex train … {Distributed}");
            bool Given(Option option) => OptionValues.Given(r, option);
            bool FlagGiven(string flag) => command.Options.FirstOrDefault(o => o.Name == flag) is { } o && Given(o);

            // A checkpoint to continue from comes first: every setting whose flag is not given is taken from it.
            var checkpoint = r.GetValue(resume) is { } from ? ReadCheckpoint(from) : null;
            if (r.GetValue(allow) && checkpoint is null) throw new UserError($"{AllowChanges} only applies with --resume");
            var options = new TrainingOptions
            {
                Epochs = r.GetValue(epochs),
                BatchSize = r.GetValue(batch),
                Optimiser = r.GetValue(optimiser)!,
                LearningRate = new LearningRate(r.GetValue(lr), OptionValues.Parse(() => LearningRate.ParseShape(r.GetValue(schedule)!), "--schedule"),
                    r.GetValue(warmup)),
                Momentum = r.GetValue(momentum),
                WeightDecay = r.GetValue(decay),
                ClipNorm = r.GetValue(clip),
                Loss = r.GetValue(loss) is { } lossText ? OptionValues.Parse(() => LossSchedule.Parse(lossText), "--loss") : null,
                MaxShift = r.GetValue(shift),
                TrainStimulus = r.GetValue(stimulus) is { } stimulusText ? OptionValues.Parse(() => StimulusCondition.Parse(stimulusText), "--train-stimulus") : null,
                Seed = r.GetValue(seed),
                KeepStatesEvery = OptionValues.NonNegative(r.GetValue(keepEvery), BpttStorage.EveryFlag),
                MemoryBudgetBytes = ParseBudget(r.GetValue(budget)),
            };
            if (checkpoint is not null) options = RunSettings.Continue(options, checkpoint, FlagGiven);
            options = Checked(options);
            if (mpi is { Size: > 1 } && options.BatchSize % mpi.Size != 0)
                throw new UserError($"--batch {options.BatchSize}: {Distributed} splits every batch evenly over the {mpi.Size} ranks; " +
                    $"use a multiple of {mpi.Size}");
            var recorded = checkpoint is null ? null : RunSettings.Recorded(checkpoint);
            string datasetName = !Given(dataset) && recorded?.GetValueOrDefault("dataset") is { } d ? d : r.GetValue(dataset)!;
            int limitValue = OptionValues.NonNegative(
                !Given(limit) && recorded?.GetValueOrDefault("limit") is { } l && int.TryParse(l, out int n) ? n : r.GetValue(limit), "--limit");

            var precisionFlag = CortexCommandLine.ParsePrecision(r.GetValue(precision));
            var loaded = CortexCommandLine.LoadNetwork(r.GetValue(file)!);
            // Rank 0 alone checks and makes the run folder: another rank could find it made already.
            var target = mpi is { IsRoot: false } ? null : Target(checkpoint, loaded.Spec.Name, r.GetValue(output)!, Given(output), r.GetValue(name));
            var kind = CortexCommandLine.ResolveDevice(r.GetValue(device), Console.Out);
            var (datasetUsed, train, test, source) = LoadData(datasetName, r.GetValue(data), limitValue, strictLimit: true);
            Console.WriteLine(source);
            options = options with { Data = DataIdentity.Of(datasetUsed, limitValue, train, test) };
            if (TrainingChecks.Problems(loaded.Spec, train, test, options) is { Count: > 0 } problems)
                throw new UserError(string.Join(Environment.NewLine, problems));
            // Every readout's loss schedule is part of the network that is trained (and so of what a resume compares).
            try { loaded = TrainingSession.WithStimulus(TrainingSession.WithLoss(loaded, options.Loss), options.TrainStimulus); }
            catch (Cortex.Connectivity.Validation.ConfigErrors e) { throw new UserError(string.Join(Environment.NewLine, e.Errors)); }
            var ledger = loaded.Ledger;
            OptionValues.Parse(() => BpttStorage.Choose(ledger, Math.Max(1, options.BatchSize / (mpi?.Size ?? 1)), options.KeepStatesEvery, options.MemoryBudgetBytes),
                options.MemoryBudgetBytes is null ? BpttStorage.EveryFlag : BpttStorage.BudgetFlag);

            ResumePoint? resumePoint = null;
            if (checkpoint is not null)
            {
                var changes = ResumeCheck.Differences(checkpoint, loaded, options);
                ResumeCheck.Ensure(checkpoint, changes, options, r.GetValue(allow), AllowChanges);
                var notes = ResumeCheck.NotRecorded(checkpoint, options) is { Count: > 0 } missing
                    ? new List<string> { $"the checkpoint does not record {string.Join(", ", missing)} (written by an older Cortex); this run's values were used unchecked" }
                    : [];
                int recordedBatch = recorded!.TryGetValue("batch", out var b) && int.TryParse(b, out int rb) ? rb : options.BatchSize;
                var position = ResumeCheck.Position(checkpoint.Metadata.Data, recordedBatch, options.BatchSize, train.Count);
                if (position != checkpoint.Metadata.Data)
                {
                    notes.Add($"the data position {checkpoint.Metadata.Data} (batches of {recordedBatch}) continues as {position} (batches of {options.BatchSize})");
                    checkpoint = new Checkpoint(checkpoint.Metadata with { Data = position }, checkpoint.Arrays, checkpoint.Path);
                }
                resumePoint = new ResumePoint(checkpoint, [.. changes.Select(c => c.ToString())], notes);
            }

            using var backend = mpi is { IsMpi: true }
                ? Devices.Create<float>(kind, mpi.Launch.LocalRank, Math.Max(1, Environment.ProcessorCount / mpi.Launch.LocalRanks))
                : Devices.Create<float>(kind);
            Console.WriteLine($"backend: {backend.Description}");
            CortexCommandLine.ApplyPrecision(backend, precisionFlag, loaded.Spec.Precision, Console.Out);
            if (mpi is { IsMpi: true }) Console.WriteLine($"{Distributed}: {mpi.Size} ranks, {options.BatchSize / mpi.Size} images of each batch of {options.BatchSize} per rank; {mpi.LibraryVersion}");
            if (mpi is { IsRoot: false })
            {
                TrainingSession.RunReplica(loaded, backend, train, options, resumePoint, mpi.Replicas!);
                return ExitCodes.Success;
            }
            RunFolder Open()
            {
                var folder = target!();
                InternalErrorReport.RunFolder = folder.Path;
                return folder;
            }
            var result = TrainingSession.Run(loaded, backend, train, test, options, Open, resumePoint, Console.Out,
                commandLine: "cortex " + string.Join(' ', r.Tokens.Select(token => token.Value.Contains(' ') ? $"'{token.Value}'" : token.Value)),
                replicas: mpi?.Replicas,
                distributed: mpi is { IsMpi: true } ? $"data-parallel over {mpi.Size} MPI ranks ({mpi.LibraryVersion}), {options.BatchSize / mpi.Size} images per rank" : null);
            if (result.Test is { } t) PrintSteps([(result.Network, t)]);
            Console.WriteLine($"report: {result.Folder.Path}");
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// Where the run goes, checked now and made later (after every other check): a new run gets a new folder — the one
    /// --name asks for, refused if it exists, or a unique default name. A resume continues in the checkpoint's own run
    /// folder, unless --out or --name point elsewhere, or the checkpoint is not in a run folder: then a new folder is
    /// made there, and its history says which run it continues.
    /// </summary>
    private static Func<RunFolder> Target(Checkpoint? checkpoint, string network, string output, bool outputGiven, string? name)
    {
        if (name is not null && RunFolder.NameProblem(name) is { } problem) throw new UserError($"--name '{name}': the run name {problem}");
        if (checkpoint is not null)
        {
            string home = Path.GetDirectoryName(Path.GetFullPath(checkpoint.Path!))!;
            string wanted = Path.Combine(Path.GetFullPath(output), name ?? Path.GetFileName(home));
            if (RunFolder.IsRunFolder(home) && (!outputGiven && name is null || PathsEqual(wanted, home)))
                return () => RunFolder.Open(home);
        }
        string root = RunFolder.CheckRoot(output);
        if (name is not null)
        {
            string path = Path.Combine(root, name);
            if (Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any())
                throw new UserError($"--name '{name}': the run folder {path} already exists; choose another name, or continue that run with " +
                    $"--resume {Path.Combine(path, "checkpoint.ckpt")}");
            return () => RunFolder.CreateNew(root, name);
        }
        string stem = RunFolder.DefaultName(network, DateTime.UtcNow);
        return () => RunFolder.CreateUnique(root, stem);
    }

    private static bool PathsEqual(string a, string b) =>
        string.Equals(Path.TrimEndingDirectorySeparator(Path.GetFullPath(a)), Path.TrimEndingDirectorySeparator(Path.GetFullPath(b)), StringComparison.Ordinal);

    /// <summary>The ranges of every number and the words of every choice, after a checkpoint filled in what was not given.</summary>
    private static TrainingOptions Checked(TrainingOptions o) => o with
    {
        Epochs = OptionValues.Positive(o.Epochs, "--epochs", 1_000_000),
        BatchSize = OptionValues.Positive(o.BatchSize, "--batch"),
        Optimiser = OptionValues.Choice(o.Optimiser, "--optimiser", TrainingOptions.Optimisers),
        LearningRate = o.LearningRate with
        {
            Base = OptionValues.Positive(o.LearningRate.Base, "--lr"),
            WarmupSteps = OptionValues.NonNegative(o.LearningRate.WarmupSteps, "--warmup"),
        },
        Momentum = OptionValues.Fraction(o.Momentum, "--momentum"),
        WeightDecay = OptionValues.NonNegative(o.WeightDecay, "--weight-decay"),
        ClipNorm = OptionValues.NonNegative(o.ClipNorm, "--clip"),
        MaxShift = OptionValues.NonNegative(o.MaxShift, "--shift"),
    };

    /// <summary>
    /// <c>--bptt-checkpoint-every k</c> and <c>--memory-budget SIZE</c>: checkpointing in time for backpropagation through time
    /// (distinct from training checkpoints, which are files).
    /// </summary>
    public static (Option<int> KeepEvery, Option<string?> Budget) BpttOptions() => (
        new Option<int>(BpttStorage.EveryFlag)
        {
            Description = "keep the states of every k-th time step and recompute the others during backpropagation through time " +
                "(about one extra forward pass; the same gradients; 0: store every step)",
            DefaultValueFactory = _ => 0,
        },
        new Option<string?>(BpttStorage.BudgetFlag)
        {
            Description = $"a memory budget such as 2GiB: store every step if the ledger's estimate fits, else the largest {BpttStorage.EveryFlag} k that fits",
        });

    /// <summary>The bytes of --memory-budget, or null when it is not given.</summary>
    public static long? ParseBudget(string? text) => text is null ? null : OptionValues.Parse(() => BpttStorage.ParseBytes(text), BpttStorage.BudgetFlag);

    public static Option<DirectoryInfo?> DataOption() => new("--data")
    {
        Description = $"folder with the data files (default: ${DataLocator.EnvironmentVariable}; for fashion-mnist then /usr/share/datasets/fashion-mnist, then the subset shipped in data/)",
    };

    public static Option<string> DatasetOption() => new("--dataset") { Description = DatasetCatalog.Allowed, DefaultValueFactory = _ => "fashion-mnist" };

    /// <summary>
    /// Finds and loads the training and test splits of the dataset --dataset names (<see cref="DatasetCatalog"/>).
    /// <paramref name="limit"/> &gt; 0 keeps the first images of the training split; with <paramref name="strictLimit"/>, a
    /// limit beyond the split is a mistake rather than "all".
    /// </summary>
    public static (string Dataset, Dataset Train, Dataset Test, LoadedData Source) LoadData(string datasetName, DirectoryInfo? flag, int limit, bool strictLimit)
    {
        if (DatasetCatalog.Problem(datasetName) is { } problem) throw new UserError($"--dataset: {problem}");
        var data = DatasetCatalog.Load(datasetName, flag?.FullName, 0);
        var train = data.Train;
        if (strictLimit && limit > train.Count)
            throw new UserError($"--limit {limit}: {train.Name} has only {train.Count} images");
        if (limit > 0 && limit < train.Count) train = train.Range(0, limit, $"{train.Name}[..{limit}]");
        return (datasetName.Trim(), train, data.Test, data with { Train = train });
    }

    public static Checkpoint ReadCheckpoint(FileInfo file) => CheckpointFile.Read(file.FullName);

    public static void PrintSteps(IReadOnlyList<(string Network, EvaluationResult Result)> results)
    {
        var steps = results.SelectMany(r => r.Result.Readouts.SelectMany(x => x.Steps.Select(s => s.Step))).Distinct().Order().ToArray();
        var table = new Table().Title("test accuracy per time step").AddColumn("network").AddColumn("readout");
        foreach (var s in steps) table.AddColumn($"t = {s}", c => c.RightAligned());
        table.AddColumn("coarse (last)", c => c.RightAligned());
        foreach (var (network, result) in results)
            foreach (var readout in result.Readouts)
            {
                var cells = new List<string> { Markup.Escape(network), Markup.Escape(readout.Readout) };
                foreach (var s in steps)
                    cells.Add(readout.Steps.FirstOrDefault(m => m.Step == s) is { } m ? $"{100 * m.Accuracy:F1}%" : "");
                cells.Add(double.IsNaN(readout.Last.CoarseAccuracy) ? "" : $"{100 * readout.Last.CoarseAccuracy:F1}%");
                table.AddRow(cells.ToArray());
            }
        CortexCommandLine.Out().Write(table);
    }

    /// <summary>Prints confidence-threshold early exit for every readout.</summary>
    public static void PrintEarlyExit(EvaluationResult result)
    {
        var table = new Table().Title("confidence-threshold early exit").AddColumns("readout", "threshold", "mean steps", "accuracy");
        foreach (var r in result.Readouts)
            foreach (var e in r.EarlyExit) table.AddRow(Markup.Escape(r.Readout), $"{e.Threshold:F2}", $"{e.MeanSteps:F2}", $"{100 * e.Accuracy:F1}%");
        CortexCommandLine.Out().Write(table);
    }
}
