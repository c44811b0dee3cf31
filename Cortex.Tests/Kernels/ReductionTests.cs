using Cortex.Core.Backends;
using Cortex.Core.Kernels;
using Cortex.Core.Tensors;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Kernels;

public sealed class ReductionTests
{
    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void SumOverAxesByHand(DeviceKind kind)
    {
        var backend = TestBackends.Get<double>(kind);
        // x as [outer 2, channels 3, inner 2]: channel c of outer o holds (o·3 + c)·2 + {0, 1}
        using var x = Data.Tensor(backend, new Shape(2, 3, 2), Enumerable.Range(0, 12).Select(v => (double)v).ToArray());
        using var sums = Data.Tensor(backend, new Shape(3), [100, 200, 300]);
        Reduce.SumOverAxes(x, 2, 3, 2, sums, accumulate: false);
        // channel 0: 0+1+6+7 = 14; channel 1: 2+3+8+9 = 22; channel 2: 4+5+10+11 = 30
        Assert.That(Data.Read(sums), Is.EqualTo(new double[] { 14, 22, 30 }));
        Reduce.SumOverAxes(x, 2, 3, 2, sums, accumulate: true);
        Assert.That(Data.Read(sums), Is.EqualTo(new double[] { 28, 44, 60 }));
    }

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.All))]
    public void SumOfSquaresMatchesDirectSum(DeviceKind kind)
    {
        var backend = TestBackends.Get<double>(kind);
        var values = Data.Random(203, seed: 11);
        using var x = Data.Tensor(backend, new Shape(7, 29), values);
        using var result = Data.Tensor(backend, new Shape(1), [1.5]);
        Reduce.SumOfSquares(x, result, accumulate: true);
        Assert.That(Data.Read(result)[0], Is.EqualTo(1.5 + values.Sum(v => v * v)).Within(1e-12));
        Reduce.SumOfSquares(x, result, accumulate: false);
        Assert.That(Data.Read(result)[0], Is.EqualTo(values.Sum(v => v * v)).Within(1e-12));
    }

    [TestCaseSource(typeof(TestBackends), nameof(TestBackends.Ilgpu))]
    public void FloatAgreesWithCpuPath(DeviceKind kind)
    {
        var backend = TestBackends.Get<float>(kind);
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        var values = Data.Random(3 * 5 * 19, seed: 12);
        double[] On(IBackend<float> b)
        {
            using var x = Data.Tensor(b, new Shape(3, 5, 19), values);
            using var sums = b.Allocate(new Shape(5));
            Reduce.SumOverAxes(x, 3, 5, 19, sums, accumulate: false);
            return Data.Read(sums);
        }
        Data.AssertClose(On(backend), On(cpu), TestBackends.AgreementTolerance<float>(), "sum over axes");
    }

    [TestCase(3, 7, 1)]
    [TestCase(2, 20_011, 1)]
    [TestCase(5, 7, 3)]
    [TestCase(2, 901, 37)]
    [TestCase(3, 5, 840)]
    [TestCase(2, 3, 5000)]
    public void CpuSumsRowsOfEveryLengthOverManyChannels(int outer, int channels, int inner)
    {
        // Rows shorter than a vector, with vector tails, long rows, and enough channels to split into several host tasks.
        var cpu = TestBackends.Get<double>(DeviceKind.Cpu);
        var values = Data.Random(outer * channels * inner, 17);
        using var x = Data.Tensor(cpu, new Shape(outer, channels, inner), values);
        using var sums = Data.Tensor(cpu, new Shape(channels), Data.Random(channels, 18));
        var expected = Data.Random(channels, 18);
        for (int o = 0; o < outer; o++)
            for (int c = 0; c < channels; c++)
                for (int i = 0; i < inner; i++)
                    expected[c] += values[(o * channels + c) * inner + i];
        Reduce.SumOverAxes(x, outer, channels, inner, sums, accumulate: true);
        Data.AssertClose(Data.Read(sums), expected, 1e-12, "sum over axes");
    }

    [Test]
    public void WrongLayoutNamesTheOperation()
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        using var x = cpu.Allocate(new Shape(2, 3, 4));
        using var sums = cpu.Allocate(new Shape(3));
        var e = Assert.Throws<ArgumentException>(() => Reduce.SumOverAxes(x, 2, 3, 5, sums, false));
        Assert.That(e!.Message, Does.Contain("sum over axes").And.Contain("[2, 3, 4]"));
    }
}
