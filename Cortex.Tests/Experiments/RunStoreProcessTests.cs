using System.Diagnostics;
using Cortex.Experiments.Experiments;
using Cortex.Tests.Datasets;

namespace Cortex.Tests.Experiments;

/// <summary>Several real processes on one store: the claims of <see cref="RunStore"/> hold between processes, and a killed claimant's run is taken over.</summary>
public sealed class RunStoreProcessTests
{
    private TinyData folder = null!;

    [SetUp]
    public void Create() => folder = new TinyData();

    [TearDown]
    public void Delete() => folder.Dispose();

    /// <summary>Starts the test assembly in a new process, running only <paramref name="test"/> of <see cref="ClaimantProcess"/>.</summary>
    private Process Start(string test, IReadOnlyDictionary<string, string> variables)
    {
        string assembly = typeof(ClaimantProcess).Assembly.Location;
        string host = Path.ChangeExtension(assembly, OperatingSystem.IsWindows() ? ".exe" : null);
        var start = File.Exists(host) ? new ProcessStartInfo(host) : new ProcessStartInfo("dotnet") { ArgumentList = { assembly } };
        start.ArgumentList.Add("--filter");
        start.ArgumentList.Add($"FullyQualifiedName={typeof(ClaimantProcess).FullName}.{test}");
        start.ArgumentList.Add("--results-directory");
        start.ArgumentList.Add(folder.PathOf("claimant-results"));
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("TESTINGPLATFORM_", StringComparison.Ordinal)).ToList()) start.Environment.Remove(name);
        foreach (var (name, value) in variables) start.Environment[name] = value;
        var process = Process.Start(start)!;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void WaitFor(string file, Process process, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!File.Exists(file))
        {
            Assert.That(process.HasExited, Is.False, $"{what} ended (exit code {(process.HasExited ? process.ExitCode : 0)}) before it was ready");
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"{what} was not ready within 60 s");
            Thread.Sleep(10);
        }
    }

    [Test]
    public void TwoProcessesNeverDoTheSameRun()
    {
        const int runs = 30;
        string storePath = folder.PathOf("store"), go = folder.PathOf("go");
        var claimants = new[] { "forwards", "backwards" }.Select(order => (Order: order, Process: Start(nameof(ClaimantProcess.WorkThroughSweep), new Dictionary<string, string>
        {
            [ClaimantProcess.StoreVariable] = storePath,
            [ClaimantProcess.RunsVariable] = runs.ToString(),
            [ClaimantProcess.OrderVariable] = order,
            [ClaimantProcess.ReadyVariable] = folder.PathOf($"ready-{order}"),
            [ClaimantProcess.GoVariable] = go,
            [ClaimantProcess.LogVariable] = folder.PathOf($"claimed-{order}"),
        }))).ToArray();
        try
        {
            foreach (var (order, process) in claimants) WaitFor(folder.PathOf($"ready-{order}"), process, $"the {order} claimant");
            File.WriteAllText(go, "");
            foreach (var (order, process) in claimants)
            {
                Assert.That(process.WaitForExit(TimeSpan.FromSeconds(60)), Is.True, $"the {order} claimant did not finish");
                Assert.That(process.ExitCode, Is.Zero, $"the {order} claimant failed");
            }
        }
        finally
        {
            foreach (var (_, process) in claimants)
                if (!process.HasExited) process.Kill();
        }

        var claimed = claimants.Select(c => File.ReadAllLines(folder.PathOf($"claimed-{c.Order}")).Select(int.Parse).ToArray()).ToArray();
        TestContext.Out.WriteLine($"forwards claimed {claimed[0].Length} runs, backwards {claimed[1].Length}");
        Assert.That(claimed[0].Intersect(claimed[1]), Is.Empty, "a run was claimed by both processes");
        Assert.That(claimed[0].Concat(claimed[1]).Order(), Is.EqualTo(Enumerable.Range(0, runs)), "every run was done");
        Assert.That(claimed.Select(c => c.Length), Has.All.GreaterThan(0), "both processes worked on the sweep at the same time");
        var store = RunStore.Open(storePath);
        var sweep = store.Sweep(Enumerable.Range(0, runs).Select(i => RunKey.Of(ClaimantProcess.Description(i))));
        Assert.That(sweep.IsComplete, Is.True, sweep.ToString());
        for (int c = 0; c < 2; c++)
            foreach (int i in claimed[c])
                Assert.That(sweep.Runs[i].Done!.ProcessId, Is.EqualTo(claimants[c].Process.Id), $"run {i} was finished by the process that claimed it");
    }

    [Test]
    public void AKilledClaimantsRunIsTakenOverWithItsCheckpoint()
    {
        string storePath = folder.PathOf("store"), ready = folder.PathOf("ready");
        var holder = Start(nameof(ClaimantProcess.HoldClaim), new Dictionary<string, string>
        {
            [ClaimantProcess.StoreVariable] = storePath,
            [ClaimantProcess.ReadyVariable] = ready,
        });
        var store = RunStore.Open(storePath);
        var key = RunKey.Of(ClaimantProcess.Description(0));
        try
        {
            WaitFor(ready, holder, "the claimant");
            var busy = store.TryClaim(ClaimantProcess.Description(0), RetryPolicy.Always);
            Assert.That((busy.Claimed, busy.Status.State), Is.EqualTo((false, RunState.Running)));
            Assert.That(busy.Status.Claimant!.ProcessId, Is.EqualTo(holder.Id));
        }
        finally
        {
            holder.Kill();   // SIGKILL on Unix: no chance to release anything
            holder.WaitForExit();
        }
        Assert.That(store.Status(key).State, Is.EqualTo(RunState.Interrupted));
        var attempt = store.TryClaim(ClaimantProcess.Description(0), RetryPolicy.Never);
        using var claim = attempt.Claim!;
        Assert.That(claim.TookOverStaleClaim, Is.True);
        Assert.That(claim.Before.Claimant!.ProcessId, Is.EqualTo(holder.Id));
        Assert.That(claim.HasCheckpoint, Is.True);
        Assert.That(File.ReadAllText(claim.CheckpointPath), Is.EqualTo("weights after 100 batches"));
    }
}
