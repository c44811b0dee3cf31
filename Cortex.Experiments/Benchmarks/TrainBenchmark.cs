using System.Diagnostics;
using Cortex.Connectivity;
using Cortex.Connectivity.Building;
using Cortex.Core.Backends;
using Cortex.Core.Optimisers;
using Cortex.Core.Simulation;
using Cortex.Core.Tensors;

namespace Cortex.Experiments.Benchmarks;

/// <summary>
/// Training throughput of a network (by default the reference BLT) at a batch size: forward (training mode),
/// backward through time, and the optimiser update, timed separately; achieved GFLOP/s counted from the
/// ledger's synaptic operations (2 FLOPs per multiply–accumulate forward, twice that backward: 6 per MAC in
/// all); and, measured in the same run between the repetitions over windows as long as a training step, the sgemm rate
/// (and, for reference, the peak of single products) and on the CPU the FMA peak (<see cref="FmaPeak"/>). Each repetition
/// times the phases in an eager step (each phase waits for the device) and, where the backend runs steps otherwise
/// (device-resident, or replayed as a CUDA graph), the whole step as training runs it; the images per second and GFLOP/s
/// come from the whole step, and the sgemm and FMA windows are as long as it.
/// </summary>
internal static class TrainBenchmark
{
    public sealed record Report(string Network, string Device, int Batch, int Repeats, long MacsPerImage, double ForwardMs, double BackwardMs, double UpdateMs,
        double ImagesPerSecond, double GflopPerSecond, double SgemmGflopPerSecond, double PercentOfSgemm, DateTime MeasuredUtc, string Machine)
    {
        /// <summary>The input shape the network ran on, [C, H, W] as written (a synthetic one when the benchmark resized it).</summary>
        public string Input { get; init; } = "";

        /// <summary>The arithmetic of the convolutions (<see cref="Cortex.Core.Kernels.ConvPrecisions.Describe"/>).</summary>
        public string Precision { get; init; } = "";

        /// <summary>How the timed whole steps ran: eager, device-resident, or graph (replayed CUDA graph), with the reason.</summary>
        public string StepMode { get; init; } = "";

        /// <summary>The best whole training step as training runs it, in ms (equal to the phases' sum when steps run eagerly).</summary>
        public double StepMs { get; init; }

        /// <summary>The best single n³ product's rate (a burst of a few milliseconds); <see cref="SgemmGflopPerSecond"/> is the best rate sustained over a step-long window.</summary>
        public double SgemmPeakGflopPerSecond { get; init; }

        /// <summary>Training GFLOP/s as a percentage of <see cref="SgemmPeakGflopPerSecond"/>.</summary>
        public double PercentOfSgemmPeak => 100 * GflopPerSecond / SgemmPeakGflopPerSecond;

        /// <summary>On the CPU: the best FMA-peak window of a step's length (<see cref="FmaPeak.Window"/>), one taken after each timed step; else null.</summary>
        public double? FmaPeakGflopPerSecond { get; init; }

        /// <summary>Training GFLOP/s as a percentage of <see cref="FmaPeakGflopPerSecond"/>.</summary>
        public double? PercentOfFmaPeak => 100 * GflopPerSecond / FmaPeakGflopPerSecond;

        /// <summary>With profiling: per-operation time of one training step (mean over the profiled steps), in first-run order.</summary>
        public IReadOnlyList<ProfileRow>? Profile { get; init; }

        /// <summary>With profiling: the wall time of one profiled training step (synchronised after every operation, so above the unprofiled step).</summary>
        public double ProfiledStepMs { get; init; }

        /// <summary>Data-parallel: the replicas the global batch <see cref="Batch"/> was split over (1: one process).</summary>
        public int Replicas { get; init; } = 1;

        /// <summary>Data-parallel: the sum of the fused gradient buffer over the replicas in the best step (part of <see cref="UpdateMs"/>).</summary>
        public double AllReduceMs { get; init; }

        /// <summary>Data-parallel: the bytes of the fused gradient buffer each replica contributes per step.</summary>
        public long AllReduceBytes { get; init; }

        /// <summary>The steps between kept states (checkpointing in time; 0: every step stored).</summary>
        public int BpttCheckpointEvery { get; init; }

        /// <summary>Bytes the state arena allocated (every history the step keeps, at this batch).</summary>
        public long ArenaBytes { get; init; }
    }

    /// <summary>One operation's time per training step: family (area, projection, readout, loss, update, …), its name, forward and backward ms.</summary>
    public sealed record ProfileRow(string Family, string Name, double ForwardMs, double BackwardMs);

    /// <summary>Times training steps of <paramref name="loaded"/> on <paramref name="backend"/>: <paramref name="repeats"/> steps at batch <paramref name="batch"/> after a warm-up, against an sgemm of size <paramref name="gemmSize"/>; <paramref name="progress"/> receives one line per stage.</summary>
    /// <param name="loaded">The network to time.</param>
    /// <param name="backend">Where it runs.</param>
    /// <param name="batch">Images per step.</param>
    /// <param name="repeats">Timed steps.</param>
    /// <param name="gemmSize">The side of the square sgemm the rate is compared with.</param>
    /// <param name="progress">Receives a line per stage.</param>
    /// <param name="profile">After the timed repetitions, run as many more with a <see cref="Profiler"/> attached and report the time of each operation.</param>
    /// <param name="replicas">Data-parallel: the replicas <paramref name="batch"/> is split over (each times its own slice); null: one process.</param>
    /// <param name="keepEvery">Checkpointing in time: keep the states of every k-th step and recompute the others in backward (0: every step stored).</param>
    public static Report Run(LoadedNetwork loaded, IBackend<float> backend, int batch, int repeats, int gemmSize, Action<string> progress, bool profile = false,
        IReplicas? replicas = null, int keepEvery = 0)
    {
        loaded = Training.TrainingSession.WithLoss(loaded, null);
        var ledger = loaded.Ledger;
        using var network = NetworkBuilder.Build(loaded, backend, seed: 1);
        network.Replicas = replicas;
        network.KeepStatesEvery = keepEvery;
        int global = batch;
        batch /= replicas?.Count ?? 1;
        using var optimiser = new AdamW<float>(network.Parameters, new AdamWOptions());
        using var step = new TrainingStep<float>(network, optimiser);
        // Data-parallel steps run eagerly in every mode (the host sums between the phases): the timed step is the whole step.
        bool wholeSteps = step.Mode != StepMode.Eager && replicas is not { Count: > 1 };
        var random = new Random(1);
        int perImage = checked((int)loaded.Spec.Input.Shape.Size);
        var images = new float[batch * perImage];
        for (int i = 0; i < images.Length; i++) images[i] = (float)random.NextDouble();
        int classes = network.Readouts.Min(r => r.Classes);
        var labels = new int[batch];
        for (int b = 0; b < batch; b++) labels[b] = random.Next(classes);
        var sgemm = new List<double>(ConvBenchmark.SgemmSamples(backend, gemmSize, 3));
        var windows = new List<double>();
        var fmaWindows = new List<double>();
        var cpu = backend as CpuBackend<float>;
        double f = 0, g = 0, u = 0;
        var reduce = new List<double>();
        var forward = new List<double>();
        var backward = new List<double>();
        var update = new List<double>();
        var whole = new List<double>();
        string mode = "";
        string Ran() => $"{step.LastMode.ToString().ToLowerInvariant()} ({step.LastModeReason})";
        for (int r = -2; r < repeats; r++)
        {
            progress($"repetition {r + 3} of {repeats + 2}{(r < 0 ? " (warm-up)" : "")} …");
            step.MeasurePhases = true;
            step.Run(images, batch, labels, [], 1e-4);
            var times = step.Timings!;
            (f, g, u) = (times.ForwardMs, times.LossMs + times.BackwardMs, times.UpdateMs);
            double wholeMs = f + g + u;
            mode = Ran();
            if (wholeSteps)
            {
                step.MeasurePhases = false;
                backend.Synchronize();
                var clock = Stopwatch.StartNew();
                step.Run(images, batch, labels, [], 1e-4);
                backend.Synchronize();
                wholeMs = clock.Elapsed.TotalMilliseconds;
                mode = Ran();
            }
            if (r < 0) continue;
            forward.Add(f); backward.Add(g); update.Add(u); whole.Add(wholeMs); reduce.Add(times.AllReduceMs);
            sgemm.AddRange(ConvBenchmark.SgemmSamples(backend, gemmSize, 1));
            windows.Add(ConvBenchmark.SgemmWindow(backend, gemmSize, wholeMs));
            if (cpu is not null) fmaWindows.Add(FmaPeak.Window(cpu, wholeMs));
        }
        // The best repetition (smallest step time) against the best sgemm and FMA windows of a step's length: load on a shared
        // machine only slows things down, so best against best estimates the idle machine, and equal lengths give both
        // sides the same chance of a quiet moment.
        // The phases come from the eager step with the smallest sum, the headline from the smallest whole step.
        int best = Enumerable.Range(0, forward.Count).MinBy(i => forward[i] + backward[i] + update[i]);
        double fm = forward[best], bm = backward[best], um = update[best], total = whole.Min();
        double gflop = 6.0 * ledger.SynapticOpsPerImage * batch / 1e9;
        double rate = gflop / total * 1e3, sg = windows.Max();
        var report = new Report(loaded.Spec.Name, backend.Description, global, repeats, ledger.SynapticOpsPerImage, fm, bm, um, global / total * 1e3, rate, sg,
            100 * rate / sg, DateTime.UtcNow, ConvBenchmark.MachineDescription())
        {
            SgemmPeakGflopPerSecond = sgemm.Max(),
            Input = loaded.Spec.Input.Shape.ToString(),
            Precision = Cortex.Core.Kernels.ConvPrecisions.Describe(backend),
            StepMode = mode,
            StepMs = total,
            FmaPeakGflopPerSecond = fmaWindows.Count > 0 ? fmaWindows.Max() : null,
            Replicas = replicas?.Count ?? 1,
            AllReduceMs = reduce[best],
            AllReduceBytes = replicas is { Count: > 1 } ? step.FusedBytes : 0,
            BpttCheckpointEvery = network.Storage.Checkpointed ? keepEvery : 0,
            ArenaBytes = network.ArenaValues * sizeof(float),
        };
        if (!profile) return report;

        var profiler = new Profiler(backend.Synchronize);
        network.Profiler = profiler;
        var wall = Stopwatch.StartNew();
        step.MeasurePhases = false;   // the profiler makes the step eager: every operation waits for the device
        for (int r = 0; r < repeats; r++)
        {
            progress($"profiled repetition {r + 1} of {repeats} …");
            step.Run(images, batch, labels, [], 1e-4);
        }
        backend.Synchronize();
        double stepMs = wall.Elapsed.TotalMilliseconds / repeats;
        network.Profiler = null;
        var rows = profiler.Entries.Select(e => new ProfileRow(e.Family, e.Name, e.ForwardMs / repeats, e.BackwardMs / repeats)).ToArray();
        return report with { Profile = rows, ProfiledStepMs = stepMs };
    }

}
