using System.CommandLine;
using Cortex.Core.Backends;
using Cortex.Experiments.Data;
using Cortex.Experiments.Reports;
using Cortex.Experiments.Training;

namespace Cortex.Experiments.Cli;

/// <summary>
/// <c>cortex quickstart</c>, the README's main job: trains B (feedforward only) and BLT (bottom-up, lateral and
/// top-down) from configs/networks on Fashion-MNIST — the full set when installed, else the subset shipped in
/// the repository — then prints test accuracy per time step for both and the path of the report.
/// Sized to finish within about five minutes on two CPU cores.
/// </summary>
internal static class QuickstartCommand
{
    public static readonly string[] Networks = ["b", "blt"];

    public static Command Create()
    {
        var device = CortexCommandLine.DeviceOption();
        var data = TrainCommand.DataOption();
        var images = new Option<int>("--train-images") { Description = "training images per network (0: the whole training split)", DefaultValueFactory = _ => 9600 };
        var epochs = new Option<int>("--epochs") { Description = "passes over those images", DefaultValueFactory = _ => 1 };
        var outputOption = new Option<string>("--out") { Description = "folder for runs", DefaultValueFactory = _ => RunFolder.DefaultRoot };
        var seed = new Option<int>("--seed") { Description = "seed", DefaultValueFactory = _ => 1 };
        var command = new Command("quickstart", "Train B and BLT on Fashion-MNIST and compare their test accuracy at every time step") { device, data, images, epochs, outputOption, seed };
        command.SetAction(r =>
        {
            int n = OptionValues.NonNegative(r.GetValue(images), "--train-images");
            int e = OptionValues.Positive(r.GetValue(epochs), "--epochs", 1_000_000);
            string output = RunFolder.CheckRoot(r.GetValue(outputOption)!);
            var kind = CortexCommandLine.ResolveDevice(r.GetValue(device), Console.Out);
            var (datasetUsed, train, test, source) = TrainCommand.LoadData("fashion-mnist", r.GetValue(data), n, strictLimit: false);
            Console.WriteLine(source);
            Console.WriteLine($"training on {train.Count} images for {e} epoch{(e == 1 ? "" : "s")}, testing on {test.Count}");
            var options = new TrainingOptions
            {
                Epochs = e,
                BatchSize = 64,
                LearningRate = new LearningRate(3e-3, LearningRateShape.Cosine, WarmupSteps: 10),
                Seed = r.GetValue(seed),
                CheckpointEveryBatches = int.MaxValue,
                Data = DataIdentity.Of(datasetUsed, n, train, test),
            };
            var networks = Networks.Select(name => (Name: name, Loaded: CortexCommandLine.LoadNetwork(ConfigFiles.Network(name)))).ToList();
            var problems = networks.SelectMany(x => TrainingChecks.Problems(x.Loaded.Spec, train, test, options)).ToList();
            if (problems.Count > 0) throw new UserError(string.Join(Environment.NewLine, problems));
            using var backend = Devices.Create<float>(kind);
            Console.WriteLine($"backend: {backend.Description}");
            CortexCommandLine.ApplyPrecision(backend, null, null, Console.Out);
            var root = RunFolder.CreateUnique(output, $"quickstart-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
            InternalErrorReport.RunFolder = root.Path;
            var environment = RunEnvironment.Capture(backend.Description, options.Seed, AppContext.BaseDirectory,
                "cortex " + string.Join(' ', r.Tokens.Select(token => token.Value))) with { Precision = Cortex.Core.Kernels.ConvPrecisions.Describe(backend) };
            root.AppendHistory(new RunEvent(RunEvent.Start, DateTime.UtcNow, environment.CommandLine, environment));
            var results = new List<TrainingSession.Result>();
            foreach (var (name, loaded) in networks)
                results.Add(TrainingSession.Run(loaded, backend, train, test, options, () => RunFolder.CreateNew(root.Path, name), null, Console.Out));
            var curves = results.Where(x => x.Test is not null)
                .SelectMany(x => x.Test!.Readouts.Select(r => new AccuracyCurve(x.Test.Readouts.Count == 1 ? x.Network : $"{x.Network} {r.Readout}",
                    [.. r.Steps.Select(s => (s.Step, s.Accuracy))]))).ToList();
            OutputFile.Write("--out", root.PlotPng, _ => AccuracyPlot.Save(curves, root.PlotPng, root.PlotSvg, "B vs BLT: test accuracy per time step"));
            TrainCommand.PrintSteps([.. results.Where(x => x.Test is not null).Select(x => (x.Network, x.Test!))]);
            foreach (var x in results) Console.WriteLine($"{x.Network}: {x.Seconds:F0} s, {x.Outcome.ImagesPerSecond:F0} training images/s");
            Console.WriteLine($"report: {root.Path}");
            return 0;
        });
        return command;
    }
}

/// <summary>Finds the repository's configs/ folder from the working directory or the program's location.</summary>
internal static class ConfigFiles
{
    public static FileInfo Network(string name)
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var file = new FileInfo(Path.Combine(dir.FullName, "configs", "networks", name + ".yaml"));
                if (file.Exists) return file;
            }
        throw new UserError($"configs/networks/{name}.yaml was not found above {Environment.CurrentDirectory} or {AppContext.BaseDirectory}; run from the repository");
    }
}
