using System.CommandLine;
using System.Text.Json;
using Cortex.Core.Backends;
using Cortex.Experiments.Benchmarks;
using Cortex.Experiments.Distributed;
using Cortex.Experiments.Training;
using Spectre.Console;

namespace Cortex.Experiments.Cli;

/// <summary><c>cortex bench</c>: the sgemm rate, on the CPU the FMA peak, and the convolution passes of the reference network, in one run.</summary>
internal static class BenchCommand
{
    /// <summary>Bounds that keep a benchmark within a machine's memory and a sitting.</summary>
    private const int MaxBatch = 4096, MaxRepeats = 1000, MaxGemmSize = 16384;

    public static Command Create()
    {
        var device = CortexCommandLine.DeviceOption();
        var batch = new Option<int>("--batch") { Description = "images per batch for the convolutions", DefaultValueFactory = _ => 128 };
        var gemmSize = new Option<int>("--gemm-size") { Description = "n for the n×n×n sgemm that sets the machine's rate (default 1024 on CPU, 8192 on CUDA)" };
        var repeats = new Option<int>("--repeats") { Description = "timed repetitions per measurement (the best is reported)", DefaultValueFactory = _ => 5 };
        var output = new Option<FileInfo?>("--json") { Description = "also write the results as JSON to this file" };
        var precision = CortexCommandLine.PrecisionOption();
        var command = new Command("bench", "Measure sgemm, the CPU's FMA peak and convolution forward/backward GFLOP/s on the reference network's shapes")
        {
            device, batch, gemmSize, repeats, output, precision, CreateTrain(), CreateMemory(),
        };
        command.SetAction(result =>
        {
            int b = OptionValues.Positive(result.GetValue(batch), "--batch", MaxBatch), r = OptionValues.Positive(result.GetValue(repeats), "--repeats", MaxRepeats);
            int n = OptionValues.NonNegative(result.GetValue(gemmSize), "--gemm-size", MaxGemmSize);
            var precisionFlag = CortexCommandLine.ParsePrecision(result.GetValue(precision));
            var kind = CortexCommandLine.ResolveDevice(result.GetValue(device), Console.Out);
            if (result.GetValue(output) is { } target) OutputFile.Check("--json", target.FullName);
            if (n == 0) n = kind == DeviceKind.Cuda ? 8192 : 1024;
            using var backend = Devices.Create<float>(kind);
            Console.WriteLine($"backend: {backend.Description}");
            CortexCommandLine.ApplyPrecision(backend, precisionFlag, null, Console.Out);
            var report = ConvBenchmark.Run(backend, b, n, r, line => Console.WriteLine(line));
            Print(report);
            if (result.GetValue(output) is { } file)
            {
                OutputFile.Write("--json", file.FullName, path => File.WriteAllText(path, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true })));
                Console.WriteLine($"wrote {file.FullName}");
            }
            return 0;
        });
        return command;
    }

    /// <summary>
    /// <c>cortex bench train</c>: training throughput of a network (the reference BLT by default) at one or more batch
    /// sizes, optionally on a synthetic input of another shape (<see cref="SyntheticInput"/>).
    /// </summary>
    private static Command CreateTrain()
    {
        var device = CortexCommandLine.DeviceOption();
        var batch = new Option<string[]>("--batch")
        {
            Description = "images per batch; several sizes as 128,256,1024 or by repeating the option (one measurement each)",
            DefaultValueFactory = _ => ["128"],
        };
        var network = new Option<FileInfo?>("--network") { Description = "network file (default: configs/networks/blt.yaml)" };
        var input = new Option<string?>("--input")
        {
            Description = "a synthetic input shape CxHxW (e.g. 3x64x64): the network's input becomes it and every area's height and width scale with it",
        };
        var gemmSize = new Option<int>("--gemm-size") { Description = "n for the n×n×n sgemm (default 1024 on CPU, 8192 on CUDA)" };
        var repeats = new Option<int>("--repeats") { Description = "timed training steps (the best is reported)", DefaultValueFactory = _ => 5 };
        var output = new Option<FileInfo?>("--json") { Description = "also write the results as JSON to this file (a list, one entry per batch size)" };
        var precision = CortexCommandLine.PrecisionOption();
        var profile = new Option<bool>("--profile")
        {
            Description = "after the timed steps, time every area step, projection, readout, the loss and the update (synchronising the device after each; slower) and print the table"
        };
        var distributed = new Option<bool>(TrainCommand.Distributed)
        {
            Description = "data-parallel over the MPI ranks of mpiexec.mpich -n N: --batch is the global batch, split over the ranks; adds the all-reduce's time and bytes",
        };
        var (keepEvery, budget) = TrainCommand.BpttOptions();
        var command = new Command("train", "Measure training throughput (forward, backward, update) of a network and its GFLOP/s against sgemm and the CPU's FMA peak")
        {
            device, batch, network, input, gemmSize, repeats, output, precision, profile, distributed, keepEvery, budget,
        };
        command.SetAction(result =>
        {
            var mpi = result.GetValue(distributed) ? MpiSession.Start() : null;
            if (mpi is { IsRoot: false }) Console.SetOut(TextWriter.Null);
            var batches = BatchSizes(result.GetValue(batch) ?? ["128"]);
            int r = OptionValues.Positive(result.GetValue(repeats), "--repeats", MaxRepeats);
            int n = OptionValues.NonNegative(result.GetValue(gemmSize), "--gemm-size", MaxGemmSize);
            var precisionFlag = CortexCommandLine.ParsePrecision(result.GetValue(precision));
            var loaded = CortexCommandLine.LoadNetwork(result.GetValue(network) ?? ConfigFiles.Network("blt"));
            if (result.GetValue(input) is { } shapeText)
            {
                var (c, h, w) = OptionValues.Parse(() => SyntheticInput.Parse(shapeText), "--input");
                loaded = OptionValues.Parse(() => SyntheticInput.Resize(loaded, c, h, w), "--input");
            }
            var kind = CortexCommandLine.ResolveDevice(result.GetValue(device), Console.Out);
            if (result.GetValue(output) is { } target) OutputFile.Check("--json", target.FullName);
            if (n == 0) n = kind == DeviceKind.Cuda ? 8192 : 1024;
            if (mpi is { Size: > 1 } && batches.FirstOrDefault(b => b % mpi.Size != 0) is > 0 and var uneven)
                throw new UserError($"--batch {uneven}: {TrainCommand.Distributed} splits it evenly over the {mpi.Size} ranks; use a multiple of {mpi.Size}");
            using var backend = mpi is { IsMpi: true }
                ? Devices.Create<float>(kind, mpi.Launch.LocalRank, Math.Max(1, Environment.ProcessorCount / mpi.Launch.LocalRanks))
                : Devices.Create<float>(kind);
            Console.WriteLine($"backend: {backend.Description}");
            CortexCommandLine.ApplyPrecision(backend, precisionFlag, loaded.Spec.Precision, Console.Out);
            Console.WriteLine($"network: {loaded.Spec.Name}, input {loaded.Spec.Input.Shape}, {loaded.Ledger.SynapticOpsPerImage:N0} multiply–accumulates per image over {loaded.Spec.Time.Steps} steps");
            int every = OptionValues.NonNegative(result.GetValue(keepEvery), BpttStorage.EveryFlag);
            long? budgetBytes = TrainCommand.ParseBudget(result.GetValue(budget));
            var reports = new List<TrainBenchmark.Report>();
            foreach (int b in batches)
            {
                mpi?.Replicas?.ResetCounters();
                var (k, held) = OptionValues.Parse(() => BpttStorage.Choose(loaded.Ledger, b / (mpi?.Size ?? 1), every, budgetBytes),
                    budgetBytes is null ? BpttStorage.EveryFlag : BpttStorage.BudgetFlag);
                Console.WriteLine(held);
                var report = TrainBenchmark.Run(loaded, backend, b, r, n, line => Console.WriteLine(line), result.GetValue(profile), mpi?.Replicas, k);
                reports.Add(report);
                Print(report, n);
                if (mpi?.Replicas is { } replicas) PrintDataParallel(report, mpi, replicas, r + 2 + (result.GetValue(profile) ? r : 0));
            }
            if (reports.Count > 1) PrintSummary(reports);
            if (result.GetValue(output) is { } file)
            {
                OutputFile.Write("--json", file.FullName, path => File.WriteAllText(path, JsonSerializer.Serialize(reports, new JsonSerializerOptions { WriteIndented = true })));
                Console.WriteLine($"wrote {file.FullName}");
            }
            return 0;
        });
        return command;
    }

    /// <summary>
    /// <c>cortex bench memory</c>: the state arena's bytes, the process's working set and the training step's time against T, with
    /// every step stored and with checkpointing in time, for a network (v1-v2-v4-it unrolled biologically by default).
    /// </summary>
    private static Command CreateMemory()
    {
        var device = CortexCommandLine.DeviceOption();
        var network = new Option<FileInfo?>("--network") { Description = "network file (default: configs/networks/v1-v2-v4-it.yaml)" };
        var steps = new Option<string>("--steps") { Description = "the T to measure, comma-separated", DefaultValueFactory = _ => "4,8,16,32,64" };
        var unroll = new Option<string>("--unroll") { Description = "synchronous | biological | file (as the network file says)", DefaultValueFactory = _ => "biological" };
        var batch = new Option<int>("--batch") { Description = "images per batch", DefaultValueFactory = _ => 4 };
        var every = new Option<int>(BpttStorage.EveryFlag)
        {
            Description = "the steps between kept states of the checkpointed runs (0: at each T the k with the smallest estimate)",
            DefaultValueFactory = _ => 0,
        };
        var repeats = new Option<int>("--repeats") { Description = "timed training steps per measurement (the best is reported)", DefaultValueFactory = _ => 3 };
        var storage = new Option<string>("--storage")
        {
            Description = "both | every-step | kept: measure one setting only, so that the process's peak working set (printed at the end) is that setting's",
            DefaultValueFactory = _ => "both",
        };
        var output = new Option<FileInfo?>("--json") { Description = "also write the results as JSON to this file" };
        var precision = CortexCommandLine.PrecisionOption();
        var command = new Command("memory", "Measure peak state memory and training-step time against T, storing every step and with checkpointing in time")
        {
            device, network, steps, unroll, batch, every, repeats, storage, output, precision,
        };
        command.SetAction(result =>
        {
            int b = OptionValues.Positive(result.GetValue(batch), "--batch", MaxBatch), r = OptionValues.Positive(result.GetValue(repeats), "--repeats", MaxRepeats);
            int k = OptionValues.NonNegative(result.GetValue(every), BpttStorage.EveryFlag);
            var ts = OptionValues.Parse(() => MemoryBenchmark.ParseSteps(result.GetValue(steps)!), "--steps");
            string unrollWord = OptionValues.Choice(result.GetValue(unroll)!, "--unroll", ["synchronous", "biological", "file"]);
            bool? storedOnly = OptionValues.Choice(result.GetValue(storage)!, "--storage", ["both", "every-step", "kept"]) switch
            {
                "every-step" => true,
                "kept" => false,
                _ => null,
            };
            var precisionFlag = CortexCommandLine.ParsePrecision(result.GetValue(precision));
            var loaded = CortexCommandLine.LoadNetwork(result.GetValue(network) ?? ConfigFiles.Network("v1-v2-v4-it"));
            var kind = CortexCommandLine.ResolveDevice(result.GetValue(device), Console.Out);
            if (result.GetValue(output) is { } target) OutputFile.Check("--json", target.FullName);
            using var backend = Devices.Create<float>(kind);
            Console.WriteLine($"backend: {backend.Description}");
            CortexCommandLine.ApplyPrecision(backend, precisionFlag, loaded.Spec.Precision, Console.Out);
            var rows = new List<MemoryBenchmark.Row>();
            foreach (int t in ts)
            {
                var atT = OptionValues.Parse(() => MemoryBenchmark.WithTime(loaded, t, unrollWord), "--steps");
                rows.AddRange(MemoryBenchmark.Run(atT, backend, b, k, r, line => Console.WriteLine(line), storedOnly));
            }
            var table = new Table().Title(Markup.Escape($"{loaded.Spec.Name}, unroll {unrollWord}, batch {b}, on {backend.Description}"))
                .AddColumns("T", "states kept", "arena MiB", "estimate MiB", "heap MiB", "step ms", "arena vs every step", "time vs every step");
            foreach (var row in rows)
                table.AddRow($"{row.Steps}", row.KeepEvery == 0 ? "every step" : $"k = {row.KeepEvery}", $"{row.ArenaBytes / 1048576.0:F1}",
                    $"{row.EstimateBytes / 1048576.0:F1}", $"{row.HeapBytes / 1048576.0:F1}", $"{row.StepMs:F1}", $"{row.ArenaRatio:F3}",
                    double.IsNaN(row.TimeRatio) ? "–" : $"{row.TimeRatio:F2}");
            CortexCommandLine.Out().Write(table);
            Console.WriteLine("arena: the bytes the state arena allocated (states, gradients of states, per-step values, kept states); estimate: the ledger's " +
                "training estimate (arena + weights + gradients + optimiser); heap: the managed heap after the step, compacted, the network alive " +
                "(on the CPU path tensors are managed arrays; on a GPU the arena is device memory)");
            using (var process = System.Diagnostics.Process.GetCurrentProcess())
                Console.WriteLine($"process peak working set over the whole run: {process.PeakWorkingSet64 / 1048576.0:F0} MiB" +
                    (storedOnly is null ? " (both settings; measure one with --storage every-step or --storage kept)" : ""));
            if (result.GetValue(output) is { } file)
            {
                OutputFile.Write("--json", file.FullName, path => File.WriteAllText(path, JsonSerializer.Serialize(rows, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals })));
                Console.WriteLine($"wrote {file.FullName}");
            }
            return 0;
        });
        return command;
    }

    /// <summary>The batch sizes of --batch: comma-separated, the option repeated, or both; each from 1 to <see cref="MaxBatch"/>.</summary>
    internal static IReadOnlyList<int> BatchSizes(IEnumerable<string> values)
    {
        var sizes = new List<int>();
        foreach (var value in values)
            foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (!int.TryParse(part, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int size))
                    throw new UserError($"--batch: expected whole numbers such as 128 or 128,256,1024, got '{part}'");
                sizes.Add(OptionValues.Positive(size, "--batch", MaxBatch));
            }
        if (sizes.Count == 0) throw new UserError("--batch: no batch size given");
        return sizes;
    }

    /// <summary>One batch size's table and lines; every line names the precision and how the steps ran.</summary>
    private static void Print(TrainBenchmark.Report report, int n)
    {
        var table = new Table().Title(Markup.Escape($"training {report.Network} {report.Input}, batch {report.Batch}, on {report.Device}, convolutions {report.Precision}"))
            .AddColumns("phase", "ms per batch", "images/s");
        table.AddRow("forward (T steps)", $"{report.ForwardMs:F1}", $"{report.Batch / report.ForwardMs * 1e3:F0}");
        table.AddRow("backward through time", $"{report.BackwardMs:F1}", $"{report.Batch / report.BackwardMs * 1e3:F0}");
        table.AddRow("update (AdamW)", $"{report.UpdateMs:F1}", $"{report.Batch / report.UpdateMs * 1e3:F0}");
        table.AddRow("phases together (eager, timed)", $"{report.ForwardMs + report.BackwardMs + report.UpdateMs:F1}",
            $"{report.Batch / (report.ForwardMs + report.BackwardMs + report.UpdateMs) * 1e3:F0}");
        table.AddRow("[bold]training step[/]", $"[bold]{report.StepMs:F1}[/]", $"[bold]{report.ImagesPerSecond:F0}[/]");
        CortexCommandLine.Out().Write(table);
        Console.WriteLine($"steps: {Markup.Escape(report.StepMode)}");
        Console.WriteLine($"synaptic operations: {report.MacsPerImage:N0} multiply–accumulates per image (forward, all steps); 6 FLOPs each for forward + backward");
        Console.WriteLine($"achieved: {report.GflopPerSecond:F1} GFLOP/s (convolutions {report.Precision}); sgemm {n}³ (strict fp32): {report.SgemmGflopPerSecond:F1} GFLOP/s " +
            $"sustained over a step's length (best of {report.Repeats} windows; best single product {report.SgemmPeakGflopPerSecond:F1})");
        Console.WriteLine($"training at {report.PercentOfSgemm:F0}% of the sgemm rate measured in this run ({report.PercentOfSgemmPeak:F0}% of the single-product peak)");
        if (report.FmaPeakGflopPerSecond is { } fma)
        {
            Console.WriteLine($"FMA peak: {fma:F1} GFLOP/s ({FmaPeak.Chains} chains of {FmaPeak.Instruction} on each of the backend's threads; best of {report.Repeats} windows of a step's length)");
            Console.WriteLine($"training at {report.PercentOfFmaPeak:F0}% of the FMA peak measured in this run");
        }
        if (report.Profile is { } rows) PrintProfile(report, rows);
    }

    /// <summary>
    /// Data-parallel: the gradient all-reduce of the best step, every sum of the run per step (gradients and batch
    /// statistics), and the transport alone on a buffer of the gradients' size with the ranks in step.
    /// </summary>
    private static void PrintDataParallel(TrainBenchmark.Report report, MpiSession mpi, MpiReplicas replicas, int steps)
    {
        Console.WriteLine($"data-parallel over {replicas.Count} ranks ({mpi.LibraryVersion}), {report.Batch / replicas.Count} images per rank: " +
            $"gradient all-reduce {report.AllReduceMs:F2} ms for {report.AllReduceBytes:N0} bytes in the best step; all sums together " +
            $"(gradients and batch statistics) {replicas.Calls / (double)steps:F0} calls, {replicas.Bytes / (double)steps:N0} bytes and " +
            $"{replicas.Elapsed.TotalMilliseconds / steps:F2} ms per step on average (waiting for the slower rank included)");
        // The transport alone: the ranks in step (a barrier first), the gradient buffer's size, 20 times.
        var buffer = new float[report.AllReduceBytes / sizeof(float)];
        mpi.Barrier();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int k = 0; k < 20; k++) replicas.Sum(buffer);
        Console.WriteLine($"all-reduce of {report.AllReduceBytes:N0} bytes with the ranks in step: {clock.Elapsed.TotalMilliseconds / 20:F3} ms (mean of 20)");
    }

    /// <summary>One line per batch size, for runs over several.</summary>
    private static void PrintSummary(IReadOnlyList<TrainBenchmark.Report> reports)
    {
        var first = reports[0];
        var table = new Table().Title(Markup.Escape($"training {first.Network} {first.Input} on {first.Device}, convolutions {first.Precision}"))
            .AddColumns("batch", "step ms", "images/s", "GFLOP/s", "% of sgemm");
        bool fma = reports.All(r => r.FmaPeakGflopPerSecond is not null);
        if (fma) table.AddColumns("FMA peak GFLOP/s", "% of FMA peak");
        foreach (var r in reports)
        {
            string[] cells = [$"{r.Batch}", $"{r.StepMs:F1}", $"{r.ImagesPerSecond:F0}", $"{r.GflopPerSecond:F1}", $"{r.PercentOfSgemm:F0}%"];
            table.AddRow(fma ? [.. cells, $"{r.FmaPeakGflopPerSecond:F1}", $"{r.PercentOfFmaPeak:F0}%"] : cells);
        }
        CortexCommandLine.Out().Write(table);
    }

    /// <summary>The profile table: one row per operation (forward and backward ms per training step, share of the profiled step), the largest first.</summary>
    private static void PrintProfile(TrainBenchmark.Report report, IReadOnlyList<TrainBenchmark.ProfileRow> rows)
    {
        double step = report.ProfiledStepMs, sum = rows.Sum(r => r.ForwardMs + r.BackwardMs);
        var table = new Table().Title($"profile of one training step (batch {report.Batch}; device synchronised after each operation)")
            .AddColumns("family", "operation", "forward ms", "backward ms", "share of step");
        foreach (var row in rows.OrderByDescending(r => r.ForwardMs + r.BackwardMs))
            table.AddRow(row.Family, Markup.Escape(row.Name), $"{row.ForwardMs:F2}", $"{row.BackwardMs:F2}", $"{100 * (row.ForwardMs + row.BackwardMs) / step:F1}%");
        table.AddEmptyRow();
        table.AddRow("[bold]all[/]", "", $"[bold]{rows.Sum(r => r.ForwardMs):F2}[/]", $"[bold]{rows.Sum(r => r.BackwardMs):F2}[/]", $"[bold]{100 * sum / step:F1}%[/]");
        CortexCommandLine.Out().Write(table);
        Console.WriteLine($"profiled step: {step:F2} ms (unprofiled: {report.ForwardMs + report.BackwardMs + report.UpdateMs:F2} ms); the rows cover {100 * sum / step:F0}% of it");
    }

    private static void Print(ConvBenchmark.Report report)
    {
        double? fma = report.FmaPeakGflopPerSecond;
        var table = new Table().Title(Markup.Escape($"convolutions, batch {report.Batch}, 3×3, on {report.Device}, {report.Precision}"))
            .AddColumns("layer", "channels", "size", "pass", "GFLOP", "ms", "GFLOP/s", "% sgemm");
        if (fma is not null) table.AddColumn("% FMA peak");
        void Add(params string[] cells) => table.AddRow(fma is null ? cells[..^1] : cells);
        foreach (var row in report.Rows)
            Add(row.Layer, row.Channels, row.Size, row.Pass, $"{row.Gflop:F2}", $"{row.Milliseconds:F2}", $"{row.GflopPerSecond:F1}", $"{row.PercentOfSgemm:F0}%", $"{row.PercentOfFmaPeak:F0}%");
        table.AddEmptyRow();
        Add("all", "", "", "forward", "", "", $"{report.ForwardGflopPerSecond:F1}", $"{100 * report.ForwardGflopPerSecond / report.SgemmGflopPerSecond:F0}%",
            $"{100 * report.ForwardGflopPerSecond / fma:F0}%");
        Add("all", "", "", "backward", "", "", $"{report.BackwardGflopPerSecond:F1}", $"{100 * report.BackwardGflopPerSecond / report.SgemmGflopPerSecond:F0}%",
            $"{100 * report.BackwardGflopPerSecond / fma:F0}%");
        Add("[bold]all[/]", "", "", "[bold]fwd + bwd[/]", $"{report.TotalGflop:F2}", $"{report.TotalMilliseconds:F1}",
            $"[bold]{report.TotalGflopPerSecond:F1}[/]", $"[bold]{report.PercentOfSgemm:F0}%[/]", $"[bold]{report.PercentOfFmaPeak:F0}%[/]");
        CortexCommandLine.Out().Write(table);
        Console.WriteLine($"sgemm {report.GemmSize}³: {report.SgemmGflopPerSecond:F1} GFLOP/s (best of {report.SgemmSampleCount} samples taken before and between the layers)");
        if (fma is not null)
            Console.WriteLine($"FMA peak: {fma:F1} GFLOP/s ({FmaPeak.Chains} chains of {FmaPeak.Instruction} on each of the backend's threads; " +
                $"best of {report.FmaSampleCount} windows of {ConvBenchmark.FmaWindowMilliseconds:F0} ms taken with the sgemm samples)");
        Console.WriteLine($"convolution forward + backward ({report.Precision}): {report.TotalGflopPerSecond:F1} GFLOP/s = {report.PercentOfSgemm:F0}% of the (strict fp32) sgemm rate" +
            (fma is null ? "" : $", {report.PercentOfFmaPeak:F0}% of the FMA peak") + " measured in this run");
    }
}
