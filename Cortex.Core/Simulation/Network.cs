using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Kernels;
using Cortex.Core.Optimisers;
using Cortex.Core.Tensors;

namespace Cortex.Core.Simulation;

/// <summary>The value of a network's loss for one batch: the total and each readout's share of it.</summary>
/// <param name="Value">Σ_r of each readout's weighted loss, mean over the batch.</param>
/// <param name="PerReadout">Each readout's weighted loss, mean over the batch, in readout order.</param>
public sealed record LossResult(double Value, IReadOnlyList<double> PerReadout);

/// <summary>
/// A runnable network: a compiled program, its parameter store, and a state arena for the current batch size
/// (made on first use and re-made only when the batch size changes, after a memory check). Made by the builder
/// (Cortex.Connectivity's NetworkBuilder). Disposing it frees every tensor it owns.
/// </summary>
public sealed class Network<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly CompiledProgram<T> program;
    private readonly Func<int, int, long> estimatedBytes;
    private int keepEvery;
    private StateArena<T>? arena;
    private Simulator<T>? simulator;
    private Profiler? profiler;
    private SilencedReads? silenced;
    private IReplicas? replicas;
    private InferenceStatistics inferenceStatistics;
    private LossWeights?[] uploadedWeights = [];
    private int[]?[] uploadedGroups = [];

    /// <param name="program">The compiled areas, projections and readouts.</param>
    /// <param name="estimatedBytes">The memory a training run at batch B is estimated to need (the ledger's estimate), every step stored.</param>
    public Network(CompiledProgram<T> program, Func<int, long> estimatedBytes) : this(program, (batch, _) => estimatedBytes(batch)) { }

    /// <param name="program">The compiled areas, projections and readouts.</param>
    /// <param name="estimatedBytes">
    /// The memory a training run at batch B is estimated to need (the ledger's estimate) when the states of every k-th step are
    /// kept (k = 0: every step stored): (B, k) → bytes.
    /// </param>
    public Network(CompiledProgram<T> program, Func<int, int, long> estimatedBytes)
    {
        this.program = program;
        this.estimatedBytes = estimatedBytes;
    }

    /// <summary>
    /// Checkpointing in time for backpropagation through time: 0 (the default) stores every step; k ≥ 1 keeps the states of
    /// every k-th step and a window of k + reach steps, and backward recomputes the others, segment by segment, bit for bit
    /// (<see cref="TimeStorage"/>). A k whose window would hold every step stores every step. Changing it re-makes the arena
    /// at the next pass. Only the states in the window can be read back after a forward pass (<see cref="HoldsState"/>).
    /// </summary>
    public int KeepStatesEvery
    {
        get => keepEvery;
        set
        {
            if (value < 0) throw new ArgumentOutOfRangeException(nameof(value), $"{Name}: the steps between kept states must be ≥ 0 (0: every step stored), got {value}");
            if (value == keepEvery) return;
            keepEvery = value;
            Drop();
        }
    }

    /// <summary>How the arena holds the time axis under <see cref="KeepStatesEvery"/>.</summary>
    public TimeStorage Storage => TimeStorage.For(program.Steps, keepEvery, Simulator<T>.Reach(program));

    /// <summary>Whether h(step) of every area can be read back after a forward pass: always when every step is stored, else the last steps of the window.</summary>
    public bool HoldsState(int step) => Storage.Holds(step);

    /// <summary>The network's name.</summary>
    public string Name => program.Name;

    /// <summary>T, the number of time steps.</summary>
    public int Steps => program.Steps;

    /// <summary>Where its tensors live.</summary>
    public IBackend<T> Backend => program.Store.Backend;

    /// <summary>Every trainable parameter, for optimisers. Names: <c>V1->V2.weight</c> (or <c>.weight[copy k]</c> when weights are untied or tied every k), <c>V1.bias</c>, <c>V1.norm.gamma</c>, <c>readout.weight</c>, …</summary>
    public IReadOnlyList<Parameter<T>> Parameters => program.Store.Parameters;

    /// <summary>Non-trainable state that a checkpoint must keep (running normalisation statistics, …), by name.</summary>
    public IReadOnlyList<(string Name, Tensor<T> Tensor)> Buffers => program.Store.Buffers;

    /// <summary>The areas' names, node order.</summary>
    public IReadOnlyList<string> AreaNames => [.. program.Areas.Select(a => a.Name)];

    /// <summary>The readouts, in file order: name, classes, the 1-based steps they read and the weights of their loss.</summary>
    public IReadOnlyList<IReadoutOp<T>> Readouts => program.Readouts;

    /// <summary>The batch size the arena is made for (0 before the first pass).</summary>
    public int Batch => simulator?.Batch ?? 0;

    /// <summary>The compiled program it runs.</summary>
    public CompiledProgram<T> Program => program;

    /// <summary>The simulator bound to the current arena (null before the first pass).</summary>
    public Simulator<T>? Simulator => simulator;

    /// <summary>Values held by the current arena (0 before the first pass): every history, scratch tensor and loss buffer.</summary>
    public long ArenaValues => arena?.Elements ?? 0;

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

    /// <summary>
    /// Reads silenced by a lesion (null: the intact network): projection p contributes exactly zero to its target at each
    /// step t the table names, forward and backward, and costs no work there. It changes no allocation. Set it before a
    /// forward pass (an evaluation does; training can too, through this property); it must cover this network's
    /// projections and steps.
    /// </summary>
    public SilencedReads? Silenced
    {
        get => silenced;
        set
        {
            if (value is not null && (value.Projections != program.Projections.Count || value.Steps != program.Steps))
                throw new ArgumentException($"{Name}: silenced reads for {value.Projections} projections over {value.Steps} steps do not fit a network of " +
                    $"{program.Projections.Count} projections over {program.Steps} steps");
            silenced = value;
            if (simulator is not null) simulator.Silenced = value;
        }
    }

    /// <summary>What the input holds at each step t = 0..T (image, blank or mask), from the network file's presentation.</summary>
    public IReadOnlyList<StepInput> InputAt => program.InputAt;

    /// <summary>Whether some step shows a mask: a forward pass then needs one mask per image beside the images.</summary>
    public bool ShowsMask => program.ShowsMask;

    /// <summary>
    /// When set, this network is one replica of a data-parallel run and every batch it is given is its slice of a global batch:
    /// batch normalisation in training normalises with the statistics of the global batch (its per-channel sums are summed
    /// over the replicas, forward and backward), and <see cref="TrainingStep{T}"/> sums gradients and losses over the replicas.
    /// Every replica must be built alike (same network, same seed). Null (the default): one process, the whole batch.
    /// </summary>
    public IReplicas? Replicas
    {
        get => replicas;
        set
        {
            replicas = value;
            if (arena is not null) arena.Replicas = value;
        }
    }

    /// <summary>
    /// What batch normalisation normalises with when not training: <see cref="InferenceStatistics.Running"/> (the default) or
    /// each batch's own statistics, the running averages left as they are (<see cref="InferenceStatistics.Batch"/>, a
    /// diagnostic). Changing it frees the arena, so nothing captured against the old setting is replayed.
    /// </summary>
    public InferenceStatistics InferenceStatistics
    {
        get => inferenceStatistics;
        set
        {
            if (!Enum.IsDefined(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "running or batch");
            if (value == inferenceStatistics) return;
            inferenceStatistics = value;
            Drop();
        }
    }

    /// <summary>Counts the arenas made: device work captured against one (a CUDA graph) is stale once this changes.</summary>
    public int ArenaVersion { get; private set; }

    /// <summary>Makes the arena for <paramref name="batch"/> (if it is not already), after checking the memory estimate against the device.</summary>
    public void Reserve(int batch)
    {
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), $"{Name}: batch must be ≥ 1, got {batch}");
        if (simulator?.Batch == batch) return;
        DeviceMemory.Ensure(Name, batch, estimatedBytes(batch, keepEvery), Backend);
        Drop();
        ArenaVersion++;
        arena = new StateArena<T>(Backend, batch) { Replicas = replicas, InferenceStatistics = inferenceStatistics };
        simulator = new Simulator<T>(program, arena, Storage) { Profiler = profiler, Silenced = silenced };
        uploadedWeights = new LossWeights?[program.Readouts.Count];
        uploadedGroups = new int[]?[program.Readouts.Count];
    }

    /// <summary>Frees the arena (the next pass makes a new one).</summary>
    private void Drop()
    {
        if (arena is not null)
        {
            Backend.Synchronize();   // queued kernels may still read the old arena
            arena.Dispose();
        }
        arena = null;
        simulator = null;
    }

    /// <summary>
    /// Runs T steps on images [B, …input shape] given on the host; returns every readout's logits [S, B, K], in readout
    /// order. A network whose presentation shows a mask needs the masks too (the other overload).
    /// </summary>
    public IReadOnlyList<Tensor<T>> Forward(ReadOnlySpan<T> images, int batch, bool training) => Forward(images, default, batch, training);

    /// <summary>
    /// Runs T steps on images [B, …input shape] and, when the presentation shows a mask at some step
    /// (<see cref="ShowsMask"/>), one mask per image [B, …input shape] (empty otherwise), both given on the host; returns
    /// every readout's logits [S, B, K], in readout order.
    /// </summary>
    public IReadOnlyList<Tensor<T>> Forward(ReadOnlySpan<T> images, ReadOnlySpan<T> masks, int batch, bool training)
    {
        UploadInputs(images, masks, batch);
        return Run(training);
    }

    /// <summary>Checks images [B, …input shape] and masks (as <see cref="CheckMasks"/>), makes the arena for the batch and uploads both.</summary>
    private void UploadInputs(ReadOnlySpan<T> images, ReadOnlySpan<T> masks, int batch)
    {
        long perImage = program.InputShape.Aggregate(1L, (a, d) => a * d);
        if (images.Length != batch * perImage)
            throw new ArgumentException($"{Name}: {images.Length} input values are not {batch} images of [{string.Join(", ", program.InputShape)}] ({batch * perImage} values)");
        CheckMasks(masks.Length, batch * perImage);
        Reserve(batch);
        Backend.Upload(images, simulator!.Input);
        if (ShowsMask) Backend.Upload(masks, simulator.Mask);
    }

    /// <summary>
    /// Runs T steps on images [B, …input shape] already on this network's backend, with one mask per image of the same
    /// shape when the presentation shows a mask (<see cref="ShowsMask"/>; null otherwise); returns every readout's logits [S, B, K].
    /// </summary>
    public IReadOnlyList<Tensor<T>> Forward(Tensor<T> images, bool training, Tensor<T>? masks = null)
    {
        if (images.Shape.Rank != program.InputShape.Length + 1 || !images.Shape.Dims[1..].SequenceEqual(program.InputShape))
            throw new ArgumentException($"{Name}: input must be [B, {string.Join(", ", program.InputShape)}], got {images.Shape}");
        if (masks is not null && masks.Shape != images.Shape)
            throw new ArgumentException($"{Name}: masks must have the images' shape {images.Shape}, got {masks.Shape}");
        CheckMasks(masks?.Length ?? 0, images.Length);
        Reserve(images.Shape[0]);
        Backend.Copy(images, simulator!.Input);
        if (masks is not null) Backend.Copy(masks, simulator.Mask);
        return Run(training);
    }

    private void CheckMasks(long given, long expected)
    {
        if (ShowsMask && given != expected)
        {
            var steps = Enumerable.Range(1, Steps).Where(t => program.InputAt[t] == StepInput.Mask);
            throw new ArgumentException($"{Name}: the input shows a mask at steps {string.Join(", ", steps)}, so a forward pass needs one mask per image " +
                $"({expected} values), got {given}");
        }
        if (!ShowsMask && given != 0)
            throw new ArgumentException($"{Name}: masks were given, but the presentation shows none (no step's input is a mask)");
    }

    private IReadOnlyList<Tensor<T>> Run(bool training)
    {
        if (program.Readouts.Count == 0) throw new InvalidOperationException($"{Name} has no readout");
        simulator!.Forward(training);
        return [.. simulator.Readouts.Select(r => r.Logits.All)];
    }

    /// <summary>The logits [S, B, K] of the named readout from the last forward pass.</summary>
    public Tensor<T> Logits(string readout) => Bound().Readouts[ReadoutIndex(readout)].Logits.All;

    /// <summary>
    /// The loss of the last forward pass, computed on the device: for each readout, softmax cross-entropy at each read,
    /// weighted by the readout's <see cref="IReadoutOp{T}.Loss"/> (or by <paramref name="weights"/>, one per readout, when
    /// given: evaluation passes <see cref="LossWeights.PerStep"/>), fine against the labels and coarse against the labels'
    /// groups. Writes each readout's probabilities, per-image losses and ∂L/∂logits (<see cref="LossGradients"/>) and
    /// reads back only the totals.
    /// </summary>
    /// <param name="labels">Class indices [B].</param>
    /// <param name="coarseGroups">The coarse group of each class (needed when a weight is coarse); empty otherwise.</param>
    /// <param name="weights">Weights per readout replacing the readouts' own; null: theirs.</param>
    public LossResult Loss(ReadOnlySpan<int> labels, ReadOnlySpan<int> coarseGroups = default, IReadOnlyList<LossWeights>? weights = null)
    {
        StageLabels(labels, coarseGroups, weights);
        EnqueueLoss();
        return ReadLoss();
    }

    /// <summary>
    /// Uploads what a training step needs from the host before any of its device work — the images [B, …], the masks
    /// [B, …] when the presentation shows one (<see cref="ShowsMask"/>; empty otherwise), the labels and, where a readout's
    /// loss needs them, its weights and the coarse groups — so that the step's device work (<see cref="ForwardStaged"/>,
    /// <see cref="EnqueueLoss"/>, backward, the update) reads nothing from the host and can be captured into a CUDA graph
    /// and replayed. Makes the arena for the batch first (<see cref="Reserve"/>).
    /// </summary>
    public void Stage(ReadOnlySpan<T> images, ReadOnlySpan<T> masks, int batch, ReadOnlySpan<int> labels, ReadOnlySpan<int> coarseGroups)
    {
        UploadInputs(images, masks, batch);
        StageLabels(labels, coarseGroups, null);
    }

    /// <summary>Runs T steps on the staged images (<see cref="Stage"/>); queues device work only.</summary>
    public void ForwardStaged(bool training) => Run(training);

    /// <summary>Uploads the labels, and each readout's loss weights and coarse groups where they changed or are needed.</summary>
    private void StageLabels(ReadOnlySpan<int> labels, ReadOnlySpan<int> coarseGroups, IReadOnlyList<LossWeights>? weights)
    {
        var sim = Bound();
        if (labels.Length != sim.Batch)
            throw new ArgumentException($"{Name}: {labels.Length} labels for a batch of {sim.Batch}");
        if (weights is not null && weights.Count != program.Readouts.Count)
            throw new ArgumentException($"{Name}: {weights.Count} sets of loss weights for {program.Readouts.Count} readouts");
        var host = new T[labels.Length];
        for (int b = 0; b < host.Length; b++) host[b] = T.CreateChecked(labels[b]);
        foreach (var r in program.Readouts) SoftmaxCrossEntropy.ValidateLabels<T>(host, r.Classes);
        Backend.Upload(host, sim.Labels);
        for (int r = 0; r < program.Readouts.Count; r++)
        {
            var readout = program.Readouts[r];
            var m = sim.Readouts[r];
            var w = weights?[r] ?? readout.Loss;
            if (w.Fine.Count != readout.Steps.Count || w.Coarse.Count != readout.Steps.Count)
                throw new ArgumentException($"{Name}: readout '{readout.Name}' reads {readout.Steps.Count} steps, but its loss has {w.Fine.Count} fine and {w.Coarse.Count} coarse weights");
            if (!ReferenceEquals(uploadedWeights[r], w))
            {
                Backend.Upload([.. w.Fine.Select(T.CreateChecked)], m.FineWeights);
                Backend.Upload([.. w.Coarse.Select(T.CreateChecked)], m.CoarseWeights);
                uploadedWeights[r] = w;
            }
            if (w.NeedsGroups) UploadGroups(r, coarseGroups);
        }
    }

    /// <summary>
    /// Queues the scheduled loss of every readout on the staged labels: probabilities, per-image losses, ∂L/∂logits and
    /// each readout's summed loss, all on the device, with the loss weights staged with the labels; nothing is read back
    /// (<see cref="ReadLoss"/> does).
    /// </summary>
    public void EnqueueLoss()
    {
        var sim = Bound();
        T scale = T.CreateChecked(1.0 / sim.Batch);
        for (int r = 0; r < program.Readouts.Count; r++)
        {
            var m = sim.Readouts[r];
            SoftmaxCrossEntropy.Scheduled(m.Logits.All, sim.Labels, m.Groups, m.FineWeights, m.CoarseWeights, m.Probabilities.All, m.ImageLosses.All,
                m.LogitGradients.All, scale);
            Reduce.SumOverAxes(m.ImageLosses.All, 1, 1, m.ImageLosses.All.Length, m.Loss, accumulate: false);
        }
    }

    /// <summary>Each readout's summed loss [1] from the last <see cref="EnqueueLoss"/>, on the device (read it with <see cref="ReadLoss"/>).</summary>
    public IReadOnlyList<Tensor<T>> LossTotals => [.. Bound().Readouts.Select(r => r.Loss)];

    /// <summary>Reads back the loss of the last <see cref="EnqueueLoss"/> (waits for the device).</summary>
    public LossResult ReadLoss()
    {
        var sim = Bound();
        var perReadout = new double[program.Readouts.Count];
        for (int r = 0; r < perReadout.Length; r++)
            perReadout[r] = double.CreateChecked(sim.Readouts[r].Loss.ToArray()[0]) / sim.Batch;
        return new LossResult(perReadout.Sum(), perReadout);
    }

    private void UploadGroups(int r, ReadOnlySpan<int> groups)
    {
        var readout = program.Readouts[r];
        if (groups.Length == 0)
            throw new ArgumentException($"{Name}: readout '{readout.Name}' has a coarse loss, but no coarse groups were given (the dataset has none)");
        if (groups.Length != readout.Classes)
            throw new ArgumentException($"{Name}: readout '{readout.Name}' scores {readout.Classes} classes, but {groups.Length} coarse groups were given");
        if (uploadedGroups[r] is { } known && groups.SequenceEqual(known)) return;
        var host = new T[groups.Length];
        for (int c = 0; c < host.Length; c++) host[c] = T.CreateChecked(groups[c]);
        Backend.Upload(host, Bound().Readouts[r].Groups);
        uploadedGroups[r] = groups.ToArray();
    }

    /// <summary>∂L/∂logits of every readout from the last <see cref="Loss"/>, in readout order.</summary>
    public IReadOnlyList<Tensor<T>> LossGradients => [.. Bound().Readouts.Select(r => r.LogitGradients.All)];

    /// <summary>softmax(logits) [S, B, K] of readout <paramref name="readout"/> from the last <see cref="Loss"/>.</summary>
    public Tensor<T> Probabilities(int readout) => Bound().Readouts[readout].Probabilities.All;

    /// <summary>The weighted loss of each image at each read [S, B, 1] of readout <paramref name="readout"/> from the last <see cref="Loss"/>.</summary>
    public Tensor<T> ImageLosses(int readout) => Bound().Readouts[readout].ImageLosses.All;

    /// <summary>
    /// Backward through time from ∂L/∂logits of every readout, in readout order: parameter gradients accumulate;
    /// <paramref name="inputGradient"/> also computes <see cref="InputGradient"/>.
    /// </summary>
    public void Backward(IReadOnlyList<Tensor<T>> dLogits, bool inputGradient = false) => Bound().Backward(dLogits, inputGradient);

    /// <summary>∂L/∂image [B, …] from the last backward pass that asked for it, summed over the steps at which the image is shown.</summary>
    public Tensor<T> InputGradient => Bound().InputGradient;

    /// <summary>Sets every parameter gradient to zero.</summary>
    public void ZeroGradients() => program.Store.ZeroGradients();

    /// <summary>The recorded state h(t) [B, …] of an area at step t (0: the initial state) from the last forward pass.</summary>
    public Tensor<T> State(string area, int step)
    {
        var m = Bound().Areas[AreaIndex(area)];
        if (step < 0 || step > Steps) throw new ArgumentOutOfRangeException(nameof(step), $"{Name}: step {step} is outside 0..{Steps}");
        if (!HoldsState(step))
            throw new InvalidOperationException($"{Name}: h({step}) is not held: {Storage}; only steps {Steps - Storage.Window + 1}..{Steps} can be read " +
                "(set the steps between kept states to 0 to store every step)");
        return m.State[step];
    }

    /// <summary>Every recorded state of an area: [T + 1, B, …], index 0 the initial state (every step stored only).</summary>
    public Tensor<T> States(string area)
    {
        var m = Bound().Areas[AreaIndex(area)];
        if (Storage.Checkpointed)
            throw new InvalidOperationException($"{Name}: not every state is held ({Storage}); set the steps between kept states to 0 to store every step");
        return m.State.All;
    }

    private Simulator<T> Bound() => simulator ?? throw new InvalidOperationException($"{Name}: run Forward first");

    private int AreaIndex(string area) => IndexOf(program.Areas.Select(a => a.Name), area, "area");

    private int ReadoutIndex(string readout) => IndexOf(program.Readouts.Select(r => r.Name), readout, "readout");

    private int IndexOf(IEnumerable<string> names, string name, string what)
    {
        var list = names.ToList();
        int i = list.IndexOf(name);
        return i >= 0 ? i : throw new ArgumentException($"{Name}: no {what} named '{name}'; {what}s: {string.Join(", ", list)}");
    }

    /// <summary>Frees the arena and every parameter.</summary>
    public void Dispose()
    {
        Backend.Synchronize();
        arena?.Dispose();
        arena = null;
        simulator = null;
        program.Store.Dispose();
    }
}
