using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cortex.Experiments.Experiments;
using Cortex.Tests.Datasets;

namespace Cortex.Tests.Experiments;

public sealed class RunStoreTests
{
    private TinyData folder = null!;
    private RunStore store = null!;

    [SetUp]
    public void Create()
    {
        folder = new TinyData();
        store = RunStore.Open(folder.PathOf("store"));
    }

    [TearDown]
    public void Delete() => folder.Dispose();

    private const string Blt = "network: blt.yaml\nloss: every-step\ncondition: occlusion 0.4\nseed: 3\n";

    [Test]
    public void KeyIsTheShortenedSha256OfTheDescription()
    {
        string hex = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Blt)));
        Assert.That(RunKey.Of(Blt).Value, Is.EqualTo(hex[..16]));
        Assert.That(RunKey.Sha256(Blt), Is.EqualTo(hex));
        Assert.That(RunKey.Of(Blt.Replace("seed: 3", "seed: 4")), Is.Not.EqualTo(RunKey.Of(Blt)));
        Assert.That(RunKey.Parse(hex[..16]), Is.EqualTo(RunKey.Of(Blt)));
        Assert.Throws<FormatException>(() => RunKey.Parse("../etc"));
        Assert.Throws<ArgumentException>(() => RunKey.Of(""));
    }

    [Test]
    public void AClaimCreatesTheFolderWithItsDescription()
    {
        var attempt = store.TryClaim(Blt, RetryPolicy.Never);
        using var claim = attempt.Claim!;
        Assert.That(attempt.Claimed, Is.True);
        Assert.That(attempt.Status.State, Is.EqualTo(RunState.Pending));
        Assert.That(claim.Folder, Is.EqualTo(Path.Combine(store.Root, RunKey.Of(Blt).Value)));
        Assert.That((claim.Attempt, claim.TookOverStaleClaim, claim.HasCheckpoint, claim.IsHeld), Is.EqualTo((1, false, false, true)));
        using var run = JsonDocument.Parse(File.ReadAllText(claim.PathOf("run.json")));
        Assert.That(run.RootElement.GetProperty("description").GetString(), Is.EqualTo(Blt));
        Assert.That(run.RootElement.GetProperty("key").GetString(), Is.EqualTo(claim.Key.Value));
        Assert.That(run.RootElement.GetProperty("sha256").GetString(), Is.EqualTo(RunKey.Sha256(Blt)));
        using var claimant = JsonDocument.Parse(File.ReadAllText(claim.PathOf("claim.json")));
        Assert.That(claimant.RootElement.GetProperty("processId").GetInt32(), Is.EqualTo(Environment.ProcessId));
        Assert.That(claimant.RootElement.GetProperty("host").GetString(), Is.EqualTo(Environment.MachineName));
    }

    [Test]
    public void AHeldRunIsNotHandedOutAgain()
    {
        using var claim = store.TryClaim(Blt, RetryPolicy.Never).Claim!;
        var second = store.TryClaim(Blt, RetryPolicy.Always);
        Assert.That(second.Claimed, Is.False);
        Assert.That(second.Status.State, Is.EqualTo(RunState.Running));
        Assert.That(second.Status.Claimant!.ProcessId, Is.EqualTo(Environment.ProcessId));
        Assert.That(store.Status(claim.Key).State, Is.EqualTo(RunState.Running), "looking at a held run does not disturb it");
        Assert.That(store.Status(claim.Key).ToString(), Does.Contain("running").And.Contain($"pid {Environment.ProcessId}"));
    }

    [Test]
    public void ADoneRunIsNeverHandedOutAgain()
    {
        var claim = store.TryClaim(Blt, RetryPolicy.Never).Claim!;
        File.WriteAllText(claim.PathOf("outcomes.bin"), "outcomes");
        Directory.CreateDirectory(claim.PathOf("plots"));
        File.WriteAllText(claim.PathOf("plots/accuracy.svg"), "<svg/>");
        claim.Complete(["outcomes.bin", "plots/accuracy.svg"]);
        Assert.That(claim.IsHeld, Is.False);
        Assert.That(File.Exists(claim.PathOf("claim.json")), Is.False);

        var status = store.Status(claim.Key);
        Assert.That(status.State, Is.EqualTo(RunState.Done));
        Assert.That(status.Done!.Files.Select(f => (f.Name, f.Bytes)), Is.EqualTo(new[] { ("outcomes.bin", 8L), ("plots/accuracy.svg", 6L) }));
        Assert.That(status.Done!.Files[0].Sha256, Is.EqualTo(Convert.ToHexStringLower(SHA256.HashData("outcomes"u8))));
        foreach (var retry in new[] { RetryPolicy.Never, RetryPolicy.Always })
        {
            var again = store.TryClaim(Blt, retry);
            Assert.That((again.Claimed, again.Status.State), Is.EqualTo((false, RunState.Done)));
        }
        Assert.Throws<InvalidOperationException>(() => claim.Complete([]));
        Assert.Throws<ArgumentException>(() => store.TryClaim("other run", RetryPolicy.Never).Claim!.Complete(["../outside.txt"]));
    }

    [Test]
    public void AReleasedRunIsPendingWithItsCheckpoint()
    {
        using (var claim = store.TryClaim(Blt, RetryPolicy.Never).Claim!)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(claim.CheckpointPath)!);
            File.WriteAllText(claim.CheckpointPath, "weights");
        }
        var key = RunKey.Of(Blt);
        var status = store.Status(key);
        Assert.That((status.State, status.HasCheckpoint), Is.EqualTo((RunState.Pending, true)));
        using var next = store.TryClaim(Blt, RetryPolicy.Never).Claim!;
        Assert.That((next.HasCheckpoint, next.TookOverStaleClaim, next.Attempt), Is.EqualTo((true, false, 1)));
    }

    [Test]
    public void AFailedRunIsRetriedOnlyAsThePolicySays()
    {
        var claim = store.TryClaim(Blt, RetryPolicy.Never).Claim!;
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        claim.Fail(new InvalidOperationException("loss is NaN at batch 12"));
        var key = RunKey.Of(Blt);
        var status = store.Status(key);
        Assert.That(status.State, Is.EqualTo(RunState.Failed));
        Assert.That(status.Failure!.Message, Is.EqualTo("loss is NaN at batch 12"));
        Assert.That(status.Failure!.Detail, Does.Contain("InvalidOperationException"));
        Assert.That(status.ToString(), Does.Contain("failed (attempt 1): loss is NaN"));

        Assert.That(store.TryClaim(Blt, RetryPolicy.Never).Status.State, Is.EqualTo(RunState.Failed));
        Assert.That(store.TryClaim(Blt, RetryPolicy.FailuresBefore(before)).Claimed, Is.False, "a failure recorded after the command started is not retried by it");
        var retry = store.TryClaim(Blt, RetryPolicy.FailuresBefore(DateTimeOffset.UtcNow.AddSeconds(1)));
        using var second = retry.Claim!;
        Assert.That(retry.Status.State, Is.EqualTo(RunState.Failed));
        Assert.That((second.Attempt, second.PreviousFailure!.Message), Is.EqualTo((2, "loss is NaN at batch 12")));
        Assert.That(File.Exists(second.PathOf("failed-1.json")), Is.True, "the earlier failure is kept");
        Assert.That(store.Status(key).State, Is.EqualTo(RunState.Running));
        second.Fail("out of memory");
        Assert.That(store.Status(key).Failure!.Attempt, Is.EqualTo(2));
    }

    [Test]
    public void AClaimLeftByADeadProcessIsTakenOver()
    {
        // A claim record of a process that no longer exists, and no lock held: what kill -9 leaves behind.
        string runFolder;
        using (var claim = store.TryClaim(Blt, RetryPolicy.Never).Claim!)
        {
            runFolder = claim.Folder;
            Directory.CreateDirectory(Path.GetDirectoryName(claim.CheckpointPath)!);
            File.WriteAllText(claim.CheckpointPath, "weights");
        }
        var dead = new Claimant(int.MaxValue - 1, "elsewhere", DateTimeOffset.UtcNow.AddHours(-2), 1);
        File.WriteAllText(Path.Combine(runFolder, "claim.json"), JsonSerializer.Serialize(dead, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));

        var key = RunKey.Of(Blt);
        var status = store.Status(key);
        Assert.That(status.State, Is.EqualTo(RunState.Interrupted));
        Assert.That(status.Claimant, Is.EqualTo(dead));
        Assert.That(status.ToString(), Does.Contain("interrupted").And.Contain("checkpoint to resume from"));

        var attempt = store.TryClaim(Blt, RetryPolicy.Never);
        using var taken = attempt.Claim!;
        Assert.That((taken.TookOverStaleClaim, taken.HasCheckpoint), Is.EqualTo((true, true)));
        Assert.That(taken.Before.Claimant, Is.EqualTo(dead));
        Assert.That(store.Status(key).Claimant!.ProcessId, Is.EqualTo(Environment.ProcessId));
    }

    [Test]
    public void AnUnreadableClaimRecordIsAStaleClaimOfUnknownOrigin()
    {
        using (store.TryClaim(Blt, RetryPolicy.Never).Claim!)
        {
        }
        File.WriteAllText(Path.Combine(store.FolderOf(RunKey.Of(Blt)), "claim.json"), "{\"processId\": 12");
        var status = store.Status(RunKey.Of(Blt));
        Assert.That((status.State, status.Claimant), Is.EqualTo((RunState.Interrupted, (Claimant?)null)));
        using var claim = store.TryClaim(Blt, RetryPolicy.Never).Claim!;
        Assert.That(claim.TookOverStaleClaim, Is.True);
    }

    [Test]
    public void ThreadsWorkingThroughOneSweepNeverShareARun()
    {
        string[] runs = Enumerable.Range(0, 24).Select(i => $"network: b.yaml\nseed: {i}\n").ToArray();
        var holders = new int[runs.Length];
        var claimedBy = new ConcurrentDictionary<int, int>();
        var overlaps = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var watcher = Task.Run(() =>
        {
            // Status probes take each free run's lock for an instant; claims must not mistake them for a claimant.
            while (!stop.IsCancellationRequested) store.Sweep(runs.Select(RunKey.Of));
        });
        using var start = new Barrier(6);
        var workers = Enumerable.Range(0, 6).Select(w => new Thread(() =>
        {
            start.SignalAndWait();
            for (int k = 0; k < runs.Length; k++)
            {
                int i = (k + 5 * w) % runs.Length;
                var attempt = store.TryClaim(runs[i], RetryPolicy.Never);
                if (attempt.Claim is not { } claim) continue;
                using (claim)
                {
                    if (Interlocked.Increment(ref holders[i]) != 1) overlaps.Add($"run {i}");
                    if (!claimedBy.TryAdd(i, w)) overlaps.Add($"run {i} claimed again by worker {w}");
                    Thread.Sleep(3);
                    Interlocked.Decrement(ref holders[i]);
                    claim.Complete([]);
                }
            }
        })).ToArray();
        foreach (var worker in workers) worker.Start();
        foreach (var worker in workers) worker.Join();
        stop.Cancel();
        watcher.Wait();
        Assert.That(overlaps, Is.Empty);
        Assert.That(claimedBy.Keys.Order(), Is.EqualTo(Enumerable.Range(0, runs.Length)), "every run was done once");
        var sweep = store.Sweep(runs.Select(RunKey.Of));
        Assert.That(sweep.IsComplete, Is.True, sweep.ToString());
        Assert.That(sweep.ToString(), Is.EqualTo("24 done"));
        TestContext.Out.WriteLine($"runs per worker: {string.Join(", ", claimedBy.GroupBy(p => p.Value).OrderBy(g => g.Key).Select(g => g.Count()))}");
    }

    [Test]
    public void SweepSaysWhichRunsAreDoneRunningFailedAndPending()
    {
        string[] runs = ["seed: 1", "seed: 2", "seed: 3", "seed: 4"];
        store.TryClaim(runs[0], RetryPolicy.Never).Claim!.Complete([]);
        using var running = store.TryClaim(runs[1], RetryPolicy.Never).Claim!;
        store.TryClaim(runs[2], RetryPolicy.Never).Claim!.Fail("diverged");
        var sweep = store.Sweep(runs.Select(RunKey.Of));
        Assert.That(sweep.Runs.Select(r => r.State), Is.EqualTo(new[] { RunState.Done, RunState.Running, RunState.Failed, RunState.Pending }));
        Assert.That(sweep.Runs.Select(r => r.Key), Is.EqualTo(runs.Select(RunKey.Of)));
        Assert.That(sweep.ToString(), Is.EqualTo("1 done, 1 running, 1 failed, 1 pending"));
        Assert.That(sweep.InState(RunState.Running).Single().Claimant!.ProcessId, Is.EqualTo(Environment.ProcessId));
        Assert.That(sweep.IsComplete, Is.False);
    }

    [Test]
    public void APartialFolderIsNotDone()
    {
        // Results and a checkpoint but no done marker (the process stopped before finishing): pending, resumable.
        string runFolder = store.FolderOf(RunKey.Of(Blt));
        Directory.CreateDirectory(runFolder);
        File.WriteAllText(Path.Combine(runFolder, "outcomes.bin"), "half");
        Directory.CreateDirectory(Path.Combine(runFolder, RunStore.TrainingFolderName));
        File.WriteAllText(RunStore.CheckpointOf(runFolder), "weights");
        Assert.That(store.Status(RunKey.Of(Blt)).State, Is.EqualTo(RunState.Pending));
        using var claim = store.TryClaim(Blt, RetryPolicy.Never).Claim!;
        Assert.That(claim.HasCheckpoint, Is.True);
    }

    [Test]
    public void AnUntrustworthyDoneMarkerIsCorruptNeverDoneAndNeverRedone()
    {
        var claim = store.TryClaim(Blt, RetryPolicy.Never).Claim!;
        File.WriteAllText(claim.PathOf("outcomes.bin"), "outcomes");
        claim.Complete(["outcomes.bin"]);
        var key = claim.Key;

        File.WriteAllText(claim.PathOf("outcomes.bin"), "outcomes, edited");
        var changed = store.Status(key);
        Assert.That(changed.State, Is.EqualTo(RunState.Corrupt));
        Assert.That(changed.Problem, Does.Contain(Path.Combine(claim.Folder, "done")).And.Contain("outcomes.bin with 8 bytes; it now has 16"));

        File.Delete(claim.PathOf("outcomes.bin"));
        Assert.That(store.Status(key).Problem, Does.Contain("outcomes.bin, which is missing"));

        File.WriteAllText(claim.PathOf("done"), "{ \"key\": ");
        var unreadable = store.TryClaim(Blt, RetryPolicy.Always);
        Assert.That((unreadable.Claimed, unreadable.Status.State), Is.EqualTo((false, RunState.Corrupt)));
        Assert.That(unreadable.Status.Problem, Does.Contain("done cannot be read"));
        Assert.That(unreadable.Status.ToString(), Does.StartWith($"{key} corrupt: "));

        File.WriteAllText(claim.PathOf("done"), "{}");
        Assert.That(store.Status(key).State, Is.EqualTo(RunState.Corrupt), "a marker missing its fields is not trusted");
    }

    [Test]
    public void AFolderOfAnotherRunIsRefused()
    {
        using (store.TryClaim(Blt, RetryPolicy.Never).Claim!)
        {
        }
        string runFile = Path.Combine(store.FolderOf(RunKey.Of(Blt)), "run.json");
        File.WriteAllText(runFile, File.ReadAllText(runFile).Replace("seed: 3", "seed: 9"));
        var message = Assert.Throws<RunStoreError>(() => store.TryClaim(Blt, RetryPolicy.Never))!.Message;
        Assert.That(message, Does.Contain("describes a different run").And.Contain("seed: 9").And.Contain(store.FolderOf(RunKey.Of(Blt))));
        Assert.That(store.Status(RunKey.Of(Blt)).State, Is.EqualTo(RunState.Pending), "the refused claim let the lock go");

        File.WriteAllText(runFile, "not json");
        var status = store.Status(RunKey.Of(Blt));
        Assert.That(status.State, Is.EqualTo(RunState.Corrupt));
        Assert.That(status.Problem, Does.StartWith($"{runFile} cannot be read: "));
        Assert.That(store.TryClaim(Blt, RetryPolicy.Always).Status.State, Is.EqualTo(RunState.Corrupt));
    }
}
