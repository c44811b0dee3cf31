using System.CommandLine;
using System.Globalization;
using Cortex.Connectivity;
using Cortex.Connectivity.Building;
using Cortex.Connectivity.Lesions;
using Cortex.Connectivity.Validation;
using Cortex.Core.Backends;
using Cortex.Core.Simulation;
using Cortex.Experiments.Checkpoints;
using Cortex.Experiments.Data;
using Cortex.Experiments.Experiments.Definition;
using Cortex.Experiments.Reports;
using Cortex.Experiments.Stimuli;
using Cortex.Experiments.Training;
using Spectre.Console;

namespace Cortex.Experiments.Cli;

/// <summary>
/// <c>cortex eval checkpoint [--lesion L]… [--test-stimulus S] [--statistics running|batch] [--json PATH]</c>: rebuilds the network stored in a
/// checkpoint, loads its weights and buffers (no optimiser is needed, whichever trained it) and evaluates it at every step
/// on the test split of the dataset it was trained on (unless --dataset says otherwise), shown as the stimulus condition
/// says. With lesions it evaluates the network intact and with every lesion at once on the same images, and prints per
/// readout and step both accuracies, their difference and the exact McNemar test (Holm-corrected over the steps).
/// </summary>
internal static class EvalCommand
{
    /// <summary>The eval command with its options.</summary>
    public static Command Create()
    {
        var file = new Argument<FileInfo>("checkpoint") { Description = "a checkpoint written by cortex train" };
        var data = TrainCommand.DataOption();
        var dataset = TrainCommand.DatasetOption();
        var batch = new Option<int>("--batch") { Description = "images per batch", DefaultValueFactory = _ => 500 };
        var lesion = new Option<string[]>("--lesion")
        {
            Description = $"silence projections (repeatable; all together): {Lesion.Syntax}",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        var stimulus = new Option<string?>("--test-stimulus")
        {
            Description = "what the test images are shown as, e.g. occlusion:0.4, noise:0.3+first-2-then-mask (default: clean, with the training stimulus's presentation)",
        };
        var statistics = new Option<string>("--statistics")
        {
            Description = "what batch normalisation normalises with: running (the averages kept in training) or batch (each test batch's own " +
                "statistics at each step, a diagnostic; the batch is then the largest that divides the test set)",
            DefaultValueFactory = _ => "running",
        };
        var json = new Option<FileInfo?>("--json") { Description = "also write the evaluation (and the lesion's paired tests) as JSON to this file" };
        var device = CortexCommandLine.DeviceOption();
        var precision = CortexCommandLine.PrecisionOption();
        var command = new Command("eval", "Evaluate a checkpoint at every time step on the test set, intact or lesioned")
        {
            file, data, dataset, batch, lesion, stimulus, statistics, json, device, precision,
        };
        command.SetAction(r =>
        {
            int batchSize = OptionValues.Positive(r.GetValue(batch), "--batch");
            var normalisation = InferenceStatisticsWords.FromWord(
                OptionValues.Choice(r.GetValue(statistics)!, "--statistics", InferenceStatisticsWords.All));
            var precisionFlag = CortexCommandLine.ParsePrecision(r.GetValue(precision));
            var lesions = (r.GetValue(lesion) ?? []).Select(text => OptionValues.Parse(() => Lesion.Parse(text), "--lesion")).ToList();
            var given = r.GetValue(stimulus) is { } stimulusText ? OptionValues.Parse(() => StimulusCondition.Parse(stimulusText), "--test-stimulus") : null;
            string? jsonPath = r.GetValue(json) is { } target ? OutputFile.Check("--json", target.FullName) : null;
            var checkpoint = TrainCommand.ReadCheckpoint(r.GetValue(file)!);
            LoadedNetwork loaded;
            try { loaded = NetworkLoader.Parse(checkpoint.Metadata.Config, checkpoint.Path ?? "checkpoint"); }
            catch (ConfigErrors e) { throw new UserError($"{checkpoint.Path}: the network stored in the checkpoint does not validate:\n{string.Join("\n", e.Errors)}"); }
            var recorded = RunSettings.Recorded(checkpoint);
            // Without --test-stimulus the test images are clean, shown over time as the network was trained to see them.
            var condition = given ?? RunSettings.TestCondition(checkpoint);
            try { loaded = condition.ApplyTo(loaded); }
            catch (ConfigErrors e) { throw new UserError($"--test-stimulus {condition}: {string.Join("; ", e.Errors)}"); }
            var silenced = lesions.Count == 0 ? null : OptionValues.Parse(() => LesionTable.Resolve(loaded.Graph, lesions), "--lesion");

            string datasetName = !OptionValues.Given(r, dataset) && recorded.GetValueOrDefault("dataset") is { } name ? name : r.GetValue(dataset)!;
            var kind = CortexCommandLine.ResolveDevice(r.GetValue(device), Console.Out);
            var (_, _, test, source) = TrainCommand.LoadData(datasetName, r.GetValue(data), 0, strictLimit: false);
            Console.WriteLine(source);
            var problems = DatasetFit.Problems(loaded.Spec, test).ToList();
            if (test.Count == 0) problems.Add($"{test.Name} has no images to test on");
            else if (condition.Problem(test) is { } problem) problems.Add($"--test-stimulus: {problem}");
            if (problems.Count > 0) throw new UserError(string.Join(Environment.NewLine, problems));

            using var backend = Devices.Create<float>(kind);
            CortexCommandLine.ApplyPrecision(backend, precisionFlag, loaded.Spec.Precision, Console.Out);
            using var network = NetworkBuilder.Build(loaded, backend, checkpoint.Metadata.Seed);
            WeightLoader.Load(checkpoint, network);
            network.InferenceStatistics = normalisation;
            Console.WriteLine($"stimulus: {condition}; presentation: {loaded.Spec.Input.Presentation}");
            if (normalisation == InferenceStatistics.Batch)
                Console.WriteLine($"batch normalisation: each batch's own statistics, {Evaluator.DividingBatch(test.Count, batchSize)} images per batch");
            LesionResult? result = null;
            EvaluationResult intact;
            if (lesions.Count > 0)
            {
                Console.WriteLine($"lesions: {string.Join(", ", lesions)} silence {string.Join("; ", LesionTable.Describe(loaded.Graph, silenced!))}");
                result = LesionComparison.Run(loaded, network, test, batchSize, lesions, condition, checkpoint.Metadata.Seed);
                intact = result.Intact;
                PrintLesion(network.Name, result);
            }
            else
            {
                intact = Evaluator.Run(network, test, batchSize, condition);
                TrainCommand.PrintSteps([(network.Name, intact)]);
                TrainCommand.PrintEarlyExit(intact);
            }
            if (jsonPath is not null)
                OutputFile.Write("--json", jsonPath, path => EvaluationJson.Write(path, checkpoint.Path ?? "", network.Name, test.Name, condition.ToString(),
                    loaded.Spec.Input.Presentation.ToString(), intact, result));
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Per readout and step: intact and lesioned accuracy, their difference in points, the discordant counts and the exact McNemar p, raw and Holm-adjusted.</summary>
    public static void PrintLesion(string network, LesionResult result)
    {
        var table = new Table().Title($"{Markup.Escape(network)}: intact vs lesioned ({Markup.Escape(string.Join(", ", result.Lesions))}), test accuracy per step")
            .AddColumns("readout", "t").AddColumn("intact", c => c.RightAligned()).AddColumn("lesioned", c => c.RightAligned())
            .AddColumn("intact − lesioned (points)", c => c.RightAligned()).AddColumn("b", c => c.RightAligned()).AddColumn("c", c => c.RightAligned())
            .AddColumn("p (McNemar)", c => c.RightAligned()).AddColumn("p (Holm)", c => c.RightAligned());
        for (int k = 0; k < result.Readouts.Count; k++)
        {
            var effect = result.Readouts[k];
            for (int s = 0; s < effect.Steps.Count; s++)
            {
                var test = effect.Steps[s];
                table.AddRow(Markup.Escape(effect.Readout), test.StepA.ToString(CultureInfo.InvariantCulture),
                    $"{100 * result.Intact.Readouts[k].Steps[s].Accuracy:F1}%", $"{100 * result.Lesioned.Readouts[k].Steps[s].Accuracy:F1}%",
                    test.Pooled.DifferencePoints.ToString("+0.0;−0.0;0.0", CultureInfo.InvariantCulture),
                    test.Pooled.B.ToString(CultureInfo.InvariantCulture), test.Pooled.C.ToString(CultureInfo.InvariantCulture), P(test.Pooled.PValue), P(test.AdjustedP));
            }
        }
        CortexCommandLine.Out().Write(table);
    }

    private static string P(double p) => p < 1e-4 ? p.ToString("0.0E+0", CultureInfo.InvariantCulture) : p.ToString("0.0000", CultureInfo.InvariantCulture);
}
