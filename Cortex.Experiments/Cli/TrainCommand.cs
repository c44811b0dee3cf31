using System.CommandLine;
using Cortex.Connectivity;
using Cortex.Core.Backends;
using Cortex.Experiments.Checkpoints;
using Cortex.Experiments.Data;
using Cortex.Experiments.Reports;
using Cortex.Experiments.Training;
using Spectre.Console;

namespace Cortex.Experiments.Cli;

/// <summary><c>cortex train net.yaml</c> and <c>cortex eval checkpoint</c>.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("network") { Description = "the network file (YAML)" };
        var epochs = new Option<int>("--epochs") { Description = "passes over the training set", DefaultValueFactory = _ => 2 };
        var batch = new Option<int>("--batch") { Description = "images per minibatch", DefaultValueFactory = _ => 128 };
        var lr = new Option<double>("--lr") { Description = "base learning rate", DefaultValueFactory = _ => 3e-3 };
        var optimiser = new Option<string>("--optimiser") { Description = "adamw | sgd", DefaultValueFactory = _ => "adamw" };
        var momentum = new Option<double>("--momentum") { Description = "SGD momentum", DefaultValueFactory = _ => 0.9 };
        var decay = new Option<double>("--weight-decay") { Description = "AdamW decoupled decay or SGD L2 (not on biases/normalisation)", DefaultValueFactory = _ => 1e-4 };
        var schedule = new Option<string>("--schedule") { Description = $"learning-rate schedule: {LearningRate.Allowed}", DefaultValueFactory = _ => "cosine" };
        var warmup = new Option<int>("--warmup") { Description = "linear warm-up steps", DefaultValueFactory = _ => 0 };
        var clip = new Option<double>("--clip") { Description = "largest global gradient norm (0: no clipping)", DefaultValueFactory = _ => 0 };
        var loss = new Option<string>("--loss") { Description = $"loss schedule: {LossSchedule.Allowed}", DefaultValueFactory = _ => "final" };
        var shift = new Option<int>("--shift") { Description = "random shifts of up to this many pixels (augmentation)", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { Description = "seed for initialisation, shuffling and augmentation", DefaultValueFactory = _ => 1 };
        var limit = new Option<int>("--limit") { Description = "train on the first N training images only (0: all)", DefaultValueFactory = _ => 0 };
        var data = DataOption();
        var dataset = new Option<string>("--dataset") { Description = DatasetCatalog.Allowed, DefaultValueFactory = _ => "fashion-mnist" };
        var output = new Option<string>("--out") { Description = "folder for runs", DefaultValueFactory = _ => RunFolder.DefaultRoot };
        var name = new Option<string?>("--name") { Description = "run name (default: network name and time)" };
        var resume = new Option<FileInfo?>("--resume") { Description = "continue from this checkpoint exactly where it stopped" };
        var device = CortexCommandLine.DeviceOption();
        var command = new Command("train", "Train a network on images by backpropagation through time, evaluating every time step")
        {
            file, epochs, batch, lr, optimiser, momentum, decay, schedule, warmup, clip, loss, shift, seed, limit, data, dataset, output, name, resume, device,
        };
        command.SetAction(r =>
        {
            var options = new TrainingOptions
            {
                Epochs = Positive(r.GetValue(epochs), "--epochs"),
                BatchSize = Positive(r.GetValue(batch), "--batch"),
                Optimiser = Choice(r.GetValue(optimiser)!, "--optimiser", TrainingOptions.Optimisers),
                LearningRate = new LearningRate(NonNegative(r.GetValue(lr), "--lr"), Parse(() => LearningRate.ParseShape(r.GetValue(schedule)!), "--schedule"),
                    r.GetValue(warmup)),
                Momentum = r.GetValue(momentum),
                WeightDecay = NonNegative(r.GetValue(decay), "--weight-decay"),
                ClipNorm = NonNegative(r.GetValue(clip), "--clip"),
                Loss = Parse(() => LossSchedule.Parse(r.GetValue(loss)!), "--loss"),
                MaxShift = (int)NonNegative(r.GetValue(shift), "--shift"),
                Seed = r.GetValue(seed),
            };
            var loaded = CortexCommandLine.LoadNetwork(r.GetValue(file)!);
            var kind = CortexCommandLine.ResolveDevice(r.GetValue(device), Console.Out);
            var (train, test, source) = LoadData(r.GetValue(dataset)!, r.GetValue(data), r.GetValue(limit));
            Console.WriteLine(source);
            var resumeFrom = r.GetValue(resume) is { } checkpoint ? ReadCheckpoint(checkpoint) : null;
            using var backend = Devices.Create<float>(kind);
            Console.WriteLine($"backend: {backend.Description}");
            var folder = resumeFrom is not null && r.GetValue(name) is null
                ? RunFolder.Create(Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(resumeFrom.Path!)))!, Path.GetDirectoryName(Path.GetDirectoryName(Path.GetFullPath(resumeFrom.Path!)))!)
                : RunFolder.Create(r.GetValue(name) ?? $"{loaded.Spec.Name}-{DateTime.UtcNow:yyyyMMdd-HHmmss}", r.GetValue(output)!);
            var result = Guarded(() => TrainingSession.Run(loaded, backend, train, test, options, folder, resumeFrom, Console.Out));
            if (result.Test is { } t) PrintSteps([(result.Network, t)]);
            Console.WriteLine($"report: {folder.Path}");
            return 0;
        });
        return command;
    }

    public static Command CreateEval()
    {
        var file = new Argument<FileInfo>("checkpoint") { Description = "a checkpoint written by cortex train" };
        var data = DataOption();
        var dataset = new Option<string>("--dataset") { Description = DatasetCatalog.Allowed, DefaultValueFactory = _ => "fashion-mnist" };
        var batch = new Option<int>("--batch") { Description = "images per batch", DefaultValueFactory = _ => 500 };
        var device = CortexCommandLine.DeviceOption();
        var command = new Command("eval", "Evaluate a checkpoint at every time step on the test set") { file, data, dataset, batch, device };
        command.SetAction(r =>
        {
            var checkpoint = ReadCheckpoint(r.GetValue(file)!);
            var loaded = Guarded(() =>
            {
                try { return NetworkLoader.Parse(checkpoint.Metadata.Config, checkpoint.Path ?? "checkpoint"); }
                catch (Cortex.Connectivity.Validation.ConfigErrors e) { throw new UserError($"{checkpoint.Path}: the network stored in the checkpoint does not validate:\n{string.Join("\n", e.Errors)}"); }
            });
            var kind = CortexCommandLine.ResolveDevice(r.GetValue(device), Console.Out);
            var (_, test, source) = LoadData(r.GetValue(dataset)!, r.GetValue(data), 0);
            Console.WriteLine(source);
            using var backend = Devices.Create<float>(kind);
            using var network = Cortex.Connectivity.Building.NetworkBuilder.Build(loaded.Spec, backend, checkpoint.Metadata.Seed);
            using var trainer = new Trainer(network, new TrainingOptions { BatchSize = 1 }, checkpoint.Metadata.Config);
            Guarded(() => { trainer.Resume(checkpoint); return 0; });
            var result = Evaluator.Run(network, test, Positive(r.GetValue(batch), "--batch"));
            PrintSteps([(network.Name, result)]);
            PrintEarlyExit(result);
            return 0;
        });
        return command;
    }

    public static Option<DirectoryInfo?> DataOption() => new("--data")
    {
        Description = $"folder with the data files (default: ${DataLocator.EnvironmentVariable}; for fashion-mnist then /usr/share/datasets/fashion-mnist, then the subset shipped in data/)",
    };

    public static (Dataset Train, Dataset Test, LoadedData Source) LoadData(string datasetName, DirectoryInfo? flag, int limit)
    {
        var data = Guarded(() => DatasetCatalog.Load(datasetName, flag?.FullName, limit));
        return (data.Train, data.Test, data);
    }

    public static Checkpoint ReadCheckpoint(FileInfo file) => Guarded(() => CheckpointFile.Read(file.FullName));

    /// <summary>Turns data, checkpoint and divergence errors (user-facing conditions) into one-line errors.</summary>
    public static T Guarded<T>(Func<T> body)
    {
        try { return body(); }
        catch (DataError e) { throw new UserError(e.Message); }
        catch (CheckpointError e) { throw new UserError(e.Message); }
        catch (TrainingDivergedException e) { throw new UserError(e.Message); }
        catch (Cortex.Core.Simulation.DeviceMemoryException e) { throw new UserError(e.Message); }
    }

    public static void PrintSteps(IReadOnlyList<(string Network, EvaluationResult Result)> results)
    {
        var steps = results.SelectMany(r => r.Result.Steps.Select(s => s.Step)).Distinct().Order().ToArray();
        var table = new Table().Title("test accuracy per time step").AddColumn("network");
        foreach (var s in steps) table.AddColumn($"t = {s}", c => c.RightAligned());
        table.AddColumn("coarse (last)", c => c.RightAligned());
        foreach (var (network, result) in results)
        {
            var cells = new List<string> { network };
            foreach (var s in steps)
                cells.Add(result.Steps.FirstOrDefault(m => m.Step == s) is { } m ? $"{100 * m.Accuracy:F1}%" : "");
            cells.Add(double.IsNaN(result.Last.CoarseAccuracy) ? "" : $"{100 * result.Last.CoarseAccuracy:F1}%");
            table.AddRow(cells.ToArray());
        }
        CortexCommandLine.Out().Write(table);
    }

    public static void PrintEarlyExit(EvaluationResult result)
    {
        var table = new Table().Title("confidence-threshold early exit").AddColumns("threshold", "mean steps", "accuracy");
        foreach (var e in result.EarlyExit) table.AddRow($"{e.Threshold:F2}", $"{e.MeanSteps:F2}", $"{100 * e.Accuracy:F1}%");
        CortexCommandLine.Out().Write(table);
    }

    private static int Positive(int value, string name) => value > 0 ? value : throw new UserError($"{name} must be positive, got {value}");

    private static double NonNegative(double value, string name) =>
        value >= 0 && double.IsFinite(value) ? value : throw new UserError($"{name} must be a finite number ≥ 0, got {value}");

    private static string Choice(string value, string name, string[] allowed) =>
        allowed.Contains(value.ToLowerInvariant()) ? value.ToLowerInvariant() : throw new UserError($"{name}: unknown value '{value}'; allowed: {string.Join(", ", allowed)}");

    private static T Parse<T>(Func<T> parse, string name)
    {
        try { return parse(); }
        catch (ArgumentException e) { throw new UserError($"{name}: {e.Message}"); }
    }
}
