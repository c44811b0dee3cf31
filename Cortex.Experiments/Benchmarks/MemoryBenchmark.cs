using System.Diagnostics;
using Cortex.Connectivity;
using Cortex.Connectivity.Building;
using Cortex.Connectivity.Spec;
using Cortex.Core.Backends;
using Cortex.Core.Optimisers;
using Cortex.Core.Simulation;

namespace Cortex.Experiments.Benchmarks;

/// <summary>
/// Memory against T for backpropagation through time: at each T, one training step storing every step and one with checkpointing
/// in time (the states of every k-th step kept, the others recomputed in backward), each measured by the bytes the state arena
/// allocated, the ledger's estimate, the managed heap after the step (the CPU path's tensors are managed arrays) and the best
/// step time of a few. The process's peak working set only grows within one process, so it is meaningful for a run that measures
/// one setting (<c>--storage</c>) and is reported for the whole run.
/// </summary>
public static class MemoryBenchmark
{
    /// <summary>One measurement.</summary>
    /// <param name="Steps">T.</param>
    /// <param name="KeepEvery">k (0: every step stored).</param>
    /// <param name="ArenaBytes">Bytes the state arena allocated.</param>
    /// <param name="EstimateBytes">The ledger's estimate of the training run (arena, weights, gradients, optimiser).</param>
    /// <param name="HeapBytes">The managed heap after the step, after a compacting collection with the network alive (on the CPU path: the arena, parameters, optimiser and the runtime's own).</param>
    /// <param name="StepMs">The best training step.</param>
    /// <param name="ArenaRatio">Arena bytes over the arena bytes storing every step at this T.</param>
    /// <param name="TimeRatio">Step time over the step time storing every step at this T.</param>
    public sealed record Row(int Steps, int KeepEvery, long ArenaBytes, long EstimateBytes, long HeapBytes, double StepMs, double ArenaRatio, double TimeRatio);

    /// <summary>"4,8,16" → [4, 8, 16].</summary>
    public static IReadOnlyList<int> ParseSteps(string text)
    {
        var steps = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(s => int.TryParse(s, out int t) && t >= 1 && t <= 4096 ? t : throw new ArgumentException($"expected whole numbers in 1..4096 such as 4,8,16, got '{s}'"))
            .ToList();
        return steps.Count > 0 ? steps : throw new ArgumentException("no T given");
    }

    /// <summary>
    /// <paramref name="loaded"/> over <paramref name="steps"/> steps, unrolled as <paramref name="unroll"/> says (synchronous, biological,
    /// or file: as written): every projection whose delay is its type's default under the file's unroll gets the default of the new one.
    /// </summary>
    public static LoadedNetwork WithTime(LoadedNetwork loaded, int steps, string unroll)
    {
        var spec = loaded.Spec;
        var from = spec.Time.Unroll;
        var to = unroll switch { "synchronous" => Unroll.Synchronous, "biological" => Unroll.Biological, _ => from };
        var projections = spec.Projections.Select(p =>
        {
            bool fromInput = p.From == spec.Input.Name;
            return p.Delay == ProjectionTypes.DefaultDelay(p.Type, from, fromInput) ? p with { Delay = ProjectionTypes.DefaultDelay(p.Type, to, fromInput) } : p;
        }).ToList();
        var timed = spec with { Time = spec.Time with { Steps = steps, Unroll = to }, Projections = projections };
        try
        {
            return NetworkLoader.Validate(timed);
        }
        catch (Cortex.Connectivity.Validation.ConfigErrors e)
        {
            throw new ArgumentException($"{spec.Name} over {steps} steps, unroll {unroll}: {string.Join("; ", e.Errors)}");
        }
    }

    /// <summary>
    /// The rows at the network's T: every step stored (unless <paramref name="storedOnly"/> is false), then the states of every
    /// <paramref name="keepEvery"/>-th step kept (0: the k with the smallest estimate; unless <paramref name="storedOnly"/> is true);
    /// none for the second when T is too short for checkpointing to save memory. Null: both.
    /// </summary>
    public static IReadOnlyList<Row> Run(LoadedNetwork loaded, IBackend<float> backend, int batch, int keepEvery, int repeats, Action<string> progress,
        bool? storedOnly = null)
    {
        loaded = Training.TrainingSession.WithLoss(loaded, null);
        var ledger = loaded.Ledger;
        int k = keepEvery > 0 ? keepEvery : ledger.SmallestKeepEvery(batch);
        var rows = new List<Row>();
        var full = storedOnly != false ? Measure(loaded, backend, batch, 0, repeats, progress) : null;
        if (full is not null) rows.Add(full);
        if (storedOnly != true && k > 0 && ledger.Storage(k).Checkpointed)
        {
            var kept = Measure(loaded, backend, batch, k, repeats, progress);
            rows.Add(full is null ? kept with { ArenaRatio = kept.ArenaBytes / (double)(ledger.ArenaValues(batch) * sizeof(float)), TimeRatio = double.NaN }
                : kept with { ArenaRatio = kept.ArenaBytes / (double)full.ArenaBytes, TimeRatio = kept.StepMs / full.StepMs });
        }
        return rows;
    }

    private static Row Measure(LoadedNetwork loaded, IBackend<float> backend, int batch, int keepEvery, int repeats, Action<string> progress)
    {
        int steps = loaded.Spec.Time.Steps;
        progress($"T = {steps}, {(keepEvery == 0 ? "every step stored" : $"every {keepEvery}-th state kept")} …");
        using var network = NetworkBuilder.Build(loaded, backend, seed: 1);
        network.KeepStatesEvery = keepEvery;
        using var optimiser = new AdamW<float>(network.Parameters, new AdamWOptions());
        using var step = new TrainingStep<float>(network, optimiser);
        var random = new Random(1);
        var images = new float[batch * checked((int)loaded.Spec.Input.Shape.Size)];
        for (int i = 0; i < images.Length; i++) images[i] = (float)random.NextDouble();
        int classes = network.Readouts.Min(r => r.Classes);
        var labels = Enumerable.Range(0, batch).Select(_ => random.Next(classes)).ToArray();
        double best = double.PositiveInfinity;
        for (int r = -1; r < repeats; r++)
        {
            backend.Synchronize();
            var clock = Stopwatch.StartNew();
            step.Run(images, batch, labels, [], 1e-4);
            backend.Synchronize();
            if (r >= 0) best = Math.Min(best, clock.Elapsed.TotalMilliseconds);
        }
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        long heap = GC.GetGCMemoryInfo(GCKind.FullBlocking).HeapSizeBytes;
        long arena = network.ArenaValues * sizeof(float);
        GC.KeepAlive(network);
        return new Row(steps, keepEvery, arena, loaded.Ledger.Memory(batch, keepEvery: keepEvery).TotalBytes, heap, best, 1, 1);
    }
}
