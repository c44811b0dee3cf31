using System.Globalization;
using Cortex.Connectivity;
using Cortex.Connectivity.Building;
using Cortex.Core.Backends;
using Cortex.Experiments.Recording;
using Cortex.Experiments.Similarity;
using Cortex.Tests.Infrastructure;
using Cortex.Tests.Recording;

namespace Cortex.Tests.Similarity;

[NonParallelizable]
public sealed class SimilarityAnalysisTests
{
    private DirectoryInfo folder = null!;

    [SetUp]
    public void MakeFolder() => folder = Directory.CreateTempSubdirectory("cortex-rsa");

    [TearDown]
    public void RemoveFolder() => folder.Delete(recursive: true);

    /// <summary>
    /// Three images; area A (3 units) has patterns (1,2,3), (3,2,1), (1,3,2) at t = 1 and 2x + 1 of them at t = 2 (the same
    /// RDM: upper triangle 2, 0.5, 1.5); area B (2 units) has (0,1), (5,2), (3,3.5) at both steps (upper triangle 2, 0, 2).
    /// </summary>
    private static RecordedStates HandMade(string network = "net")
    {
        float[][] a = [[1, 2, 3], [3, 2, 1], [1, 3, 2]];
        float[][] b = [[0, 1], [5, 2], [3, 3.5f]];
        var layout = new RecordingLayout
        {
            Network = network, Config = "name: net", Ledger = "{}", Dataset = "hand",
            Areas = [new RecordedArea("A", [3]), new RecordedArea("B", [2])],
            Steps = [1, 2], Images = [10, 11, 12], Labels = [0, 1, 0], ClassNames = ["x", "y"],
        };
        var valuesA = new List<float>();
        var valuesB = new List<float>();
        for (int i = 0; i < 3; i++)
        {
            valuesA.AddRange(a[i]);
            valuesA.AddRange(a[i].Select(v => 2 * v + 1));
            valuesB.AddRange(b[i]);
            valuesB.AddRange(b[i]);
        }
        return new RecordedStates(layout, [valuesA.ToArray(), valuesB.ToArray()]);
    }

    [Test]
    public void RdmsAndComparisonsAcrossAreasAndSteps()
    {
        var result = SimilarityAnalysis.Run([("net", HandMade())], classAverage: false);
        Assert.That(result.Rdms.Select(r => r.Key.ToString()), Is.EqualTo(new[] { "net/A/t1", "net/A/t2", "net/B/t1", "net/B/t2" }));
        Assert.That(result.Rdms[0].Rdm.Conditions, Is.EqualTo(new[] { "10", "11", "12" }));
        Assert.That(result.Rdms[0].Rdm.UpperTriangle(), Is.EqualTo(new[] { 2, 0.5, 1.5 }).Within(1e-7));
        Assert.That(result.Rdms[1].Rdm.UpperTriangle(), Is.EqualTo(new[] { 2, 0.5, 1.5 }).Within(1e-7));
        Assert.That(result.Rdms[2].Rdm.UpperTriangle(), Is.EqualTo(new[] { 2, 0, 2 }).Within(1e-7));
        Assert.That(result.Compare(0, 1).SpearmanRho, Is.EqualTo(1).Within(1e-12));
        // A against B: ranks (3, 1, 2) and (2.5, 1, 2.5): ρ = 1.5/√3; τ_A: two concordant pairs, one tied in B: 2/3.
        Assert.That(result.Compare(0, 2).SpearmanRho, Is.EqualTo(Math.Sqrt(3) / 2).Within(1e-9));
        Assert.That(result.Compare(2, 0).KendallTauA, Is.EqualTo(2.0 / 3).Within(1e-12));
        Assert.That(result.Pairs().Count(), Is.EqualTo(6));
    }

    [Test]
    public void ClassAveragedRdmsAreOverClasses()
    {
        var result = SimilarityAnalysis.Run([("net", HandMade())], classAverage: true);
        Assert.That(result.ClassAveraged, Is.True);
        Assert.That(result.Rdms[0].Rdm.Conditions, Is.EqualTo(new[] { "x", "y" }));
        // Class x: images 10 and 12, mean (1, 2.5, 2.5) → centred (−1, 0.5, 0.5); class y: (3, 2, 1) → (1, 0, −1).
        // r = (−1 − 0.5) / (√1.5 · √2) = −√3/2, so d = 1 + √3/2.
        Assert.That(result.Rdms[0].Rdm[0, 1], Is.EqualTo(1 + Math.Sqrt(3) / 2).Within(1e-7));
    }

    [Test]
    public void WritesRdmsComparisonsAndPlots()
    {
        var result = SimilarityAnalysis.Run([("net", HandMade())], classAverage: false);
        var files = SimilarityAnalysis.Write(result, folder.FullName, new RdmKey("net", "B", 2));
        var (rdms, shape) = NpyFile.Read<double>(Path.Combine(folder.FullName, "rdms.npy"));
        Assert.That(shape, Is.EqualTo(new long[] { 4, 3, 3 }));
        Assert.That(rdms[(2 * 3 + 0) * 3 + 1], Is.EqualTo(2).Within(1e-7), "RDM 2 (B at t = 1), d(0, 1)");
        Assert.That(rdms[(2 * 3 + 0) * 3 + 2], Is.EqualTo(0).Within(1e-7), "RDM 2 (B at t = 1), d(0, 2)");
        var csv = File.ReadAllLines(Path.Combine(folder.FullName, "comparisons.csv"));
        Assert.That(csv[0], Is.EqualTo("a_source,a_area,a_step,b_source,b_area,b_step,spearman_rho,kendall_tau_a"));
        Assert.That(csv, Has.Length.EqualTo(1 + 6));
        var aB = csv.Single(l => l.StartsWith("net,A,1,net,B,1,", StringComparison.Ordinal)).Split(',');
        Assert.That(double.Parse(aB[6], CultureInfo.InvariantCulture), Is.EqualTo(Math.Sqrt(3) / 2).Within(1e-9));
        Assert.That(double.Parse(aB[7], CultureInfo.InvariantCulture), Is.EqualTo(2.0 / 3).Within(1e-12));
        Assert.That(File.ReadAllText(Path.Combine(folder.FullName, "rdms.json")), Does.Contain("\"area\": \"B\"").And.Contain("\"class_averaged\": false"));
        foreach (var name in new[] { "rdm-net-A-t1.png", "rdm-net-B-t2.svg", "comparison-spearman.png", "similarity-per-step.png", "similarity-per-step.svg" })
        {
            Assert.That(files, Does.Contain(Path.Combine(folder.FullName, name)));
            Assert.That(new FileInfo(Path.Combine(folder.FullName, name)).Length, Is.GreaterThan(1000), name);
        }
        Assert.That(File.ReadAllBytes(Path.Combine(folder.FullName, "comparison-spearman.png"))[1..4], Is.EqualTo("PNG"u8.ToArray()));
    }

    [Test]
    public void RecordingsOfOtherImagesCannotBeCompared()
    {
        var other = HandMade("other");
        var shifted = new RecordedStates(other.Layout with { Images = [10, 12, 11] }, [other.Values("A"), other.Values("B")]);
        Assert.That(() => SimilarityAnalysis.Run([("net", HandMade()), ("other", shifted)], classAverage: false),
            Throws.ArgumentException.With.Message.Contains("other images"));
    }

    [Test]
    public void TheRsaCommandComparesTwoRecordingsOfANetwork()
    {
        // Two recordings of the same tiny network with different weights (seeds), one as npy and one as HDF5.
        using var backend = new CpuBackend<float>();
        var loaded = NetworkLoader.Parse(RecordingTests.TinyNetwork, "tiny.yaml");
        var data = RecordingTests.Images(6);
        string[] paths = [Path.Combine(folder.FullName, "seed1"), Path.Combine(folder.FullName, "seed2.h5")];
        for (int s = 0; s < 2; s++)
        {
            using var network = NetworkBuilder.Build(loaded, backend, seed: s + 1);
            var layout = StateRecorder.Plan(network, loaded, data, [0, 1, 2, 3, 4, 5]);
            using var writer = RecordingFiles.Create(s == 0 ? RecordingFormat.Npy : RecordingFormat.Hdf5, paths[s], layout);
            StateRecorder.Run(network, data, layout, writer);
        }
        string output = Path.Combine(folder.FullName, "rsa");
        var (code, stdout, error) = Cli.Run("rsa", paths[0], paths[1], "-o", output, "--reference", "tiny (seed1)/IT/t3");
        Assert.That(code, Is.EqualTo(0), error);
        Assert.That(stdout, Does.Contain("Spearman ρ with tiny (seed1)/IT/t3").And.Contain("tiny (seed2.h5) V1").And.Contain("12 RDMs of 6 images"));
        Assert.That(File.ReadAllLines(Path.Combine(output, "comparisons.csv")), Has.Length.EqualTo(1 + 12 * 11 / 2));
        Assert.That(File.Exists(Path.Combine(output, "rdm-tiny__seed2.h5_-IT-t3.png")), Is.True);

        (code, _, error) = Cli.Run("rsa", paths[0], "-o", output, "--reference", "tiny/V4/t1");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("no RDM tiny/V4/t1"));
        (code, _, error) = Cli.Run("rsa", Path.Combine(folder.FullName, "missing"), "-o", output);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("no such recording"));
    }
}
