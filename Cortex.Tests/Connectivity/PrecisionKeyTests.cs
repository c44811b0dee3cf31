using Cortex.Connectivity;
using Cortex.Connectivity.Reading;
using Cortex.Core.Backends;
using Cortex.Core.Kernels;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Connectivity;

/// <summary>The <c>precision:</c> key of a network file and how a backend takes it.</summary>
public sealed class PrecisionKeyTests
{
    private static string WithPrecision(string word) => File.ReadAllText(Path.Combine(Networks.ConfigFolder, "b.yaml")) + $"\nprecision: {word}\n";

    [TestCase("tf32", ConvPrecision.Tf32)]
    [TestCase("fp32", ConvPrecision.Fp32)]
    [TestCase("TF32", ConvPrecision.Tf32)]
    public void IsReadAndWrittenBack(string word, ConvPrecision expected)
    {
        var loaded = NetworkLoader.Parse(WithPrecision(word), "b.yaml");
        Assert.That(loaded.Spec.Precision, Is.EqualTo(expected));
        var again = NetworkLoader.Parse(NetworkWriter.Write(loaded.Spec), "resolved.yaml");
        Assert.That(again.Spec.Precision, Is.EqualTo(expected));
    }

    [Test]
    public void IsAbsentUnlessGiven()
    {
        var loaded = Networks.Config("b");
        Assert.That(loaded.Spec.Precision, Is.Null);
        Assert.That(NetworkWriter.Write(loaded.Spec), Does.Not.Contain("precision"));
    }

    [Test]
    public void AnUnknownWordIsLocated()
    {
        var errors = Networks.Errors(WithPrecision("fp16"), "b.yaml");
        Assert.That(errors, Has.Some.Match(@"^b\.yaml:\d+:\d+ precision: unknown precision 'fp16'; allowed: fp32, tf32$"));
    }

    [Test]
    public void BackendsTakeWhatTheyCan()
    {
        Assert.That(ConvPrecisions.Default(DeviceKind.Cuda), Is.EqualTo(ConvPrecision.Tf32), "PyTorch's default for cuDNN convolutions");
        Assert.That(ConvPrecisions.Default(DeviceKind.IlgpuCpu), Is.EqualTo(ConvPrecision.Fp32));
        var gpu = (IlgpuBackend<float>)TestBackends.Get<float>(DeviceKind.IlgpuCpu);
        try
        {
            Assert.That(ConvPrecisions.Apply(gpu, ConvPrecision.Tf32), Is.EqualTo("tf32 (emulated on the ILGPU CPU accelerator)"));
            Assert.That(gpu.ConvPrecision, Is.EqualTo(ConvPrecision.Tf32));
            Assert.That(ConvPrecisions.Apply(gpu, null), Is.EqualTo("fp32"), "the CPU accelerator's default");
        }
        finally
        {
            gpu.ConvPrecision = ConvPrecision.Fp32;
        }
        var lines = new List<string>();
        var sink = Cortex.Core.Log.Redirect(lines.Add);
        try
        {
            Assert.That(ConvPrecisions.Apply(TestBackends.Get<float>(DeviceKind.Cpu), ConvPrecision.Tf32), Is.EqualTo("fp32 (the CPU path computes in fp32)"));
            Assert.That(ConvPrecisions.Apply(TestBackends.Get<double>(DeviceKind.IlgpuCpu), ConvPrecision.Tf32), Is.EqualTo("fp64"));
        }
        finally
        {
            Cortex.Core.Log.Redirect(sink);
        }
        Assert.That(lines, Has.Count.EqualTo(2).And.All.StartWith("warning: tf32 was asked for"));
        Assert.Throws<InvalidOperationException>(() => ((IlgpuBackend<double>)TestBackends.Get<double>(DeviceKind.IlgpuCpu)).ConvPrecision = ConvPrecision.Tf32);
    }
}
