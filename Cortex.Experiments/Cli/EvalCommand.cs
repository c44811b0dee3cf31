using System.CommandLine;
using Cortex.Connectivity;
using Cortex.Connectivity.Building;
using Cortex.Connectivity.Validation;
using Cortex.Core.Backends;
using Cortex.Experiments.Checkpoints;
using Cortex.Experiments.Data;
using Cortex.Experiments.Training;

namespace Cortex.Experiments.Cli;

/// <summary>
/// <c>cortex eval checkpoint</c>: rebuilds the network stored in a checkpoint, loads its weights and buffers (no
/// optimiser is needed, whichever trained it) and evaluates it at every step on the test split of the dataset it was
/// trained on (unless --dataset says otherwise).
/// </summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("checkpoint") { Description = "a checkpoint written by cortex train" };
        var data = TrainCommand.DataOption();
        var dataset = TrainCommand.DatasetOption();
        var batch = new Option<int>("--batch") { Description = "images per batch", DefaultValueFactory = _ => 500 };
        var device = CortexCommandLine.DeviceOption();
        var precision = CortexCommandLine.PrecisionOption();
        var command = new Command("eval", "Evaluate a checkpoint at every time step on the test set") { file, data, dataset, batch, device, precision };
        command.SetAction(r =>
        {
            int batchSize = OptionValues.Positive(r.GetValue(batch), "--batch");
            var precisionFlag = CortexCommandLine.ParsePrecision(r.GetValue(precision));
            var checkpoint = TrainCommand.ReadCheckpoint(r.GetValue(file)!);
            LoadedNetwork loaded;
            try { loaded = NetworkLoader.Parse(checkpoint.Metadata.Config, checkpoint.Path ?? "checkpoint"); }
            catch (ConfigErrors e) { throw new UserError($"{checkpoint.Path}: the network stored in the checkpoint does not validate:\n{string.Join("\n", e.Errors)}"); }
            string datasetName = !OptionValues.Given(r, dataset) && RunSettings.Recorded(checkpoint).GetValueOrDefault("dataset") is { } recorded
                ? recorded : r.GetValue(dataset)!;
            var kind = CortexCommandLine.ResolveDevice(r.GetValue(device), Console.Out);
            var (_, _, test, source) = TrainCommand.LoadData(datasetName, r.GetValue(data), 0, strictLimit: false);
            Console.WriteLine(source);
            var problems = DatasetFit.Problems(loaded.Spec, test);
            if (test.Count == 0) problems = [.. problems, $"{test.Name} has no images to test on"];
            if (problems.Count > 0) throw new UserError(string.Join(Environment.NewLine, problems));
            using var backend = Devices.Create<float>(kind);
            CortexCommandLine.ApplyPrecision(backend, precisionFlag, loaded.Spec.Precision, Console.Out);
            using var network = NetworkBuilder.Build(loaded, backend, checkpoint.Metadata.Seed);
            WeightLoader.Load(checkpoint, network);
            var result = Evaluator.Run(network, test, batchSize);
            TrainCommand.PrintSteps([(network.Name, result)]);
            TrainCommand.PrintEarlyExit(result);
            return ExitCodes.Success;
        });
        return command;
    }
}
