using System.Diagnostics;
using Cortex.Connectivity.Building;
using Cortex.Core.Backends;
using Cortex.Core.Simulation;
using Cortex.Experiments.Benchmarks;
using Cortex.Tests.Connectivity;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Simulation;

/// <summary>The simulator's optional profiler: it names every operation, its times cover the step, and it changes no result.</summary>
public sealed class ProfilerTests
{
    private const int Batch = 2;

    private static (float[] Logits, float[] Gradient) Step(Network<float> net, float[] images, Profiler? profiler)
    {
        net.Profiler = profiler;
        net.Forward(images, Batch, training: true);
        var loss = net.Loss([3, 1], default, NetworkHarness.Weights(0.25, 0.25, 0.25, 0.25));
        net.ZeroGradients();
        net.Backward(net.LossGradients);
        net.Profiler = null;
        return (Data.Cast<float>(Data.Read(net.Logits(net.Readouts[0].Name))), Data.Cast<float>(Data.Read(net.Parameters[0].Gradient)));
    }

    [Test]
    public void EveryAreaAndProjectionAppearsAndTheTimesCoverTheStep()
    {
        var backend = TestBackends.Get<float>(DeviceKind.Cpu);
        using var net = NetworkBuilder.Build(Networks.Config("blt"), backend, seed: 1);
        var images = Data.Cast<float>(Data.Random(Batch * 28 * 28, 5, 0, 1));
        Step(net, images, null); // warm-up: arena, JIT
        var profiler = new Profiler(backend.Synchronize);
        var clock = Stopwatch.StartNew();
        Step(net, images, profiler);
        double wall = clock.Elapsed.TotalMilliseconds;

        var areas = profiler.Entries.Where(e => e.Family == "area").Select(e => e.Name).ToArray();
        var projections = profiler.Entries.Where(e => e.Family == "projection").Select(e => e.Name).ToArray();
        Assert.That(areas, Is.EquivalentTo(net.AreaNames));
        Assert.That(projections, Is.EquivalentTo(net.Program.Projections.Select(p => p.Wiring.Name)));
        Assert.That(profiler.Entries.Where(e => e.Family == "readout").Select(e => e.Name), Is.EquivalentTo(net.Readouts.Select(r => r.Name)));
        foreach (var e in profiler.Entries.Where(e => e.Family is "area" or "readout"))
        {
            Assert.That(e.ForwardCalls, Is.GreaterThan(0), $"{e.Name} forward");
            Assert.That(e.BackwardCalls, Is.EqualTo(e.ForwardCalls), $"{e.Name}: one backward per forward");
        }
        Assert.That(profiler.Entries.Where(e => e.Family == "area").All(e => e.ForwardCalls == net.Steps), "an area steps once per time step");
        TestContext.Out.WriteLine($"profiled {profiler.TotalMs:F2} ms of a {wall:F2} ms step");
        Assert.That(profiler.TotalMs, Is.LessThanOrEqualTo(wall), "the timed intervals do not overlap");
        Assert.That(profiler.TotalMs, Is.GreaterThan(0.5 * wall), "the operations are most of the step (the rest: loss, host bookkeeping)");
    }

    [Test]
    public void ProfilingChangesNoResult()
    {
        var backend = TestBackends.Get<float>(DeviceKind.Cpu);
        var images = Data.Cast<float>(Data.Random(Batch * 28 * 28, 6, 0, 1));
        using var plain = NetworkBuilder.Build(Networks.Config("blt"), backend, seed: 2);
        using var profiled = NetworkBuilder.Build(Networks.Config("blt"), backend, seed: 2);
        var (logits, gradient) = Step(plain, images, null);
        var (profiledLogits, profiledGradient) = Step(profiled, images, new Profiler(backend.Synchronize));
        Assert.That(profiledLogits, Is.EqualTo(logits));
        Assert.That(profiledGradient, Is.EqualTo(gradient));
    }

    [Test]
    public void TrainBenchmarkReportsAProfile()
    {
        var backend = TestBackends.Get<float>(DeviceKind.Cpu);
        var report = TrainBenchmark.Run(Networks.Config("blt"), backend, batch: 1, repeats: 1, gemmSize: 32, _ => { }, profile: true);
        Assert.That(report.Profile, Is.Not.Null);
        var names = report.Profile!.Select(r => r.Name).ToHashSet();
        Assert.That(names, Does.Contain("V1").And.Contain("V2").And.Contain("AdamW"));
        double sum = report.Profile!.Sum(r => r.ForwardMs + r.BackwardMs);
        Assert.That(sum, Is.LessThanOrEqualTo(report.ProfiledStepMs * 1.0001));
        Assert.That(sum, Is.GreaterThan(0.5 * report.ProfiledStepMs));
        Assert.That(report.SgemmGflopPerSecond, Is.GreaterThan(0));
        Assert.That(report.SgemmPeakGflopPerSecond, Is.GreaterThan(0));
        Assert.That(report.PercentOfSgemm, Is.EqualTo(100 * report.GflopPerSecond / report.SgemmGflopPerSecond).Within(1e-9));
        Assert.That(report.FmaPeakGflopPerSecond, Is.GreaterThan(0), "the FMA peak, measured on the CPU between the steps");
        Assert.That(report.PercentOfFmaPeak, Is.EqualTo(100 * report.GflopPerSecond / report.FmaPeakGflopPerSecond!.Value).Within(1e-9));
    }

    [Test]
    public void SgemmWindowRunsProductsForAtLeastTheWindow()
    {
        var backend = TestBackends.Get<float>(DeviceKind.Cpu);
        var clock = Stopwatch.StartNew();
        double rate = ConvBenchmark.SgemmWindow(backend, 48, milliseconds: 30);
        Assert.That(clock.Elapsed.TotalMilliseconds, Is.GreaterThanOrEqualTo(30));
        Assert.That(rate, Is.GreaterThan(0).And.LessThan(1e5), "GFLOP/s of 48³ products on the CPU");
    }
}
