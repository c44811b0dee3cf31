using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cortex.Connectivity;
using Cortex.Connectivity.Graph;
using Cortex.Connectivity.Validation;
using Cortex.Experiments.Reports;
using Cortex.Experiments.Training;
using Spectre.Console;

namespace Cortex.Experiments.Cli;

/// <summary>
/// <c>cortex inspect net.yaml [--json] [--svg path] [--batch B] [--schedule]</c>: validates a network file, prints its
/// ledger (neurons, synapses, synaptic operations, effective depth, first input steps, memory) and writes a picture
/// of the graph. Mistakes in the file are listed together, without a stack trace, with exit code 2.
/// </summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("network") { Description = "the network file (YAML)" };
        var json = new Option<bool>("--json") { Description = "print the ledger as JSON (messages go to standard error)" };
        var svg = new Option<FileInfo?>("--svg") { Description = "write a picture of the graph (SVG) to this path" };
        var batch = new Option<int>("--batch") { Description = "batch size for the memory estimate", DefaultValueFactory = _ => 128 };
        var schedule = new Option<bool>("--schedule") { Description = "also print the unrolled schedule (which step each projection reads)" };
        var (keepEvery, budget) = TrainCommand.BpttOptions();
        var command = new Command("inspect", "Validate a network file; print its ledger (neurons, synapses, synaptic operations, effective depth) and draw its graph")
        {
            file, json, svg, batch, schedule, keepEvery, budget,
        };
        command.SetAction(result =>
        {
            var path = result.GetValue(file)!;
            int b = result.GetValue(batch);
            if (b <= 0) throw new UserError($"--batch must be positive, got {b}");
            bool asJson = result.GetValue(json);
            var messages = asJson ? Console.Error : Console.Out;

            LoadedNetwork network;
            try { network = NetworkLoader.Load(path.FullName); }
            catch (ConfigErrors e)
            {
                Console.Error.WriteLine($"cortex: {path.Name}: {Count(e.Errors.Count, "error")}{(e.Warnings.Count > 0 ? $", {Count(e.Warnings.Count, "warning")}" : "")}");
                foreach (var m in e.Errors.Concat(e.Warnings)) Console.Error.WriteLine(m);
                return 2;
            }

            foreach (var w in network.Warnings) messages.WriteLine(w);
            var ledger = network.Ledger;
            var (k, held) = OptionValues.Parse(() => BpttStorage.Choose(ledger, b,
                OptionValues.NonNegative(result.GetValue(keepEvery), BpttStorage.EveryFlag), TrainCommand.ParseBudget(result.GetValue(budget))),
                result.GetValue(budget) is null ? BpttStorage.EveryFlag : BpttStorage.BudgetFlag);
            var memory = ledger.Memory(b, keepEvery: k);
            string? picture = result.GetValue(svg)?.FullName;
            if (picture is not null) OutputFile.Write("--svg", picture, full => GraphPicture.SaveSvg(network.Graph, full));

            if (asJson) Console.Out.WriteLine(Json(ledger, memory, k, network.Warnings, picture));
            else
            {
                Print(ledger, memory);
                Console.WriteLine(held);
            }
            if (result.GetValue(schedule)) messages.Write(network.Schedule.ToString());
            if (picture is not null) messages.WriteLine($"picture: {picture}");
            return 0;
        });
        return command;
    }

    private static string Count(int n, string what) => $"{n} {what}{(n == 1 ? "" : "s")}";

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string Steps(IEnumerable<int?> values) => string.Join(" ", values.Select(v => v?.ToString(CultureInfo.InvariantCulture) ?? "–"));

    /// <summary>Steps as ranges: [1, 2, 3, 5] → "1–3, 5"; none → "never".</summary>
    internal static string Ranges(IReadOnlyList<int> steps)
    {
        if (steps.Count == 0) return "never";
        var parts = new List<string>();
        for (int i = 0; i < steps.Count;)
        {
            int j = i;
            while (j + 1 < steps.Count && steps[j + 1] == steps[j] + 1) j++;
            parts.Add(j == i ? $"{steps[i]}" : j == i + 1 ? $"{steps[i]}, {steps[j]}" : $"{steps[i]}–{steps[j]}");
            i = j + 1;
        }
        return string.Join(", ", parts);
    }

    private static void Print(Ledger ledger, MemoryEstimate memory)
    {
        var e = Markup.Escape;
        var console = CortexCommandLine.Out();
        if (Console.IsOutputRedirected) console.Profile.Width = 160;   // a file or a pipe: no reason to wrap numbers
        var areas = new Table().Title(e($"{ledger.Network}: {ledger.Steps} steps, unroll {ledger.Unroll}, weights {ledger.WeightTying}"))
            .AddColumns("area", "level", "kind", "shape", "neurons")
            .AddColumns(new[] { "own synapses", "own MACs/step" }.Select(h => new TableColumn(h).RightAligned().NoWrap()).ToArray())
            .AddColumns("first input at t", "depth at t = 1..T");
        foreach (var a in ledger.Areas)
            areas.AddRow(e(a.Name), a.Level.ToString(CultureInfo.InvariantCulture), e(a.Kind), e(a.Shape.ToString()), N(a.Neurons), N(a.Synapses),
                N(a.MacsPerStep), a.FirstInputStep?.ToString(CultureInfo.InvariantCulture) ?? "never", Steps(a.DepthPerStep));
        console.Write(areas);

        var computes = new Table().AddColumns("area", "computes");
        foreach (var a in ledger.Areas) computes.AddRow(e(a.Name), e($"{a.Kind}: {a.Describe}"));
        console.Write(computes);

        var projections = new Table().AddColumns("projection", "type", "mode", "connectivity", "delay")
            .AddColumns(new[] { "weights", "copies", "synapses", "MACs/step" }.Select(h => new TableColumn(h).RightAligned().NoWrap()).ToArray())
            .AddColumn("active at t");
        foreach (var p in ledger.Projections)
            projections.AddRow(e(p.Name), e(p.Type.ToString().ToLowerInvariant()), e($"{p.ModeSymbol} {p.Mode}".Trim()), e(p.Connectivity),
                p.Delay.ToString(CultureInfo.InvariantCulture), N(p.WeightsPerCopy), p.Copies.ToString(CultureInfo.InvariantCulture), N(p.Synapses),
                N(p.MacsPerStep), Ranges(p.ActiveSteps));
        console.Write(projections);

        var readouts = new Table().AddColumns("readout", "reads", "computes", "at t").AddColumn(new TableColumn("parameters").RightAligned());
        foreach (var r in ledger.Readouts)
            readouts.AddRow(e(r.Name), e(r.From), e(r.Describe), Ranges(r.Steps), N(r.Parameters));
        console.Write(readouts);

        var summary = new Table().HideHeaders().AddColumns("quantity", "value");
        summary.AddRow("neurons", N(ledger.Neurons));
        summary.AddRow("synapses (unique trainable synaptic weights: projections' and areas' own)", N(ledger.Synapses));
        summary.AddRow("synapses of the untied twin of equal depth", N(ledger.UntiedTwinSynapses));
        summary.AddRow("other parameters (biases, norm, τ, initial states, readouts)", N(ledger.OtherParameters));
        summary.AddRow("synaptic operations per image at t = 1..T", string.Join(" ", ledger.SynapticOpsPerStep.Select(N)));
        summary.AddRow("synaptic operations per image", N(ledger.SynapticOpsPerImage));
        summary.AddRow("effective depth at t = 1..T", Steps(ledger.EffectiveDepth));
        summary.AddRow("backpropagation through time", e(memory.Storage!.ToString()));
        summary.AddRow(e($"memory estimate, batch {memory.Batch} (states + weights + gradients + optimiser)"),
            $"{memory.TotalBytes / 1048576.0:F1} MiB ({memory.StateBytes / 1048576.0:F1} + {memory.WeightBytes / 1048576.0:F1} + {memory.GradientBytes / 1048576.0:F1} + {memory.OptimiserBytes / 1048576.0:F1})");
        console.Write(summary);
    }

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    private static string Json(Ledger ledger, MemoryEstimate memory, int keepEvery, IReadOnlyList<ConfigMessage> warnings, string? picture) => JsonSerializer.Serialize(new
    {
        ledger.Network, ledger.Steps, ledger.Unroll, ledger.WeightTying,
        ledger.Neurons, ledger.UnrolledNeurons, ledger.Synapses, ledger.SynapsesPerCopy, ledger.UntiedTwinSynapses, ledger.OtherParameters, ledger.Parameters,
        ledger.SynapticOpsPerStep, ledger.SynapticOpsPerImage, ledger.EffectiveDepth,
        Areas = ledger.Areas.Select(a => new { a.Name, a.Level, a.Kind, Computes = a.Describe, Shape = a.Shape.Dimensions, a.Neurons, a.Synapses, a.MacsPerStep,
            a.FirstInputStep, a.DepthPerStep }),
        Projections = ledger.Projections.Select(p => new
        {
            p.Name, p.From, p.To, p.Type, p.Mode, p.Delay, p.Connectivity, p.WeightsPerCopy, p.Copies, p.Synapses, p.MacsPerStep, p.ActiveSteps,
        }),
        Readouts = ledger.Readouts.Select(r => new { r.Name, r.From, Computes = r.Describe, r.Classes, r.Steps, r.Parameters }),
        Memory = new
        {
            memory.Batch, memory.BytesPerValue, memory.StateBytes, memory.WeightBytes, memory.GradientBytes, memory.OptimiserBytes, memory.TotalBytes,
            BpttCheckpointEvery = memory.Storage!.Checkpointed ? keepEvery : 0, TimeStorage = memory.Storage.ToString(),
            FullStorageStateBytes = ledger.Memory(memory.Batch).StateBytes,
        },
        Warnings = warnings.Select(w => w.ToString()),
        Picture = picture,
    }, Options);
}
