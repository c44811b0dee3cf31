using Cortex.Core.Backends;

namespace Cortex.Tests.Backends;

/// <summary>The CPU backend's own worker threads (CpuBackend.For over CpuWorkers): every iteration once, errors and nesting.</summary>
public sealed class CpuWorkersTests
{
    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(7)]
    [TestCase(1000)]
    public void EveryIterationRunsExactlyOnce(int count)
    {
        using var cpu = new CpuBackend<float>(threads: 3);
        var hits = new int[count];
        for (int round = 0; round < 50; round++)
            cpu.For(count, i => Interlocked.Increment(ref hits[i]));
        Assert.That(hits, Is.All.EqualTo(50));
    }

    [Test]
    public void TheWorkersRunIterationsAtTheSameTimeAsTheCaller()
    {
        using var cpu = new CpuBackend<float>(threads: 2);
        using var started = new ManualResetEventSlim();
        var threads = new int[2];
        bool together = false;
        cpu.For(2, i =>
        {
            // Run one after the other on one thread, iteration 0 would wait out the timeout.
            threads[i] = Environment.CurrentManagedThreadId;
            if (i == 1) started.Set();
            else together = started.Wait(TimeSpan.FromSeconds(5));
        });
        Assert.That(together, Is.True, "iteration 0 never saw iteration 1 running beside it");
        Assert.That(threads[0], Is.Not.EqualTo(threads[1]));
    }

    [Test]
    public void ManyQuickCallsAndSleepingWorkersLoseNothing()
    {
        // Back-to-back calls hand work to a watching worker; the pauses make it block and be woken again.
        using var cpu = new CpuBackend<float>(threads: 2);
        long total = 0;
        for (int call = 0; call < 20_000; call++)
        {
            cpu.For(2, i => Interlocked.Add(ref total, i + 1));
            if (call % 2_000 == 0) Thread.Sleep(2);
        }
        Assert.That(total, Is.EqualTo(3L * 20_000));
    }

    [Test]
    public void AnIterationsExceptionReachesTheCallerAfterTheOthersRan()
    {
        using var cpu = new CpuBackend<float>(threads: 2);
        int ran = 0;
        var e = Assert.Throws<InvalidOperationException>(() => cpu.For(8, i =>
        {
            Interlocked.Increment(ref ran);
            if (i == 3) throw new InvalidOperationException("iteration 3");
        }));
        Assert.That(e!.Message, Is.EqualTo("iteration 3"));
        Assert.That(ran, Is.EqualTo(8));
        long total = 0;
        cpu.For(4, i => Interlocked.Add(ref total, i));
        Assert.That(total, Is.EqualTo(6), "the backend still works after a failed call");
        ran = 0;
        Assert.Throws<InvalidOperationException>(() => cpu.For(2, _ => cpu.For(5, j =>
        {
            Interlocked.Increment(ref ran);
            if (j == 0) throw new InvalidOperationException("nested");
        })));
        Assert.That(ran, Is.EqualTo(10), "a nested call, run on the calling thread, also finishes every iteration first");
    }

    [Test]
    public void NestedAndConcurrentCallsRunOnTheCallingThread()
    {
        using var cpu = new CpuBackend<float>(threads: 2);
        long nested = 0;
        cpu.For(4, i => cpu.For(3, j => Interlocked.Increment(ref nested)));
        Assert.That(nested, Is.EqualTo(12));
        long a = 0, b = 0;
        var other = new Thread(() => { for (int k = 0; k < 2_000; k++) cpu.For(3, i => Interlocked.Increment(ref b)); });
        other.Start();
        for (int k = 0; k < 2_000; k++) cpu.For(3, i => Interlocked.Increment(ref a));
        other.Join();
        Assert.That((a, b), Is.EqualTo((6_000L, 6_000L)));
    }
}
