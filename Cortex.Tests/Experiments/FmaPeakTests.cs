using System.Diagnostics;
using Cortex.Core.Backends;
using Cortex.Experiments.Benchmarks;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Experiments;

/// <summary>The CPU's FMA peak, the yardstick of every CPU figure: a real rate, above what plain scalar code reaches, printed by both benchmarks.</summary>
[NonParallelizable]
public sealed class FmaPeakTests
{
    [Test]
    public void PeakIsPositiveFiniteAndAboveAPlainScalarLoop()
    {
        var cpu = (CpuBackend<float>)TestBackends.Get<float>(DeviceKind.Cpu);
        // Best of a few windows each, as the benchmarks take them: load from other processes only slows either down.
        double peak = Enumerable.Range(0, 3).Max(_ => FmaPeak.Window(cpu, 20));
        double scalar = Enumerable.Range(0, 3).Max(_ => FmaPeak.ScalarWindow(20));
        Assert.That(double.IsFinite(peak) && peak > 0, $"FMA peak {peak} GFLOP/s");
        Assert.That(double.IsFinite(scalar) && scalar > 0, $"scalar loop {scalar} GFLOP/s");
        Assert.That(peak, Is.GreaterThanOrEqualTo(scalar), $"{FmaPeak.Instruction} on {cpu.Threads} threads against one scalar thread");
    }

    [Test]
    public void WindowRunsBurstsForAtLeastTheWindow()
    {
        var cpu = (CpuBackend<float>)TestBackends.Get<float>(DeviceKind.Cpu);
        var clock = Stopwatch.StartNew();
        FmaPeak.Window(cpu, 30);
        Assert.That(clock.Elapsed.TotalMilliseconds, Is.GreaterThanOrEqualTo(30));
        Assert.That(FmaPeak.FlopsPerBurst, Is.EqualTo(2.0 * 2 * FmaPeak.Chains * FmaPeak.Lanes * FmaPeak.RoundsPerBurst));
    }

    [Test]
    public void EachWidthComputesTheSameChains()
    {
        // Every chain converges to c / (1 − m) = 1: after enough rounds the sum over chains and lanes is their count.
        Assert.That(FmaPeak.Burst(64), Is.EqualTo(FmaPeak.Chains * FmaPeak.Lanes).Within(1e-3));
    }

    [Test]
    public void BothBenchmarksPrintTheirRatioToThePeak()
    {
        var (code, output, error) = Cli.Run("bench", "--device", "cpu", "--batch", "1", "--repeats", "1", "--gemm-size", "32");
        Assert.That(code, Is.Zero, error);
        Assert.That(output, Does.Contain("FMA peak:").And.Contain("% of the FMA peak measured in this run").And.Contain("% FMA peak"));
        Assert.That(output, Does.Contain("convolution forward + backward (fp32"), "the precision beside the ratios");
        (code, output, error) = Cli.Run("bench", "train", "--device", "cpu", "--batch", "1", "--repeats", "1", "--gemm-size", "32");
        Assert.That(code, Is.Zero, error);
        Assert.That(output, Does.Contain("FMA peak:").And.Contain("training at").And.Contain("% of the FMA peak measured in this run"));
        Assert.That(output, Does.Contain("GFLOP/s (convolutions fp32"), "the precision beside the ratios");
    }
}
