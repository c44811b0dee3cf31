using Cortex.Experiments.Benchmarks;
using Cortex.Experiments.Cli;
using Cortex.Tests.Connectivity;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Experiments;

/// <summary>
/// <c>cortex bench train</c> beyond BLT at 28×28: other network files, synthetic input shapes and several batch sizes in
/// one run, each output line naming the precision; at tiny scale on the CPU path (the GPU figures need a GPU).
/// </summary>
[NonParallelizable]
public sealed class BenchTrainTests
{
    [Test]
    public void V1V2V4ItOnASyntheticColourImageAtTwoBatchSizes()
    {
        // The GPU benchmark runs 3×64×64; 3×16×16 scales the same areas by 16/28 (28 → 16, 14 → 8, 7 → 4).
        string json = Path.Combine(Path.GetTempPath(), $"bench-train-{Guid.NewGuid():N}.json");
        try
        {
            var (code, output, error) = Cli.Run("bench", "train", "--device", "cpu", "--network", Path.Combine(Networks.ConfigFolder, "v1-v2-v4-it.yaml"),
                "--input", "3x16x16", "--batch", "1,2", "--repeats", "1", "--gemm-size", "32", "--json", json);
            Assert.That(code, Is.Zero, error);
            Assert.That(output, Does.Contain("precision: convolutions fp32 (the CPU path computes in fp32)"));
            Assert.That(output, Does.Contain("network: v1-v2-v4-it, input [3, 16, 16]"));
            Assert.That(output, Does.Contain("batch 1").And.Contain("batch 2").And.Contain("steps: eager"));
            Assert.That(output, Does.Contain("GFLOP/s (convolutions fp32"));
            // On the CPU each batch size is also measured against the FMA peak, over windows as long as its step.
            Assert.That(output.Split("% of the FMA peak measured in this run").Length - 1, Is.EqualTo(2), output);
            Assert.That(output, Does.Contain("% of FMA peak"), "the summary over the batch sizes");
            var reports = System.Text.Json.JsonSerializer.Deserialize<List<TrainBenchmark.Report>>(File.ReadAllText(json))!;
            Assert.That(reports.Select(r => r.Batch), Is.EqualTo(new[] { 1, 2 }));
            Assert.That(reports, Has.All.Matches<TrainBenchmark.Report>(r => r.Input == "[3, 16, 16]" && r.Precision.StartsWith("fp32") && r.StepMs > 0));
            Assert.That(reports, Has.All.Matches<TrainBenchmark.Report>(r => r.FmaPeakGflopPerSecond > 0 && r.PercentOfFmaPeak > 0));
        }
        finally
        {
            File.Delete(json);
        }
    }

    [Test]
    public void CornetRtResizesToAGivenInput()
    {
        // CORnet-RT is written for 3×224×224 (the GPU benchmark's size); 3×32×32 divides every area by 7.
        var loaded = SyntheticInput.Resize(Networks.Config("cornet-rt"), 3, 32, 32);
        Assert.That(loaded.Spec.Areas.Select(a => a.Shape.ToString()), Is.EqualTo(new[] { "[64, 8, 8]", "[128, 4, 4]", "[256, 2, 2]", "[512, 1, 1]" }));
        var full = Networks.Config("cornet-rt");
        Assert.That(SyntheticInput.Resize(full, 3, 224, 224).Ledger.SynapticOpsPerImage, Is.EqualTo(full.Ledger.SynapticOpsPerImage), "its own size changes nothing");
    }

    [TestCase("3x64", "expected the input shape as CxHxW")]
    [TestCase("3x0x64", "expected the input shape as CxHxW")]
    [TestCase("3x50x50", "does not scale to whole numbers")]
    public void BadSyntheticInputsAreOneLine(string shape, string message)
    {
        var (code, _, error) = Cli.Run("bench", "train", "--device", "cpu", "--network", Path.Combine(Networks.ConfigFolder, "v1-v2-v4-it.yaml"), "--input", shape);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.StartWith("cortex: --input: ").And.Contain(message));
    }

    [Test]
    public void BatchSizesAreListedOrRepeated()
    {
        Assert.That(BenchCommand.BatchSizes(["128,256", "1024"]), Is.EqualTo(new[] { 128, 256, 1024 }));
        Assert.That(BenchCommand.BatchSizes(["64"]), Is.EqualTo(new[] { 64 }));
        Assert.That(Assert.Throws<UserError>(() => BenchCommand.BatchSizes(["128,lots"]))!.Message, Does.Contain("'lots'"));
        Assert.That(Assert.Throws<UserError>(() => BenchCommand.BatchSizes(["0"]))!.Message, Does.Contain("--batch must be a whole number from 1 to 4,096, got 0"));
    }

    [Test]
    public void UnknownPrecisionIsOneLine()
    {
        var (code, _, error) = Cli.Run("bench", "train", "--device", "cpu", "--precision", "fp16");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error.Trim(), Is.EqualTo("cortex: --precision: unknown precision 'fp16'; allowed: fp32, tf32"));
    }

    [Test]
    public void Tf32AskedOfTheCpuPathIsALoggedFallback()
    {
        var (code, output, error) = Cli.Run("bench", "--device", "cpu", "--precision", "tf32", "--batch", "1", "--repeats", "1", "--gemm-size", "32");
        Assert.That(code, Is.Zero, error);
        Assert.That(error, Does.Contain("warning: tf32 was asked for, but the CPU path computes in fp32"));
        Assert.That(output, Does.Contain("precision: convolutions fp32 (the CPU path computes in fp32) (--precision)"));
    }
}
