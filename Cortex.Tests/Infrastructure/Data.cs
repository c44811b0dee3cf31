using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;

namespace Cortex.Tests.Infrastructure;

/// <summary>Seeded test data and comparisons.</summary>
public static class Data
{
    /// <summary>Uniform values in [lo, hi), never all zeros, reproducible from the seed.</summary>
    public static double[] Random(int length, int seed, double lo = -1, double hi = 1)
    {
        var r = new Random(seed);
        var values = new double[length];
        for (int i = 0; i < length; i++) values[i] = lo + (hi - lo) * r.NextDouble();
        return values;
    }

    public static T[] Cast<T>(double[] values) where T : unmanaged, IFloatingPointIeee754<T>
        => Array.ConvertAll(values, v => T.CreateChecked(v));

    public static double[] ToDouble<T>(T[] values) where T : unmanaged, IFloatingPointIeee754<T>
        => Array.ConvertAll(values, v => double.CreateChecked(v));

    /// <summary>A tensor on the backend holding the given values.</summary>
    public static Tensor<T> Tensor<T>(IBackend<T> backend, Shape shape, double[] values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var t = backend.Allocate(shape);
        t.CopyFrom(Cast<T>(values));
        return t;
    }

    public static double[] Read<T>(Tensor<T> tensor) where T : unmanaged, IFloatingPointIeee754<T> => ToDouble(tensor.ToArray());

    /// <summary>Asserts |a − e| ≤ rtol·(1 + |e|) element by element, naming the first index that fails.</summary>
    public static void AssertClose(double[] actual, double[] expected, double rtol, string what = "")
    {
        Assert.That(actual.Length, Is.EqualTo(expected.Length), $"{what}: lengths differ");
        for (int i = 0; i < actual.Length; i++)
        {
            double allowed = rtol * (1 + Math.Abs(expected[i]));
            if (!(Math.Abs(actual[i] - expected[i]) <= allowed))
                Assert.Fail($"{what}: element {i} is {actual[i]:G10}, expected {expected[i]:G10} (tolerance {allowed:G3})");
        }
    }

    /// <summary>
    /// Runs <paramref name="run"/> on <paramref name="backend"/> and on the CPU path and asserts that each named
    /// output agrees within <see cref="TestBackends.AgreementTolerance{T}"/> for float.
    /// </summary>
    public static void AssertAgreesWithCpu(IBackend<float> backend, string what, Func<IBackend<float>, (string Name, double[] Values)[]> run)
    {
        var actual = run(backend);
        var expected = run(TestBackends.Get<float>(DeviceKind.Cpu));
        double tol = TestBackends.AgreementTolerance<float>();
        for (int i = 0; i < expected.Length; i++)
            AssertClose(actual[i].Values, expected[i].Values, tol, $"{what} {expected[i].Name}");
    }
}
