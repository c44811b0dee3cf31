using System.Diagnostics;
using System.Numerics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Cortex.Core.Kernels;
using Cortex.Core.Optimisers;
using Cortex.Core.Tensors;

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

/// <summary>
/// The one training step every caller runs — the trainer, <c>cortex bench train</c> and tests: forward over T steps in
/// training mode, the loss of every readout under its schedule computed on the device (<see cref="Network{T}.Loss"/>),
/// backpropagation through time, the global gradient norm, optional clipping and one optimiser update. A non-finite loss
/// or gradient norm stops the step before the update and says so in the outcome.
/// <para>
/// Data-parallel (<see cref="Network{T}.Replicas"/> of more than one): each replica runs forward, loss and backward on its
/// slice of the global batch — its loss the mean over its slice — then every parameter gradient and each readout's loss are
/// copied into one fused host buffer, summed over the replicas in one call and divided by the number of replicas. With equal
/// slices the mean of the replicas' means is the mean over the global batch, and the gradient the gradient of that mean (with
/// synchronised batch norm too, whose backward is linear in ∂L/∂logits). Every replica then holds the same sums, so the
/// gradient norm, clipping, the decision to stop on a non-finite loss or norm, and the update are the same on every replica.
/// A replica whose own loss is not finite still runs backward, so that every replica makes the same collective calls.
/// </para>
/// </summary>
public sealed class TrainingStep<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Network<T> network;
    private readonly double clipNorm;
    private readonly Tensor<T> norm;
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
    }

    /// <summary>The optimiser the step updates with.</summary>
    public IOptimiser<T> Optimiser { get; }

    /// <summary>When set, each phase waits for the device and <see cref="Timings"/> holds the last step's times.</summary>
    public bool MeasurePhases { get; set; }

    /// <summary>The phase times of the last step (with <see cref="MeasurePhases"/>).</summary>
    public StepTimings? Timings { get; private set; }

    /// <summary>Bytes each replica contributes to the fused gradient sum of one data-parallel step: every parameter gradient and one loss per readout.</summary>
    public long FusedBytes => ((long)network.Parameters.Sum(p => (long)p.Gradient.Length) + network.Readouts.Count) * Unsafe.SizeOf<T>();

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
        double gradientNorm = GradientNorm();
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
        double gradientNorm = GradientNorm();
        profiler?.Stop(mark, "update", clipNorm > 0 ? "gradient norm and clipping" : "gradient norm", backward: true);
        if (!double.IsFinite(gradientNorm))
            return Finish(new StepOutcome(loss, perReadout, gradientNorm, $"the gradient norm is {gradientNorm}"), forward, lossMs, backward, lap(), allReduceMs);
        mark = profiler?.Start() ?? 0;
        Optimiser.Step(T.CreateChecked(learningRate));
        profiler?.Stop(mark, "update", Optimiser.GetType().Name.Split('`')[0], backward: true);
        return Finish(new StepOutcome(loss, perReadout, gradientNorm, null), forward, lossMs, backward, lap(), allReduceMs);
    }

    private StepOutcome Finish(StepOutcome outcome, double forward, double loss, double backward, double update, double allReduce = 0)
    {
        if (MeasurePhases) Timings = new StepTimings(forward, loss, backward, update) { AllReduceMs = allReduce };
        return outcome;
    }

    /// <summary>The global gradient norm, clipping the gradients to <c>clipNorm</c> when it is set.</summary>
    private double GradientNorm()
    {
        var parameters = network.Parameters;
        if (clipNorm > 0)
        {
            GradientClipping.ClipByGlobalNorm(parameters, T.CreateChecked(clipNorm), norm);
            return double.CreateChecked(norm.ToArray()[0]);
        }
        for (int i = 0; i < parameters.Count; i++) Reduce.SumOfSquares(parameters[i].Gradient, norm, accumulate: i > 0);
        return parameters.Count == 0 ? 0 : Math.Sqrt(double.CreateChecked(norm.ToArray()[0]));
    }

    /// <summary>Frees the norm's tensor (the optimiser belongs to the caller).</summary>
    public void Dispose() => norm.Dispose();
}
