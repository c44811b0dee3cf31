using Cortex.Core.Simulation;

namespace Cortex.Tests.Distributed;

/// <summary>
/// Replicas of a data-parallel run as threads of one process, for tests without MPI: <see cref="Sum(Span{double})"/> waits
/// for every replica, adds their values in replica order (so every replica gets the same sums, as MPI gives) and hands
/// each the result. <see cref="Run"/> starts one thread per replica.
/// </summary>
public sealed class ThreadReplicas : IReplicas
{
    private readonly Group group;

    private ThreadReplicas(Group group, int index)
    {
        this.group = group;
        Index = index;
    }

    public int Count => group.Count;

    public int Index { get; }

    /// <summary>How many sums this replica has asked for.</summary>
    public int Calls { get; private set; }

    public void Sum(Span<float> values)
    {
        Calls++;
        var wide = new double[values.Length];
        for (int i = 0; i < wide.Length; i++) wide[i] = values[i];
        // Sum in float, in replica order, as an all-reduce of floats would.
        var result = group.Exchange(Index, wide, (a, b) => (float)((float)a + (float)b));
        for (int i = 0; i < values.Length; i++) values[i] = (float)result[i];
    }

    public void Sum(Span<double> values)
    {
        Calls++;
        var result = group.Exchange(Index, values.ToArray(), (a, b) => a + b);
        result.CopyTo(values);
    }

    /// <summary>Runs <paramref name="body"/> on <paramref name="count"/> threads, one replica each, and returns what each returned.</summary>
    public static TResult[] Run<TResult>(int count, Func<ThreadReplicas, TResult> body)
    {
        var group = new Group(count);
        var results = new TResult[count];
        var failures = new Exception?[count];
        var threads = Enumerable.Range(0, count).Select(i => new Thread(() =>
        {
            try { results[i] = body(new ThreadReplicas(group, i)); }
            catch (Exception e)
            {
                failures[i] = e;
                group.Break();
            }
        }, 16 << 20)).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        if (failures.FirstOrDefault(f => f is not null) is { } failure) throw new AggregateException(failure);
        return results;
    }

    private sealed class Group(int count)
    {
        private readonly Barrier barrier = new(count);
        private readonly double[][] contributions = new double[count][];
        private double[] result = [];

        public int Count => count;

        public double[] Exchange(int index, double[] values, Func<double, double, double> add)
        {
            contributions[index] = values;
            Wait();
            if (index == 0)
            {
                if (contributions.Any(c => c.Length != values.Length))
                    throw new InvalidOperationException($"replicas summed different lengths: {string.Join(", ", contributions.Select(c => c.Length))}");
                var sum = (double[])contributions[0].Clone();
                for (int r = 1; r < count; r++)
                    for (int i = 0; i < sum.Length; i++) sum[i] = add(sum[i], contributions[r][i]);
                result = sum;
            }
            Wait();
            var mine = result;
            Wait();
            return mine;
        }

        private void Wait()
        {
            if (!barrier.SignalAndWait(TimeSpan.FromSeconds(60))) throw new TimeoutException("a replica did not reach the sum within 60 s");
        }

        public void Break() => barrier.RemoveParticipant();
    }
}
