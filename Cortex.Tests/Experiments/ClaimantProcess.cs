using Cortex.Experiments.Experiments;

namespace Cortex.Tests.Experiments;

/// <summary>
/// The other side of <see cref="RunStoreProcessTests"/>: each method is started in a separate process
/// (<c>Cortex.Tests --filter FullyQualifiedName=…</c>) with its instructions in environment variables. They are
/// explicit, so the suite itself never runs them.
/// </summary>
public sealed class ClaimantProcess
{
    /// <summary>The environment variables that carry the instructions.</summary>
    public const string StoreVariable = "CORTEX_CLAIMANT_STORE", RunsVariable = "CORTEX_CLAIMANT_RUNS", OrderVariable = "CORTEX_CLAIMANT_ORDER",
        ReadyVariable = "CORTEX_CLAIMANT_READY", GoVariable = "CORTEX_CLAIMANT_GO", LogVariable = "CORTEX_CLAIMANT_LOG";

    /// <summary>The description of run <paramref name="i"/> of the shared sweep.</summary>
    public static string Description(int i) => $"network: b.yaml\nseed: {i}\n";

    /// <summary>Says it is ready, waits for the go file, then works through the sweep (forwards or backwards), logging the runs it claimed.</summary>
    [Test, Explicit("started as a separate process by RunStoreProcessTests")]
    public void WorkThroughSweep()
    {
        var store = RunStore.Open(Variable(StoreVariable));
        int runs = int.Parse(Variable(RunsVariable));
        bool backwards = Variable(OrderVariable) == "backwards";
        File.WriteAllText(Variable(ReadyVariable), "");
        string go = Variable(GoVariable);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!File.Exists(go))
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "no go signal");
            Thread.Sleep(2);
        }
        var claimed = new List<int>();
        for (int k = 0; k < runs; k++)
        {
            int i = backwards ? runs - 1 - k : k;
            using var claim = store.TryClaim(Description(i), RetryPolicy.Never).Claim;
            if (claim is null) continue;
            claimed.Add(i);
            File.WriteAllText(claim.PathOf("result.txt"), $"{Environment.ProcessId}");
            Thread.Sleep(20);
            claim.Complete(["result.txt"]);
        }
        File.WriteAllLines(Variable(LogVariable), claimed.Select(i => i.ToString()));
    }

    /// <summary>Claims run 0, writes a checkpoint, says it is ready, and holds the claim until it is killed.</summary>
    [Test, Explicit("started as a separate process by RunStoreProcessTests")]
    public void HoldClaim()
    {
        var store = RunStore.Open(Variable(StoreVariable));
        using var claim = store.TryClaim(Description(0), RetryPolicy.Never).Claim;
        Assert.That(claim, Is.Not.Null, "run 0 was not free");
        Directory.CreateDirectory(Path.GetDirectoryName(claim!.CheckpointPath)!);
        File.WriteAllText(claim.CheckpointPath, "weights after 100 batches");
        File.WriteAllText(Variable(ReadyVariable), "");
        Thread.Sleep(TimeSpan.FromSeconds(60));
    }

    private static string Variable(string name) =>
        Environment.GetEnvironmentVariable(name) ?? throw new InvalidOperationException($"{name} is not set: this test is started by RunStoreProcessTests");
}
