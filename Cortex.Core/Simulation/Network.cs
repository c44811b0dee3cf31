using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Kernels;
using Cortex.Core.Optimisers;
using Cortex.Core.Tensors;

namespace Cortex.Core.Simulation;

/// <summary>The value of a loss and its gradient with respect to the logits of every read step.</summary>
/// <param name="Value">Σ_s w_s·mean_b CE(logits_s, label_b).</param>
/// <param name="PerStep">mean_b CE at each read step (unweighted).</param>
/// <param name="Gradient">∂L/∂logits [S, B, K]: pass it to <see cref="Network{T}.Backward(Tensor{T})"/>.</param>
public sealed record LossResult<T>(double Value, double[] PerStep, Tensor<T> Gradient) where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>
/// A runnable network: a compiled program, its parameter store, and a state arena for the current batch size
/// (made on first use and re-made only when the batch size changes, after a memory check). Made by the builder
/// (Cortex.Connectivity's NetworkBuilder). Disposing it frees every tensor it owns.
/// </summary>
public sealed class Network<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly CompiledProgram<T> program;
    private readonly Func<int, long> estimatedBytes;
    private StateArena<T>? arena;
    private Simulator<T>? simulator;
    private Tensor<T>? labels, probabilities, losses, meanLosses, lossGradient;
    private Tensor<T>[]? gradients;

    /// <param name="estimatedBytes">The memory a training run at batch B is estimated to need (the ledger's estimate).</param>
    public Network(CompiledProgram<T> program, Func<int, long> estimatedBytes)
    {
        this.program = program;
        this.estimatedBytes = estimatedBytes;
    }

    public string Name => program.Name;
    public int Steps => program.Steps;
    public IBackend<T> Backend => program.Store.Backend;

    /// <summary>Every trainable parameter, for optimisers. Names: <c>V1->V2.weight</c> (or <c>.weight[copy k]</c> when weights are untied or tied every k), <c>V1.bias</c>, <c>V1.norm.gamma</c>, <c>readout.weight</c>, …</summary>
    public IReadOnlyList<Parameter<T>> Parameters => program.Store.Parameters;

    /// <summary>Non-trainable state that a checkpoint must keep (running normalisation statistics, …), by name.</summary>
    public IReadOnlyList<(string Name, Tensor<T> Tensor)> Buffers => program.Store.Buffers;

    public IReadOnlyList<string> AreaNames => [.. program.Areas.Select(a => a.Name)];

    /// <summary>The readouts, in file order: name, classes and the 1-based steps they read.</summary>
    public IReadOnlyList<IReadoutOp<T>> Readouts => program.Readouts;

    /// <summary>The batch size the arena is made for (0 before the first pass).</summary>
    public int Batch => simulator?.Batch ?? 0;

    public CompiledProgram<T> Program => program;

    /// <summary>The simulator bound to the current arena (null before the first pass).</summary>
    internal Simulator<T>? Simulator => simulator;

    /// <summary>When set, the simulator times every area step, projection and readout with it (synchronising the backend each time); null: off.</summary>
    public Profiler? Profiler
    {
        get => profiler;
        set
        {
            profiler = value;
            if (simulator is not null) simulator.Profiler = value;
        }
    }

    private Profiler? profiler;

    /// <summary>Makes the arena for <paramref name="batch"/> (if it is not already), after checking the memory estimate against the device.</summary>
    public void Reserve(int batch)
    {
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), $"{Name}: batch must be ≥ 1, got {batch}");
        if (simulator?.Batch == batch) return;
        DeviceMemory.Ensure(Name, batch, estimatedBytes(batch), Backend);
        if (arena is not null)
        {
            Backend.Synchronize();   // queued kernels may still read the old arena
            arena.Dispose();
        }
        simulator = null;
        arena = new StateArena<T>(Backend, batch);
        simulator = new Simulator<T>(program, arena) { Profiler = profiler };
        int reads = program.Readouts.Count == 0 ? 1 : program.Readouts[0].Steps.Count, classes = program.Readouts.Count == 0 ? 1 : program.Readouts[0].Classes;
        labels = arena.Tensor(new Shape(batch));
        probabilities = arena.Tensor(new Shape(reads, batch, classes));
        lossGradient = arena.Tensor(new Shape(reads, batch, classes));
        losses = arena.Tensor(new Shape(batch));
        meanLosses = arena.Tensor(new Shape(reads));
        // Readouts after the first get a zero logit gradient when Backward is given the first's alone.
        gradients = [.. program.Readouts.Select(r => arena.Tensor(new Shape(r.Steps.Count, batch, r.Classes)))];
    }

    /// <summary>Runs T steps on images [B, …input shape] given on the host; returns the first readout's logits [S, B, K].</summary>
    public Tensor<T> Forward(ReadOnlySpan<T> images, int batch, bool training)
    {
        long perImage = program.InputShape.Aggregate(1L, (a, d) => a * d);
        if (images.Length != batch * perImage)
            throw new ArgumentException($"{Name}: {images.Length} input values are not {batch} images of [{string.Join(", ", program.InputShape)}] ({batch * perImage} values)");
        Reserve(batch);
        Backend.Upload(images, simulator!.Input);
        return Run(training);
    }

    /// <summary>Runs T steps on images [B, …input shape] already on this network's backend; returns the first readout's logits [S, B, K].</summary>
    public Tensor<T> Forward(Tensor<T> images, bool training)
    {
        if (images.Shape.Rank != program.InputShape.Length + 1 || !images.Shape.Dims[1..].SequenceEqual(program.InputShape))
            throw new ArgumentException($"{Name}: input must be [B, {string.Join(", ", program.InputShape)}], got {images.Shape}");
        Reserve(images.Shape[0]);
        Backend.Copy(images, simulator!.Input);
        return Run(training);
    }

    private Tensor<T> Run(bool training)
    {
        simulator!.Forward(training);
        return simulator.Readouts.Count > 0 ? simulator.Readouts[0].Logits.All : throw new InvalidOperationException($"{Name} has no readout");
    }

    /// <summary>The logits [S, B, K] of the named readout from the last forward pass.</summary>
    public Tensor<T> Logits(string readout)
    {
        int r = IndexOf(program.Readouts.Select(x => x.Name), readout, "readout");
        return Bound().Readouts[r].Logits.All;
    }

    /// <summary>
    /// Backward through time from ∂L/∂logits [S, B, K] of the (single or first) readout (other readouts get no gradient):
    /// parameter gradients accumulate; <paramref name="inputGradient"/> also computes <see cref="InputGradient"/>.
    /// </summary>
    public void Backward(Tensor<T> dLogits, bool inputGradient = false)
    {
        var sim = Bound();
        gradients![0] = dLogits;
        sim.Backward(gradients, inputGradient);
    }

    /// <summary>Backward through time from ∂L/∂logits of every readout, in readout order.</summary>
    public void Backward(IReadOnlyList<Tensor<T>> dLogits, bool inputGradient = false) => Bound().Backward(dLogits, inputGradient);

    /// <summary>∂L/∂image [B, …] from the last backward pass that asked for it, summed over the steps at which the image is shown.</summary>
    public Tensor<T> InputGradient => Bound().InputGradient;

    public void ZeroGradients() => program.Store.ZeroGradients();

    /// <summary>The recorded state h(t) [B, …] of an area at step t (0: the initial state) from the last forward pass.</summary>
    public Tensor<T> State(string area, int step)
    {
        var m = Bound().Areas[IndexOf(program.Areas.Select(a => a.Name), area, "area")];
        if (step < 0 || step > Steps) throw new ArgumentOutOfRangeException(nameof(step), $"{Name}: step {step} is outside 0..{Steps}");
        return m.State[step];
    }

    /// <summary>Every recorded state of an area: [T + 1, B, …], index 0 the initial state.</summary>
    public Tensor<T> States(string area) => Bound().Areas[IndexOf(program.Areas.Select(a => a.Name), area, "area")].State.All;

    /// <summary>
    /// Softmax cross-entropy of the first readout against <paramref name="labelValues"/> (class indices, [B]),
    /// weighted per read step: L = Σ_s w_s·mean_b CE(logits_s, label_b). Returns the value (read to the host) and
    /// ∂L/∂logits for <see cref="Backward(Tensor{T})"/>.
    /// </summary>
    public LossResult<T> Loss(ReadOnlySpan<int> labelValues, ReadOnlySpan<double> stepWeights)
    {
        var sim = Bound();
        var readout = program.Readouts[0];
        if (labelValues.Length != sim.Batch)
            throw new ArgumentException($"{Name}: {labelValues.Length} labels for a batch of {sim.Batch}");
        if (stepWeights.Length != readout.Steps.Count)
            throw new ArgumentException($"{Name}: {stepWeights.Length} step weights for {readout.Steps.Count} read steps of readout '{readout.Name}'");
        var host = new T[labelValues.Length];
        for (int b = 0; b < host.Length; b++) host[b] = T.CreateChecked(labelValues[b]);
        SoftmaxCrossEntropy.ValidateLabels<T>(host, readout.Classes);
        Backend.Upload(host, labels!);
        var logits = sim.Readouts[0].Logits;
        for (int k = 0; k < readout.Steps.Count; k++)
        {
            SoftmaxCrossEntropy.Forward(logits[k], labels!, probabilities!.Step(k), losses!);
            SoftmaxCrossEntropy.MeanLoss(losses!, meanLosses!.Slice(k, new Shape(1)));
            SoftmaxCrossEntropy.Backward(probabilities.Step(k), labels!, T.CreateChecked(stepWeights[k] / sim.Batch), lossGradient!.Step(k), accumulate: false);
        }
        var perStep = Array.ConvertAll(meanLosses!.ToArray(), v => double.CreateChecked(v));
        double value = 0;
        for (int k = 0; k < perStep.Length; k++) value += stepWeights[k] * perStep[k];
        return new LossResult<T>(value, perStep, lossGradient!);
    }

    private Simulator<T> Bound() => simulator ?? throw new InvalidOperationException($"{Name}: run Forward first");

    private int IndexOf(IEnumerable<string> names, string name, string what)
    {
        var list = names.ToList();
        int i = list.IndexOf(name);
        return i >= 0 ? i : throw new ArgumentException($"{Name}: no {what} named '{name}'; {what}s: {string.Join(", ", list)}");
    }

    public void Dispose()
    {
        Backend.Synchronize();
        arena?.Dispose();
        arena = null;
        simulator = null;
        program.Store.Dispose();
    }
}
