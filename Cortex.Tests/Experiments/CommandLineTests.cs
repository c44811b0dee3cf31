using Cortex.Core.Backends;
using Cortex.Experiments.Benchmarks;
using Cortex.Experiments.Cli;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Experiments;

[NonParallelizable]
public sealed class CommandLineTests
{
    private static (int Code, string Out, string Error) Run(params string[] args) => Cli.Run(args);

    [Test]
    public void UnknownDeviceIsOneLineAndExitCodeTwo()
    {
        var (code, _, error) = Run("bench", "--device", "tpu");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error.Trim(), Does.StartWith("cortex: --device: unknown device 'tpu'").And.Contain("allowed: auto, cpu, cuda, ilgpu-cpu"));
        Assert.That(error, Does.Not.Contain("   at "), "no stack trace for a user mistake");
    }

    [Test]
    public void MissingCudaIsAnError()
    {
        if (IlgpuBackend<float>.CudaAvailable(out _)) Assert.Ignore("a CUDA device is present here");
        var (code, _, error) = Run("bench", "--device", "cuda");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("device 'cuda' was requested but is not available"));
    }

    [Test]
    public void NonPositiveBatchIsRejected()
    {
        var (code, _, error) = Run("bench", "--device", "cpu", "--batch", "0");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("--batch must be a whole number from 1 to 4,096, got 0"));
    }

    [Test]
    public void BenchmarkReportIsConsistent()
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        var report = ConvBenchmark.Run(cpu, batch: 1, gemmSize: 96, repeats: 1, _ => { });
        Assert.That(report.Rows, Has.Count.EqualTo(3 * ConvBenchmark.ReferenceLayers.Count));
        Assert.That(report.SgemmGflopPerSecond, Is.GreaterThan(0));
        double flop = report.Rows.Sum(r => r.Gflop), ms = report.Rows.Sum(r => r.Milliseconds);
        Assert.That(report.TotalGflop, Is.EqualTo(flop).Within(1e-9));
        Assert.That(report.TotalGflopPerSecond, Is.EqualTo(flop / ms * 1e3).Within(1e-6));
        Assert.That(report.PercentOfSgemm, Is.EqualTo(100 * report.TotalGflopPerSecond / report.SgemmGflopPerSecond).Within(1e-6));
        // 32→32 at 28×28, batch 1: 2·32·784·32·9 FLOPs per pass
        Assert.That(report.Rows.First(r => r.Layer == "V1→V1").Gflop, Is.EqualTo(2.0 * 32 * 784 * 32 * 9 / 1e9).Within(1e-12));
        // On the CPU the FMA peak is sampled with sgemm (before the layers and after each), and every figure is also a share of it.
        Assert.That(report.FmaPeakGflopPerSecond, Is.GreaterThan(0));
        Assert.That(report.FmaSampleCount, Is.EqualTo(1 + ConvBenchmark.ReferenceLayers.Count));
        Assert.That(report.PercentOfFmaPeak, Is.EqualTo(100 * report.TotalGflopPerSecond / report.FmaPeakGflopPerSecond!.Value).Within(1e-6));
        foreach (var row in report.Rows)
            Assert.That(row.PercentOfFmaPeak, Is.EqualTo(100 * row.GflopPerSecond / report.FmaPeakGflopPerSecond.Value).Within(1e-6));
    }
}
