namespace Cortex.Experiments.Data;

/// <summary>
/// Seeds derived from a run's seed and a position (stream, epoch, batch …) by SplitMix64 mixing, so every
/// random choice can be replayed from the seed and the position alone: a resumed run needs no saved
/// random-number-generator state. (<see cref="HashCode"/> is randomised per process and unusable here.)
/// </summary>
public static class Seeds
{
    /// <summary>Streams kept apart so that shuffling, augmentation and stimuli never share random numbers.</summary>
    public const int Split = 1, Shuffle = 2, Augment = 3, Stimulus = 4;

    /// <summary>A seed derived from <paramref name="seed"/> and <paramref name="path"/> (a stream such as <see cref="Shuffle"/>, then epoch, batch …): the same arguments give the same seed in every process and on every machine.</summary>
    public static int Derive(int seed, params ReadOnlySpan<int> path)
    {
        ulong state = Mix((ulong)(uint)seed);
        foreach (int p in path) state = Mix(state ^ (ulong)(uint)p + 0x9E3779B97F4A7C15UL);
        return (int)(state >> 33);
    }

    /// <summary>
    /// A uniformly random permutation of 0..n−1: Fisher–Yates written out over a seeded System.Random (whose
    /// seeded sequence .NET keeps fixed), so the order cannot change with a library's shuffle.
    /// </summary>
    public static int[] Permutation(int n, int seed)
    {
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        var random = new Random(seed);
        for (int i = n - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>A standard normal sample (Box–Muller).</summary>
    public static double NextGaussian(this Random random)
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
