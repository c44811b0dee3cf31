using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Cortex.Core.Backends;
using Cortex.Core.Kernels;
using Cortex.Core.Optimisers;
using Cortex.Core.Tensors;
using ILGPU;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Cortex.Core.Simulation;

/// <summary>What one training step did.</summary>
/// <param name="Loss">The network's loss on the batch before the update (every readout, as scheduled).</param>
/// <param name="ReadoutLosses">Each readout's weighted share of <paramref name="Loss"/>.</param>
/// <param name="GradientNorm">The global L2 norm of every parameter gradient, before clipping (NaN when the loss was not finite).</param>
/// <param name="Failure">Null when the step was taken; otherwise what stopped it (a non-finite loss or gradient norm), and no update was made.</param>
public sealed record StepOutcome(double Loss, IReadOnlyList<double> ReadoutLosses, double GradientNorm, string? Failure)
{
    /// <summary>Whether the update was made.</summary>
    public bool Taken => Failure is null;
}

/// <summary>Wall time of the phases of the last step, when <see cref="TrainingStep{T}.MeasurePhases"/> is set (each phase waits for the device).</summary>
/// <param name="ForwardMs">Forward over T steps in training mode.</param>
/// <param name="LossMs">The scheduled loss on the device and its read-back.</param>
/// <param name="BackwardMs">Gradient reset and backpropagation through time.</param>
/// <param name="UpdateMs">Gradient norm, optional clipping and the optimiser's update.</param>
public sealed record StepTimings(double ForwardMs, double LossMs, double BackwardMs, double UpdateMs)
{
    /// <summary>
    /// In a data-parallel step: the time of the one sum of the fused gradient buffer over the replicas (part of
    /// <see cref="UpdateMs"/>, which also copies the gradients out and back); 0 in a one-process step.
    /// </summary>
    public double AllReduceMs { get; init; }

    /// <summary>The whole step.</summary>
    public double TotalMs => ForwardMs + LossMs + BackwardMs + UpdateMs;
}

/// <summary>How a training step issues its device work (<see cref="TrainingStep{T}.Mode"/>).</summary>
public enum StepMode
{
    /// <summary>
    /// Phase by phase with the host in between: forward, then the loss read back and checked, then backward, then the
    /// gradient norm read back and checked, then the update. The CPU path always; any step whose phases are timed or
    /// profiled; every data-parallel step (the gradients are summed over the replicas on the host between backward and the update).
    /// </summary>
    Eager,

    /// <summary>
    /// Everything the host must give (images, labels, the learning rate and step count) uploaded first; then all the device
    /// work queued at once, with the finiteness checks on the device (a guard that the update kernels read); then one read
    /// of the loss and the norm. The ILGPU backends.
    /// </summary>
    DeviceResident,

    /// <summary>
    /// <see cref="DeviceResident"/>, its device work captured once into a CUDA graph per batch size and table of silenced
    /// reads (after one step run without it, which loads every kernel, sizes every workspace and settles autotuning) and
    /// replayed with one launch.
    /// </summary>
    Graph,
}

/// <summary>
/// The one training step every caller runs — the trainer, <c>cortex bench train</c> and tests: forward over T steps in
/// training mode, the loss of every readout under its schedule computed on the device (<see cref="Network{T}.Loss"/>),
/// backpropagation through time, the global gradient norm, optional clipping and one optimiser update. A non-finite loss
/// or gradient norm stops the step before the update and says so in the outcome. How the device work is issued is
/// <see cref="Mode"/>; every mode computes the same values (docs/decisions/0011-cuda-graphs.md).
/// <para>
/// Data-parallel (<see cref="Network{T}.Replicas"/> of more than one): each replica runs forward, loss and backward on its
/// slice of the global batch — its loss the mean over its slice — then every parameter gradient and each readout's loss are
/// copied into one fused host buffer, summed over the replicas in one call and divided by the number of replicas. With equal
/// slices the mean of the replicas' means is the mean over the global batch, and the gradient the gradient of that mean (with
/// synchronised batch norm too, whose backward is linear in ∂L/∂logits). Every replica then holds the same sums, so the
/// gradient norm, clipping, the decision to stop on a non-finite loss or norm, and the update are the same on every replica.
/// A replica whose own loss is not finite still runs backward, so that every replica makes the same collective calls.
/// Data-parallel steps run eagerly: the host sums between backward and the update, and synchronised batch norm sums on the
/// host inside forward and backward, so neither a device-resident queue nor a CUDA graph could hold the step.
/// </para>
/// </summary>
public sealed class TrainingStep<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Network<T> network;
    private readonly double clipNorm;
    private readonly Tensor<T> norm;
    private Tensor<T>? scalars;
    private CapturedWork? graph;
    private CaptureKey? graphFor, warmedFor;
    private string? captureFailure;
    private string? reported;
    private T[] fused = [];

    /// <param name="network">The network to train.</param>
    /// <param name="optimiser">Its optimiser, over <see cref="Network{T}.Parameters"/>.</param>
    /// <param name="clipNorm">Largest global gradient norm; 0: no clipping.</param>
    public TrainingStep(Network<T> network, IOptimiser<T> optimiser, double clipNorm = 0)
    {
        if (!(clipNorm >= 0) || double.IsInfinity(clipNorm))
            throw new ArgumentOutOfRangeException(nameof(clipNorm), $"{network.Name}: the clipping norm must be finite and ≥ 0, got {clipNorm}");
        this.network = network;
        Optimiser = optimiser;
        this.clipNorm = clipNorm;
        norm = network.Backend.Allocate(new Shape(1));
        Mode = network.Backend is IlgpuBackend<T> ? StepMode.Graph : StepMode.Eager;
    }

    /// <summary>The optimiser the step updates with.</summary>
    public IOptimiser<T> Optimiser { get; }

    /// <summary>When set, each phase waits for the device and <see cref="Timings"/> holds the last step's times.</summary>
    public bool MeasurePhases { get; set; }

    /// <summary>The phase times of the last step (with <see cref="MeasurePhases"/>).</summary>
    public StepTimings? Timings { get; private set; }

    /// <summary>
    /// The mode asked for: <see cref="StepMode.Graph"/> by default on the ILGPU backends, <see cref="StepMode.Eager"/> on
    /// the CPU path. Where it cannot be had the step falls back (<see cref="Decide"/>), says so once in the log, and
    /// <see cref="LastMode"/> and <see cref="LastModeReason"/> tell what ran.
    /// </summary>
    public StepMode Mode { get; set; }

    /// <summary>The mode the last step ran in.</summary>
    public StepMode LastMode { get; private set; }

    /// <summary>Why the last step ran in <see cref="LastMode"/>.</summary>
    public string LastModeReason { get; private set; } = "";

    /// <summary>Bytes each replica contributes to the fused gradient sum of one data-parallel step: every parameter gradient and one loss per readout.</summary>
    public long FusedBytes => ((long)network.Parameters.Sum(p => (long)p.Gradient.Length) + network.Readouts.Count) * Unsafe.SizeOf<T>();

    /// <summary>
    /// The mode a step runs in, and why: <paramref name="requested"/> unless the backend is the CPU path, the step is
    /// data-parallel over more than one replica (the host sums between the phases), the phases are timed or profiled (each
    /// waits for the device: eager), or graphs were asked for and are unavailable or failed to capture (device-resident).
    /// </summary>
    public static (StepMode Mode, string Reason) Decide(StepMode requested, bool ilgpu, bool phasesTimed, bool graphsAvailable, string graphsMissing,
        string? captureFailure, int replicas = 1)
    {
        if (requested == StepMode.Eager) return (StepMode.Eager, "eager steps were asked for");
        if (!ilgpu) return (StepMode.Eager, "the CPU path runs each phase directly");
        if (replicas > 1)
            return (StepMode.Eager, $"the step is data-parallel over {replicas} replicas: the host sums the gradients between backward and the update, " +
                "and synchronised batch norm sums on the host inside forward and backward");
        if (phasesTimed) return (StepMode.Eager, "the phases are timed or profiled, so each waits for the device");
        if (requested == StepMode.DeviceResident) return (StepMode.DeviceResident, "device-resident steps were asked for");
        if (!graphsAvailable) return (StepMode.DeviceResident, $"no CUDA graphs: {graphsMissing}");
        if (captureFailure is not null) return (StepMode.DeviceResident, $"the step could not be captured into a CUDA graph: {captureFailure}");
        return (StepMode.Graph, "the step is captured into a CUDA graph once per batch size and replayed");
    }

    /// <summary>One step on a batch of images [B, …input shape] given on the host, with their labels [B].</summary>
    /// <param name="images">The batch, row-major.</param>
    /// <param name="batch">B.</param>
    /// <param name="labels">Class indices [B].</param>
    /// <param name="coarseGroups">The coarse group of each class, for coarse losses; empty when the dataset has none.</param>
    /// <param name="learningRate">This step's learning rate.</param>
    public StepOutcome Run(ReadOnlySpan<T> images, int batch, ReadOnlySpan<int> labels, ReadOnlySpan<int> coarseGroups, double learningRate)
        => Run(images, default, batch, labels, coarseGroups, learningRate);

    /// <summary>
    /// One step on a batch of images and, when the network's presentation shows a mask (<see cref="Network{T}.ShowsMask"/>),
    /// one mask per image (empty otherwise), with their labels [B].
    /// </summary>
    /// <param name="images">The batch, row-major.</param>
    /// <param name="masks">The masks [B, …input shape], or empty when no step shows a mask.</param>
    /// <param name="batch">B.</param>
    /// <param name="labels">Class indices [B].</param>
    /// <param name="coarseGroups">The coarse group of each class, for coarse losses; empty when the dataset has none.</param>
    /// <param name="learningRate">This step's learning rate.</param>
    public StepOutcome Run(ReadOnlySpan<T> images, ReadOnlySpan<T> masks, int batch, ReadOnlySpan<int> labels, ReadOnlySpan<int> coarseGroups, double learningRate)
    {
        var gpu = network.Backend as IlgpuBackend<T>;
        string missing = "";
        bool graphs = gpu?.GraphsAvailable(out missing) ?? false;
        var (mode, reason) = Decide(Mode, gpu is not null, MeasurePhases || network.Profiler is not null, graphs, missing, captureFailure,
            network.Replicas?.Count ?? 1);
        (LastMode, LastModeReason) = (mode, reason);
        if (mode != Mode && reported != reason)
        {
            Log.Info($"{network.Name}: training steps run {(mode == StepMode.Eager ? "eagerly" : "device-resident, without CUDA graphs")} ({reason})");
            reported = reason;
        }
        return mode == StepMode.Eager ? RunEager(images, masks, batch, labels, coarseGroups, learningRate)
            : RunDeviceResident(gpu!, mode == StepMode.Graph, images, masks, batch, labels, coarseGroups, learningRate);
    }

    private StepOutcome RunEager(ReadOnlySpan<T> images, ReadOnlySpan<T> masks, int batch, ReadOnlySpan<int> labels, ReadOnlySpan<int> coarseGroups,
        double learningRate)
    {
        var clock = MeasurePhases ? Stopwatch.StartNew() : null;
        double Lap()
        {
            if (clock is null) return 0;
            network.Backend.Synchronize();
            double ms = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            return ms;
        }
        var profiler = network.Profiler;
        network.Forward(images, masks, batch, training: true);
        double forward = Lap();
        long mark = profiler?.Start() ?? 0;
        var loss = network.Loss(labels, coarseGroups);
        profiler?.Stop(mark, "loss", "scheduled cross-entropy", backward: false);
        double lossMs = Lap();
        if (network.Replicas is { Count: > 1 } replicas) return RunReplicated(replicas, loss, forward, lossMs, learningRate, Lap);
        if (!double.IsFinite(loss.Value))
            return Finish(new StepOutcome(loss.Value, loss.PerReadout, double.NaN, $"the loss is {loss.Value}"), forward, lossMs, 0, 0);
        mark = profiler?.Start() ?? 0;
        network.ZeroGradients();
        profiler?.Stop(mark, "update", "zero gradients", backward: true);
        network.Backward(network.LossGradients);
        double backward = Lap();
        mark = profiler?.Start() ?? 0;
        EnqueueNorm();
        double gradientNorm = ReadNorm();
        profiler?.Stop(mark, "update", clipNorm > 0 ? "gradient norm and clipping" : "gradient norm", backward: true);
        if (!double.IsFinite(gradientNorm))
            return Finish(new StepOutcome(loss.Value, loss.PerReadout, gradientNorm, $"the gradient norm is {gradientNorm}"), forward, lossMs, backward, Lap());
        mark = profiler?.Start() ?? 0;
        Optimiser.Step(T.CreateChecked(learningRate));
        profiler?.Stop(mark, "update", Optimiser.GetType().Name.Split('`')[0], backward: true);
        return Finish(new StepOutcome(loss.Value, loss.PerReadout, gradientNorm, null), forward, lossMs, backward, Lap());
    }

    /// <summary>Backward on this replica's slice, the fused sum over the replicas, then the same norm, clipping and update on every replica.</summary>
    private StepOutcome RunReplicated(IReplicas replicas, LossResult local, double forward, double lossMs, double learningRate, Func<double> lap)
    {
        var profiler = network.Profiler;
        long mark = profiler?.Start() ?? 0;
        network.ZeroGradients();
        profiler?.Stop(mark, "update", "zero gradients", backward: true);
        network.Backward(network.LossGradients);
        double backward = lap();

        mark = profiler?.Start() ?? 0;
        var parameters = network.Parameters;
        int readouts = local.PerReadout.Count;
        long length = parameters.Sum(p => (long)p.Gradient.Length) + readouts;
        if (fused.Length != length) fused = new T[checked((int)length)];
        int at = 0;
        foreach (var p in parameters)
        {
            network.Backend.Download(p.Gradient, fused.AsSpan(at, p.Gradient.Length));
            at += p.Gradient.Length;
        }
        for (int r = 0; r < readouts; r++) fused[at + r] = T.CreateTruncating(local.PerReadout[r]);
        var clock = Stopwatch.StartNew();
        if (typeof(T) == typeof(float)) replicas.Sum(MemoryMarshal.Cast<T, float>(fused.AsSpan()));
        else replicas.Sum(MemoryMarshal.Cast<T, double>(fused.AsSpan()));
        double allReduceMs = clock.Elapsed.TotalMilliseconds;
        T share = T.One / T.CreateChecked(replicas.Count);
        TensorPrimitives.Multiply<T>(fused, share, fused);
        at = 0;
        foreach (var p in parameters)
        {
            network.Backend.Upload(fused.AsSpan(at, p.Gradient.Length), p.Gradient);
            at += p.Gradient.Length;
        }
        var perReadout = new double[readouts];
        for (int r = 0; r < readouts; r++) perReadout[r] = double.CreateTruncating(fused[at + r]);
        double loss = perReadout.Sum();
        profiler?.Stop(mark, "update", $"gradient sum over {replicas.Count} replicas", backward: true);
        if (!double.IsFinite(loss))
            return Finish(new StepOutcome(loss, perReadout, double.NaN, $"the loss is {loss}"), forward, lossMs, backward, lap(), allReduceMs);

        mark = profiler?.Start() ?? 0;
        EnqueueNorm();
        double gradientNorm = ReadNorm();
        profiler?.Stop(mark, "update", clipNorm > 0 ? "gradient norm and clipping" : "gradient norm", backward: true);
        if (!double.IsFinite(gradientNorm))
            return Finish(new StepOutcome(loss, perReadout, gradientNorm, $"the gradient norm is {gradientNorm}"), forward, lossMs, backward, lap(), allReduceMs);
        mark = profiler?.Start() ?? 0;
        Optimiser.Step(T.CreateChecked(learningRate));
        profiler?.Stop(mark, "update", Optimiser.GetType().Name.Split('`')[0], backward: true);
        return Finish(new StepOutcome(loss, perReadout, gradientNorm, null), forward, lossMs, backward, lap(), allReduceMs);
    }

    /// <summary>
    /// What a captured step's device work depends on beyond the staged values: the arena (made anew for each batch size)
    /// and the silenced reads, which decide on the host which reads are queued at all. A graph captured under another key
    /// is stale. (Whether the masks are uploaded is the network's presentation, fixed for its life; the arena holds them.)
    /// </summary>
    private sealed record CaptureKey(int Batch, int Arena, SilencedReads? Silenced, int SilencedVersion);

    private CaptureKey KeyFor(int batch) => new(batch, network.ArenaVersion, network.Silenced, network.Silenced?.Version ?? 0);

    /// <summary>
    /// Stages the host's inputs, queues (or replays) the whole step's device work, then reads the loss and the norm once.
    /// With <paramref name="useGraph"/>: the first step at a batch size (or with other silenced reads) runs uncaptured (it
    /// loads kernels and sizes workspaces), the second is captured and replayed, later ones replayed; a capture that fails
    /// is logged and the step is run without it, as every later one.
    /// </summary>
    private StepOutcome RunDeviceResident(IlgpuBackend<T> gpu, bool useGraph, ReadOnlySpan<T> images, ReadOnlySpan<T> masks, int batch,
        ReadOnlySpan<int> labels, ReadOnlySpan<int> coarseGroups, double learningRate)
    {
        network.Stage(images, masks, batch, labels, coarseGroups);
        scalars ??= network.Backend.Allocate(new Shape(Optimiser.ScalarCount));
        var host = new T[Optimiser.ScalarCount];
        Optimiser.WriteScalars(host, T.CreateChecked(learningRate));
        network.Backend.Upload(host, scalars);

        var key = KeyFor(batch);
        if (useGraph && graph is not null && graphFor != key)
        {
            graph.Dispose();
            graph = null;
            string stale = graphFor!.Arena != key.Arena ? $"a new arena for batch {batch}" : "the silenced reads changed";
            Log.Info($"{network.Name}: the captured training step is stale ({stale}); one step runs uncaptured, then the step is captured again");
        }
        if (!useGraph || (graph is null && warmedFor != key))
        {
            EnqueueDeviceStep(gpu);
            warmedFor = key;
        }
        else
        {
            if (graph is null)
            {
                graph = gpu.TryCapture(() => EnqueueDeviceStep(gpu), out string why);
                graphFor = key;
                if (graph is null)
                {
                    captureFailure = why;
                    LastMode = StepMode.DeviceResident;
                    LastModeReason = $"the step could not be captured into a CUDA graph: {why}";
                    Log.Warn($"{network.Name}: {LastModeReason}; training steps run device-resident without graphs");
                    reported = LastModeReason;
                    EnqueueDeviceStep(gpu);
                }
                else
                    Log.Info($"{network.Name}: the training step at batch {batch} is captured into a CUDA graph and replayed");
            }
            if (graph is not null) gpu.Replay(graph);
        }

        var loss = network.ReadLoss();
        double gradientNorm = ReadNorm();
        bool guard = scalars.ToArray()[0] == T.One;
        StepOutcome outcome;
        if (!double.IsFinite(loss.Value))
            outcome = new StepOutcome(loss.Value, loss.PerReadout, double.NaN, $"the loss is {loss.Value}");
        else if (!double.IsFinite(gradientNorm))
            outcome = new StepOutcome(loss.Value, loss.PerReadout, gradientNorm, $"the gradient norm is {gradientNorm}");
        else
            outcome = new StepOutcome(loss.Value, loss.PerReadout, gradientNorm, null);
        if (guard != outcome.Taken)
            throw new InvalidOperationException($"{network.Name}: the device's guard ({guard}) disagrees with the host's checks ({outcome.Failure ?? "taken"})");
        if (outcome.Taken) Optimiser.Advance();
        Timings = null;
        return outcome;
    }

    /// <summary>
    /// The step's device work, queued without a single read: forward, the loss, a guard that drops to 0 if any readout's
    /// loss is not finite, gradients, the norm (and clipping), the same guard on the norm, and the update, which reads the
    /// guard, the learning rate and the step count from device memory.
    /// </summary>
    private void EnqueueDeviceStep(IlgpuBackend<T> gpu)
    {
        network.ForwardStaged(training: true);
        network.EnqueueLoss();
        foreach (var total in network.LossTotals) gpu.Launch(GuardKernel, 1, total.View, scalars!.View);
        network.ZeroGradients();
        network.Backward(network.LossGradients);
        EnqueueNorm();
        gpu.Launch(GuardKernel, 1, norm.View, scalars!.View);
        Optimiser.EnqueueUpdate(scalars);
    }

    /// <summary>s[0] = 0 (the update's guard) when value[0] is not finite (x − x is 0 exactly for finite x, NaN otherwise).</summary>
    private static void GuardKernel(Index1D i, ArrayView<T> value, ArrayView<T> s)
    {
        T v = value[0];
        if (v - v != T.Zero) s[0] = T.Zero;
    }

    private StepOutcome Finish(StepOutcome outcome, double forward, double loss, double backward, double update, double allReduce = 0)
    {
        if (MeasurePhases) Timings = new StepTimings(forward, loss, backward, update) { AllReduceMs = allReduce };
        return outcome;
    }

    /// <summary>Queues the global gradient norm into <c>norm</c>: clipping to <c>clipNorm</c> when set (norm then holds the norm), else the sum of squares.</summary>
    private void EnqueueNorm()
    {
        var parameters = network.Parameters;
        if (clipNorm > 0)
        {
            GradientClipping.ClipByGlobalNorm(parameters, T.CreateChecked(clipNorm), norm);
            return;
        }
        if (parameters.Count == 0) network.Backend.Fill(norm, T.Zero);
        for (int i = 0; i < parameters.Count; i++) Reduce.SumOfSquares(parameters[i].Gradient, norm, accumulate: i > 0);
    }

    /// <summary>The global gradient norm from <see cref="EnqueueNorm"/> (waits for the device).</summary>
    private double ReadNorm()
    {
        double value = double.CreateChecked(norm.ToArray()[0]);
        return clipNorm > 0 ? value : Math.Sqrt(value);
    }

    /// <summary>Frees the norm's and the scalars' tensors and any captured graph (the optimiser belongs to the caller).</summary>
    public void Dispose()
    {
        graph?.Dispose();
        scalars?.Dispose();
        norm.Dispose();
    }
}
