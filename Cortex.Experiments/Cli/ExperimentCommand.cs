using System.CommandLine;
using System.CommandLine.Parsing;
using System.Diagnostics;
using System.Reflection;
using Cortex.Connectivity.Validation;
using Cortex.Core.Backends;
using Cortex.Experiments.Distributed;
using Cortex.Experiments.Experiments;
using Cortex.Experiments.Experiments.Definition;
using Cortex.Experiments.Experiments.Planning;
using Cortex.Experiments.Experiments.Running;
using Cortex.Experiments.Reports;
using Spectre.Console;

namespace Cortex.Experiments.Cli;

/// <summary>
/// <c>cortex experiment run|status|report FILE</c>: an experiment file's sweep of trainings and evaluations, kept in a run
/// store (docs/experiments.md, "Experiment files"). <c>run</c> trains and evaluates what is not done yet — resuming
/// interrupted runs, never redoing finished ones, several processes at once with <c>--workers</c> or over MPI ranks and
/// Slurm array tasks — then writes the report when every run is done; <c>status</c> says where each run stands;
/// <c>report</c> writes summary.json, report.md, CSV files and figures from the finished runs.
/// </summary>
internal static class ExperimentCommand
{
    /// <summary>The default run store: shared by every experiment, so a run that two experiments share is trained once.</summary>
    public const string DefaultStore = "runs/experiments";

    /// <summary>The <c>experiment</c> command and its three subcommands.</summary>
    public static Command Create()
    {
        var command = new Command("experiment", "Run, follow and report an experiment: networks × conditions × seeds, trained and tested, with statistics");
        command.Subcommands.Add(RunCommand());
        command.Subcommands.Add(StatusCommand());
        command.Subcommands.Add(ReportCommand());
        return command;
    }

    private static Argument<FileInfo> FileArgument() => new("experiment") { Description = "the experiment file (YAML, e.g. configs/experiments/loss-placement.yaml)" };

    private static Option<string> StoreOption() => new("--store") { Description = "the run store (a folder of runs, shared by experiments)", DefaultValueFactory = _ => DefaultStore };

    private static Command RunCommand()
    {
        var file = FileArgument();
        var store = StoreOption();
        var device = CortexCommandLine.DeviceOption();
        var workers = new Option<int>("--workers") { Description = "processes working through the sweep at once on this machine (each with its share of the cores)", DefaultValueFactory = _ => 1 };
        var threads = new Option<int?>("--threads") { Description = "CPU threads of this process (default: all cores, or the cores divided among --workers)" };
        var noRetry = new Option<bool>("--no-retry") { Description = "leave failed runs failed (default: retry failures recorded before this command started, once)" };
        var maxTrainings = new Option<int?>("--max-trainings") { Description = "stop after this many trainings (to work through a long sweep in parts)" };
        var report = new Option<string?>("--report") { Description = "where the report goes when the sweep is complete (default: <store>/reports/<experiment name>)" };
        var taskId = new Option<int?>(SweepShare.TaskIdFlag) { Description = "this task's index in a Slurm job array (default: SLURM_ARRAY_TASK_ID)" };
        var tasks = new Option<int?>(SweepShare.TasksFlag) { Description = "the number of tasks the sweep is shared among (default: from the Slurm array)" };
        var worker = new Option<bool>("--worker") { Description = "run as one of the processes of --workers (no report)", Hidden = true };
        var command = new Command("run", "Train and test every run of an experiment that is not done yet, then write its report")
        {
            file, store, device, workers, threads, noRetry, maxTrainings, report, taskId, tasks, worker,
        };
        command.SetAction(r =>
        {
            var started = DateTimeOffset.UtcNow;
            var (definition, plan) = Plan(r.GetValue(file)!);
            var runStore = OpenStore(r.GetValue(store)!);
            int count = OptionValues.Positive(r.GetValue(workers), "--workers", 64);
            if (r.GetValue(threads) is { } t) OptionValues.Positive(t, "--threads", 1024);
            if (r.GetValue(maxTrainings) is { } m) OptionValues.Positive(m, "--max-trainings");
            Console.WriteLine($"{definition.Name}: {plan.Arms.Count} arms, {plan.Runs.Count} trainings ({Count(plan.Pairs.Count, "trained (network, condition) pair")} × " +
                $"{Count(definition.Seeds.Count, "seed")}), {plan.Evaluations.Count} evaluations; store {runStore.Root}");
            Console.WriteLine($"{plan.DataSource}; train {plan.Train.Name} ({plan.Train.Count} images), test {plan.Test.Name} ({plan.Test.Count} images)");
            var retry = r.GetValue(noRetry) ? RetryPolicy.Never : RetryPolicy.FailuresBefore(started);

            int code;
            if (count > 1 && !r.GetValue(worker))
            {
                if (OptionValues.Given(r, taskId) || OptionValues.Given(r, tasks))
                    throw new UserError($"--workers shares one machine's sweep among processes; {SweepShare.TaskIdFlag}/{SweepShare.TasksFlag} share it among array tasks: give one or the other");
                code = RunWorkers(count, r.GetValue(threads), r.Tokens.Where(token => token.Type != TokenType.Command).Select(token => token.Value).ToArray());
            }
            else
            {
                var mpi = MpiSession.Start();
                var share = SweepShare.Resolve(r.GetValue(taskId), r.GetValue(tasks), mpi, MpiLaunch.ProcessEnvironment());
                if (share.Count > 1) Console.WriteLine($"this process: {share}");
                var kind = CortexCommandLine.ResolveDevice(r.GetValue(device), Console.Out);
                int cores = r.GetValue(threads) ?? Math.Max(1, Environment.ProcessorCount / (mpi.IsMpi ? mpi.Launch.LocalRanks : 1));
                using var backend = Devices.Create<float>(kind, mpi.IsMpi ? mpi.Launch.LocalRank : 0, cores);
                Console.WriteLine($"backend: {backend.Description}");
                var runner = new ExperimentRunner(plan, runStore, backend, Console.Out)
                {
                    Share = share, Retry = retry, StopAfterTrainings = r.GetValue(maxTrainings),
                    LiveProgress = !Console.IsOutputRedirected && !r.GetValue(worker) && share.Count == 1,
                };
                var outcome = runner.Run();
                Console.WriteLine($"this process: {outcome.Trained} trained, {outcome.Evaluated} tested, {outcome.Failed} failed");
                if (mpi.IsMpi) mpi.Barrier();
                code = outcome.Failed > 0 ? ExitCodes.Incomplete : ExitCodes.Success;
                if (r.GetValue(worker) || !mpi.IsRoot) return code;
            }
            PrintStatus(plan, runStore);
            var missing = ExperimentResults.Missing(plan, runStore);
            if (missing.Count > 0)
            {
                Console.WriteLine($"not complete: {missing.Count} of {plan.Evaluations.Count} evaluations to go; run again to continue " +
                    $"(cortex experiment status {r.GetValue(file)!.FullName} says where each stands)");
                return code == ExitCodes.Success ? ExitCodes.Incomplete : code;
            }
            string folder = r.GetValue(report) ?? Path.Combine(runStore.Root, "reports", definition.Name);
            WriteReport(plan, runStore, "--report", folder, partial: false);
            return code;
        });
        return command;
    }

    private static Command StatusCommand()
    {
        var file = FileArgument();
        var store = StoreOption();
        var command = new Command("status", "Say where every training and evaluation of an experiment stands") { file, store };
        command.SetAction(r =>
        {
            var (_, plan) = Plan(r.GetValue(file)!);
            PrintStatus(plan, OpenStore(r.GetValue(store)!));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command ReportCommand()
    {
        var file = FileArgument();
        var store = StoreOption();
        var output = new Option<string?>("--out") { Description = "the report folder (default: <store>/reports/<experiment name>)" };
        var partial = new Option<bool>("--partial") { Description = "report what is done: each arm over its finished seeds (default: refuse until every run is done)" };
        var command = new Command("report", "Write an experiment's report from its finished runs: summary.json, report.md, CSV files and figures") { file, store, output, partial };
        command.SetAction(r =>
        {
            var (definition, plan) = Plan(r.GetValue(file)!);
            var runStore = OpenStore(r.GetValue(store)!);
            string folder = r.GetValue(output) ?? Path.Combine(runStore.Root, "reports", definition.Name);
            WriteReport(plan, runStore, "--out", folder, r.GetValue(partial));
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Reads and plans an experiment file; every mistake becomes one user error listing all of them at their keys.</summary>
    public static (ExperimentDefinition Definition, ExperimentPlan Plan) Plan(FileInfo file)
    {
        try
        {
            var definition = ExperimentReader.Load(file.FullName);
            var (train, test, source) = ExperimentPlan.LoadData(definition);
            return (definition, ExperimentPlan.Create(definition, train, test, source.ToString()));
        }
        catch (ConfigErrors e)
        {
            throw new UserError($"{file.Name}: {e.Errors.Count} error{(e.Errors.Count == 1 ? "" : "s")}" + Environment.NewLine +
                string.Join(Environment.NewLine, e.Errors.Concat(e.Warnings)));
        }
    }

    private static RunStore OpenStore(string root)
    {
        try
        {
            return RunStore.Open(root);
        }
        catch (Exception e) when (e is RunStoreError or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new UserError($"--store {root}: {e.Message}");
        }
    }

    private static string Count(int n, string what) => $"{n} {what}{(n == 1 ? "" : "s")}";

    /// <summary>Creates the report folder (and its parents) or says why it cannot be; returns its full path.</summary>
    private static string ReportFolder(string option, string folder)
    {
        try
        {
            string full = Path.GetFullPath(folder);
            if (File.Exists(full)) throw new UserError($"{option} {full}: is a file; give a folder");
            Directory.CreateDirectory(full);
            return full;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new UserError($"{option} {folder}: the folder cannot be made ({e.Message})");
        }
    }

    private static void WriteReport(ExperimentPlan plan, RunStore store, string option, string folder, bool partial)
    {
        ExperimentSummary summary;
        try { summary = ExperimentResults.Summarise(plan, store, partial); }
        catch (InvalidOperationException e) { throw new UserError($"{plan.Definition.Name}: {e.Message}"); }
        folder = ReportFolder(option, folder);
        IReadOnlyList<string> written = [];
        OutputFile.Write(option, Path.Combine(folder, "summary.json"), _ =>
        {
            written = ExperimentReport.Write(folder, summary);
            File.WriteAllLines(Path.Combine(folder, "runs.csv"), ExperimentResults.RunLines(plan, store));
        });
        Console.WriteLine($"report: {Path.Combine(Path.GetFullPath(folder), "report.md")} ({written.Count + 1} files{(partial ? ", partial" : "")})");
    }

    /// <summary>Prints a table of every training and evaluation with its state, and the totals.</summary>
    public static void PrintStatus(ExperimentPlan plan, RunStore store)
    {
        var e = Markup.Escape;
        var table = new Table().Title(e($"{plan.Definition.Name}: runs in {store.Root}"))
            .AddColumns("run", "key", "training").AddColumns(plan.Definition.Tests.Select(t => e(t.Name)).ToArray());
        var states = new List<RunState>();
        foreach (var run in plan.Runs)
        {
            var status = store.Status(run.Key);
            states.Add(status.State);
            var row = new List<string> { e(run.Label), run.Key.Value, e(Describe(status)) };
            foreach (var test in plan.Definition.Tests)
            {
                var evaluation = plan.EvaluationsOf(run).FirstOrDefault(x => x.Test == test);
                if (evaluation is null) { row.Add("–"); continue; }
                var s = store.Status(evaluation.Key);
                states.Add(s.State);
                row.Add(e(Describe(s)));
            }
            table.AddRow(row.ToArray());
        }
        var console = CortexCommandLine.Out();
        console.Write(table);
        console.WriteLine(string.Join(", ", states.GroupBy(s => s).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}")));
    }

    private static string Describe(RunStatus status) => status.State switch
    {
        RunState.Running => $"running ({status.Claimant?.Host} pid {status.Claimant?.ProcessId})",
        RunState.Interrupted => status.HasCheckpoint ? "interrupted (checkpoint)" : "interrupted",
        RunState.Failed => $"failed: {status.Failure?.Message}",
        RunState.Corrupt => $"corrupt: {status.Problem}",
        RunState.Pending => status.HasCheckpoint ? "pending (checkpoint)" : "pending",
        _ => status.State.ToString().ToLowerInvariant(),
    };

    /// <summary>
    /// Starts <paramref name="count"/> processes of this command (with <c>--worker</c> and each its share of the cores),
    /// echoes their output with a prefix, and waits for all of them. The run store's claims keep them from doing any run twice.
    /// </summary>
    private static int RunWorkers(int count, int? threads, string[] arguments)
    {
        int each = threads ?? Math.Max(1, Environment.ProcessorCount / count);
        string process = Environment.ProcessPath ?? "dotnet";
        var prefix = new List<string>();
        var entry = Assembly.GetEntryAssembly();
        if (entry?.GetName().Name != "cortex")
            throw new UserError($"--workers starts more cortex processes, and this program is {entry?.GetName().Name ?? "unknown"}; run the cortex command, or several of them on one store");
        if (Path.GetFileNameWithoutExtension(process) == "dotnet" && entry.Location is { Length: > 0 } location) prefix.Add(location);
        var rest = new List<string>();
        for (int i = 0; i < arguments.Length; i++)
        {
            if (arguments[i] is "--workers" or "--threads") { i++; continue; }
            if (arguments[i].StartsWith("--workers=", StringComparison.Ordinal) || arguments[i].StartsWith("--threads=", StringComparison.Ordinal)) continue;
            rest.Add(arguments[i]);
        }
        Console.WriteLine($"starting {count} worker processes, {each} thread{(each == 1 ? "" : "s")} each");
        var children = new List<Process>();
        var output = new object();
        try
        {
            for (int k = 1; k <= count; k++)
            {
                var info = new ProcessStartInfo(process) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (var a in prefix.Concat(["experiment", "run"]).Concat(rest).Concat(["--worker", "--threads", each.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
                    info.ArgumentList.Add(a);
                var child = new Process { StartInfo = info };
                string label = $"[worker {k}] ";
                child.OutputDataReceived += (_, line) => { if (line.Data is { } text) lock (output) Console.WriteLine(label + text); };
                child.ErrorDataReceived += (_, line) => { if (line.Data is { } text) lock (output) Console.Error.WriteLine(label + text); };
                child.Start();
                child.BeginOutputReadLine();
                child.BeginErrorReadLine();
                children.Add(child);
            }
            foreach (var child in children) child.WaitForExit();
            return children.Max(c => c.ExitCode);
        }
        finally
        {
            foreach (var child in children) child.Dispose();
        }
    }
}
