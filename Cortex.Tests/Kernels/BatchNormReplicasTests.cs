using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Kernels;
using Cortex.Core.Simulation;
using Cortex.Core.Tensors;
using Cortex.Tests.Distributed;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Kernels;

/// <summary>
/// Synchronised batch norm: replicas that each hold a slice of the batch (threads here, MPI ranks in a run) compute what one
/// process computes on the whole batch — normalised and activated values, μ, σ⁻¹, running statistics, dx — and their γ and β
/// gradients add up to the whole batch's.
/// </summary>
public sealed class BatchNormReplicasTests
{
    private static IEnumerable<TestCaseData> Cases()
    {
        // 7 images over 2 replicas would not split; 6 over 2 and over 3 do. [B, C, H, W] and the rows layout [B, N].
        foreach (var kind in TestBackends.All)
            foreach (var (dims, replicas) in new[] { (new[] { 6, 3, 2, 5 }, 2), (new[] { 6, 3, 2, 5 }, 3), (new[] { 6, 7 }, 2) })
                yield return new TestCaseData(kind, dims, replicas).SetArgDisplayNames(kind.ToString(), new Shape(dims).ToString(), $"{replicas} replicas");
    }

    /// <summary>Forward then backward of tanh ∘ BN on (a slice of) the batch: normalised, activated, μ, σ⁻¹, running mean and variance, dx, dγ, dβ.</summary>
    private static double[][] Run<T>(IBackend<T> b, Shape shape, double[] x, double[] gamma, double[] beta, double[] dActivated, IReplicas? replicas)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var cs = new Shape(shape[1]);
        using var tx = Data.Tensor(b, shape, x);
        using var tg = Data.Tensor(b, cs, gamma);
        using var tb = Data.Tensor(b, cs, beta);
        using var n = b.Allocate(shape);
        using var a = b.Allocate(shape);
        using var mean = b.Allocate(cs);
        using var invStd = b.Allocate(cs);
        using var runningMean = Data.Tensor(b, cs, Data.Random(shape[1], 12));
        using var runningVar = Data.Tensor(b, cs, Data.Random(shape[1], 13, 0.5, 2));
        using var da = Data.Tensor(b, shape, dActivated);
        using var scratch = b.Allocate(shape);
        using var dx = b.Allocate(shape);
        using var dgamma = Data.Tensor(b, cs, Enumerable.Repeat(0.25, shape[1]).ToArray());   // gradients accumulate
        using var dbeta = b.Allocate(cs);
        T momentum = T.CreateTruncating(0.1), epsilon = T.CreateTruncating(1e-5);
        if (replicas is null)
        {
            BatchNorm.ForwardTraining<T, Tanh<T>>(tx, tg, tb, n, a, mean, invStd, runningMean, runningVar, momentum, epsilon);
            BatchNorm.Backward<T, Tanh<T>>(tx, tg, mean, invStd, n, a, da, scratch, dx, dgamma, dbeta, accumulate: false);
        }
        else
        {
            BatchNorm.ForwardTraining<T, Tanh<T>>(tx, tg, tb, n, a, mean, invStd, runningMean, runningVar, momentum, epsilon, replicas);
            BatchNorm.Backward<T, Tanh<T>>(tx, tg, mean, invStd, n, a, da, dx, dgamma, dbeta, accumulate: false, replicas);
        }
        return [Data.Read(n), Data.Read(a), Data.Read(mean), Data.Read(invStd), Data.Read(runningMean), Data.Read(runningVar), Data.Read(dx),
            Data.Read(dgamma), Data.Read(dbeta)];
    }

    [TestCaseSource(nameof(Cases))]
    public void ReplicasComputeWhatOneProcessComputesOnTheWholeBatch(DeviceKind kind, int[] dims, int count)
    {
        Check<double>(kind, dims, count, 1e-10);
        Check<float>(kind, dims, count, 2e-4);
    }

    private static void Check<T>(DeviceKind kind, int[] dims, int count, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var shape = new Shape(dims);
        int c = dims[1], perImage = shape.Size / dims[0], slice = dims[0] / count;
        double[] x = Data.Random(shape.Size, 21, -1, 4), gamma = Data.Random(c, 22, 0.5, 1.5), beta = Data.Random(c, 23), da = Data.Random(shape.Size, 24);
        var whole = Run<T>(TestBackends.Get<T>(kind), shape, x, gamma, beta, da, null);
        var parts = ThreadReplicas.Run(count, replicas =>
        {
            // Each replica its own backend, as each rank has (an ILGPU accelerator's stream is not shared between threads).
            using var backend = Devices.Create<T>(kind);
            var range = (replicas.Index * slice * perImage, slice * perImage);
            var result = Run(backend, new Shape([slice, .. dims[1..]]), x.AsSpan(range.Item1, range.Item2).ToArray(), gamma, beta,
                da.AsSpan(range.Item1, range.Item2).ToArray(), replicas);
            return (result, replicas.Calls);
        });
        for (int r = 0; r < count; r++)
        {
            var (got, calls) = parts[r];
            Assert.That(calls, Is.EqualTo(3), "three sums: Σx, the centred sums, the gradient sums");
            int from = r * slice * perImage, length = slice * perImage;
            Data.AssertClose(got[0], whole[0][from..(from + length)], tolerance, $"replica {r} normalised");
            Data.AssertClose(got[1], whole[1][from..(from + length)], tolerance, $"replica {r} activated");
            Data.AssertClose(got[2], whole[2], tolerance, $"replica {r} mean");
            Data.AssertClose(got[3], whole[3], tolerance, $"replica {r} invStd");
            Data.AssertClose(got[4], whole[4], tolerance, $"replica {r} running mean");
            Data.AssertClose(got[5], whole[5], tolerance, $"replica {r} running variance");
            Data.AssertClose(got[6], whole[6][from..(from + length)], tolerance, $"replica {r} dx");
        }
        // Each replica's γ and β gradients are its own share (0.25 was there before); their sum is the whole batch's.
        var dgamma = Enumerable.Range(0, c).Select(ch => parts.Sum(p => p.result[7][ch] - 0.25) + 0.25).ToArray();
        var dbeta = Enumerable.Range(0, c).Select(ch => parts.Sum(p => p.result[8][ch])).ToArray();
        Data.AssertClose(dgamma, whole[7], tolerance, "Σ dγ over replicas");
        Data.AssertClose(dbeta, whole[8], tolerance, "Σ dβ over replicas");
        Assert.That(parts[0].result[8], Is.Not.EqualTo(whole[8]), "a replica's dβ is its own share, not the whole batch's");
    }
}
