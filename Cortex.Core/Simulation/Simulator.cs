using System.Numerics;
using Cortex.Core.Tensors;

namespace Cortex.Core.Simulation;

/// <summary>A readout's arena memory: what the simulator and the loss share (<see cref="SimulatorMemory.ReadoutPlan"/>) and the readout's own plan.</summary>
public sealed class ReadoutMemory<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly BoundMemory<T> shared;

    internal ReadoutMemory(StateArena<T> arena, TimeStorage storage, IReadoutOp<T> readout)
    {
        shared = arena.Bind(SimulatorMemory.ReadoutPlan(readout.Steps.Count, readout.Classes), storage);
        Own = arena.Bind(readout.Memory, storage);
    }

    /// <summary>Logits[k] for the k-th read step (0-based). // [S, B, K]</summary>
    public History<T> Logits => shared.History(new Slot(0));

    /// <summary>softmax(logits) at each read, written by the loss. // [S, B, K]</summary>
    public History<T> Probabilities => shared.History(new Slot(1));

    /// <summary>∂L/∂logits at each read, written by the loss. // [S, B, K]</summary>
    public History<T> LogitGradients => shared.History(new Slot(2));

    /// <summary>The weighted loss of each image at each read. // [S, B, 1]</summary>
    public History<T> ImageLosses => shared.History(new Slot(3));

    /// <summary>The fine and coarse loss weights of each read, and the coarse group of each class, as last uploaded.</summary>
    public Tensor<T> FineWeights => shared.Tensor(new Slot(4));

    /// <inheritdoc cref="FineWeights"/>
    public Tensor<T> CoarseWeights => shared.Tensor(new Slot(5));

    /// <inheritdoc cref="FineWeights"/>
    public Tensor<T> Groups => shared.Tensor(new Slot(6));

    /// <summary>The readout's loss, mean over the batch. // [1]</summary>
    public Tensor<T> Loss => shared.Tensor(new Slot(7));

    /// <summary>The memory the readout's own plan asked for.</summary>
    public BoundMemory<T> Own { get; }
}

/// <summary>
/// The only time loop. Forward: for t = 1..T, areas in update order; each input of an area is the sum of the
/// projections into it, every projection reading its source at t − delay (t − delay &lt; 1: the source's initial
/// state, or a blank for the input; the input at s ≥ 1: what <see cref="CompiledProgram{T}.InputAt"/> says it holds — the
/// image, a blank or the mask); then the area's step function gives h(t); then the readouts of step t.
/// Backward through time runs the same schedule in reverse (t = T..1, areas in reverse update order), so that
/// ∂L/∂h(t) of an area is complete before its own step is differentiated: every later use (readouts at t,
/// zero-delay targets at t, delayed targets at t' &gt; t, the area's own step t + 1) has already added to it.
/// Reads that cannot carry a signal — a blank input, a zero initial state — and reads silenced by a lesion
/// (<see cref="Silenced"/>) are skipped both ways, so they cost nothing and contribute exactly zero. The simulator
/// knows areas, projections and readouts only through their interfaces and their memory plans: all memory is bound
/// once from a <see cref="StateArena{T}"/>; nothing is allocated per step.
/// </summary>
public sealed partial class Simulator<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly CompiledProgram<T> program;
    private readonly IProjectionOp<T>[][] into;
    private readonly int[][] intoIndex;
    private readonly BoundMemory<T>[][] intoMemory;
    private readonly (int Readout, int Read)[][] readsAt;
    private readonly bool[][] received;
    private readonly BoundMemory<T> inputs;
    private bool trained;

    /// <summary>Binds every area's, projection's and readout's memory in <paramref name="arena"/>, every step stored.</summary>
    public Simulator(CompiledProgram<T> program, StateArena<T> arena) : this(program, arena, TimeStorage.Full(program.Steps)) { }

    /// <summary>
    /// Binds every area's, projection's and readout's memory in <paramref name="arena"/>, the time axis held as
    /// <paramref name="storage"/> says (checkpointing in time: backward recomputes the steps it does not hold).
    /// </summary>
    public Simulator(CompiledProgram<T> program, StateArena<T> arena, TimeStorage storage)
    {
        if (storage.Steps != program.Steps)
            throw new ArgumentException($"{program.Name}: time storage for {storage.Steps} steps does not fit a network of {program.Steps} steps");
        if (storage.Reach < Reach(program))
            throw new ArgumentException($"{program.Name}: time storage that reaches {storage.Reach} steps back does not hold the reads of delay {Reach(program)}");
        this.program = program;
        Storage = storage;
        Batch = arena.Batch;
        int steps = program.Steps;
        Areas = [.. program.Areas.Select(a => new AreaMemory<T>(arena, storage, a))];
        Projections = [.. program.Projections.Select(p => arena.Bind(p.Memory, storage))];
        Readouts = [.. program.Readouts.Select(r => new ReadoutMemory<T>(arena, storage, r))];
        inputs = arena.Bind(SimulatorMemory.InputPlan(program.InputShape, program.ShowsMask), storage);
        into = new IProjectionOp<T>[program.Areas.Count + 1][];
        intoIndex = new int[program.Areas.Count + 1][];
        intoMemory = new BoundMemory<T>[program.Areas.Count + 1][];
        received = new bool[program.Areas.Count + 1][];
        for (int node = 1; node <= program.Areas.Count; node++)
        {
            var indices = Enumerable.Range(0, program.Projections.Count).Where(i => program.Projections[i].Wiring.Target == node).ToArray();
            into[node] = [.. indices.Select(i => program.Projections[i])];
            intoIndex[node] = indices;
            intoMemory[node] = [.. indices.Select(i => Projections[i])];
            received[node] = new bool[program.Areas[node - 1].Inputs];
        }
        readsAt = new (int, int)[steps + 1][];
        for (int t = 0; t <= steps; t++)
            readsAt[t] = [.. program.Readouts.SelectMany((r, i) => r.Steps.Select((s, k) => (s, i, k))).Where(x => x.s == t).Select(x => (x.i, x.k))];
        var kept = storage.Kept;
        keptAt = [.. Enumerable.Range(0, steps + 1).Select(t => Enumerable.Range(0, kept.Count).Where(i => kept[i] == t).ToArray())];
        var segments = storage.Segments;
        keptFor = [.. segments.Select(seg => Enumerable.Range(0, kept.Count).Where(i => kept[i] > seg.Start - storage.Reach && kept[i] <= seg.Start)
            .Select(i => (i, kept[i])).DistinctBy(x => x.Item2).ToArray())];
    }

    /// <summary>How far back the reads of <paramref name="program"/> go: its largest projection delay, and at least 1 (an area's own h(t − 1)).</summary>
    public static int Reach(CompiledProgram<T> program) => Math.Max(1, program.Projections.Select(p => p.Wiring.Delay).DefaultIfEmpty(0).Max());

    /// <summary>How the arena holds the time axis: every step, or checkpointing in time.</summary>
    public TimeStorage Storage { get; }

    /// <summary>The batch size the memory is bound for.</summary>
    public int Batch { get; }

    /// <summary>When set, every area step, projection, readout and fill is timed (synchronising the backend each time); null: not profiled.</summary>
    public Profiler? Profiler { get; set; }

    /// <summary>Area memories: node k is Areas[k − 1].</summary>
    public IReadOnlyList<AreaMemory<T>> Areas { get; }

    /// <summary>Each projection's own memory, in program order.</summary>
    public IReadOnlyList<BoundMemory<T>> Projections { get; }

    /// <summary>Each readout's memory, in program order.</summary>
    public IReadOnlyList<ReadoutMemory<T>> Readouts { get; }

    /// <summary>
    /// Reads silenced by a lesion, consulted forward and backward (null: none). Set it through
    /// <see cref="Network{T}.Silenced"/>, which checks that it fits the program.
    /// </summary>
    public SilencedReads? Silenced { get; set; }

    /// <summary>The image shown at every step whose input is <see cref="StepInput.Image"/>. // [B, C, H, W] or [B, N]</summary>
    public Tensor<T> Input => inputs.Tensor(new Slot(0));

    /// <summary>The mask shown at every step whose input is <see cref="StepInput.Mask"/> (only when the program shows one). // [B, C, H, W] or [B, N]</summary>
    public Tensor<T> Mask => program.ShowsMask ? inputs.Tensor(new Slot(3))
        : throw new InvalidOperationException($"{program.Name}: no step shows a mask, so the arena holds none");

    /// <summary>∂L/∂image summed over the steps at which it is shown (written by <see cref="Backward"/>).</summary>
    public Tensor<T> InputGradient => inputs.Tensor(new Slot(1));

    /// <summary>Class indices of the batch, for the loss. // [B, 1]</summary>
    public Tensor<T> Labels => inputs.Tensor(new Slot(2));

    /// <summary>
    /// Runs t = 1..T on <see cref="Input"/>. <paramref name="training"/> selects batch statistics (and updates running averages);
    /// under checkpointing in time a training pass also copies the states backward restarts from into each area's kept states.
    /// </summary>
    public void Forward(bool training)
    {
        var profiler = Profiler;
        long clock = profiler?.Start() ?? 0;
        for (int a = 0; a < Areas.Count; a++) program.Areas[a].Begin(Areas[a]);
        foreach (var p in program.Projections) p.Begin();
        profiler?.Stop(clock, "begin", "areas and projections", backward: false);
        bool keep = training && Storage.Checkpointed;
        if (keep) Keep(0);
        for (int t = 1; t <= program.Steps; t++)
        {
            Step(t, training, recompute: false);
            if (keep) Keep(t);
        }
        trained = training;
    }

    /// <summary>
    /// Step t of the forward pass: the areas in update order, each after the projections into it; then the readouts of step t,
    /// unless <paramref name="recompute"/> — backward recomputing a segment from its kept states, whose readouts' logits and
    /// features (kept for every read) are already there. A recomputed step does exactly what the first pass did, so it
    /// writes the same values.
    /// </summary>
    private void Step(int t, bool training, bool recompute)
    {
        var backend = program.Store.Backend;
        var profiler = Profiler;
        long clock;
        string projectionFamily = recompute ? "recompute projection" : "projection", areaFamily = recompute ? "recompute area" : "area";
        int copy = program.WeightCopy[t];
        foreach (int node in program.UpdateOrder)
        {
            var m = Areas[node - 1];
            var written = received[node];
            Array.Clear(written);
            var projections = into[node];
            for (int i = 0; i < projections.Length; i++)
            {
                var p = projections[i];
                var source = SourceAt(intoIndex[node][i], p.Wiring, t);
                if (source is null) continue;
                clock = profiler?.Start() ?? 0;
                int input = p.Wiring.Input;
                p.Forward(source, intoMemory[node][i], t, copy, m.Inputs[input][t], written[input]);
                written[input] = true;
                profiler?.Stop(clock, projectionFamily, p.Wiring.Name, backward: recompute);
            }
            clock = profiler?.Start() ?? 0;
            for (int input = 0; input < written.Length; input++)
                if (!written[input]) backend.Fill(m.Inputs[input][t], T.Zero);
            program.Areas[node - 1].Step(m, t, copy, training);
            profiler?.Stop(clock, areaFamily, program.Areas[node - 1].Name, backward: recompute);
        }
        if (recompute) return;
        foreach (var (r, k) in readsAt[t])
        {
            var readout = program.Readouts[r];
            clock = profiler?.Start() ?? 0;
            readout.Forward(Areas[readout.Area - 1].State[t], Readouts[r].Own, k, Readouts[r].Logits[k]);
            profiler?.Stop(clock, "readout", readout.Name, backward: false);
        }
    }

    /// <summary>
    /// Backpropagation through time from ∂L/∂logits of every readout ([S, B, K] each, in readout order): parameter
    /// gradients accumulate (+=; zero them first); <see cref="InputGradient"/> is overwritten when <paramref name="inputGradient"/> (else zero). Needs a preceding
    /// <see cref="Forward"/> with training = true (batch normalisation is differentiated through its batch statistics).
    /// Under checkpointing in time the segments are taken last first: each but the last (still in the window) is recomputed
    /// from its kept states, then differentiated step by step, so only one segment's values and the kept states are alive.
    /// A recomputation would update the running averages of batch normalisation a second time, so the buffers are saved before
    /// each and restored after it (<see cref="ParameterStore{T}.SaveBuffers"/>).
    /// </summary>
    public void Backward(IReadOnlyList<Tensor<T>> dLogits, bool inputGradient)
    {
        if (!trained)
            throw new InvalidOperationException($"{program.Name}: backward needs a forward pass with training: true first");
        if (dLogits.Count != program.Readouts.Count)
            throw new ArgumentException($"{program.Name}: backward takes one logit gradient per readout ({program.Readouts.Count}), got {dLogits.Count}");
        for (int r = 0; r < dLogits.Count; r++)
        {
            var expected = Readouts[r].Logits.All.Shape;
            if (dLogits[r].Shape != expected)
                throw new ArgumentException($"{program.Name}: the logit gradient of readout '{program.Readouts[r].Name}' must have shape {expected} [steps, B, classes], got {dLogits[r].Shape}");
        }
        var backend = program.Store.Backend;
        var profiler = Profiler;
        long clock = profiler?.Start() ?? 0;
        // A state's gradient is not cleared up front: its first contribution is written over it, later ones add, and one
        // that nothing reached is zeroed when it is read (Materialise). That saves a pass over every state and a read of zeros.
        var written = new bool[Areas.Count][];
        for (int a = 0; a < Areas.Count; a++) written[a] = new bool[program.Steps + 1];
        backend.Fill(InputGradient, T.Zero);
        foreach (var p in program.Projections) p.BeginBackward();
        profiler?.Stop(clock, "begin", "gradient fills", backward: true);
        var segments = Storage.Segments;
        for (int segment = segments.Count - 1; segment >= 0; segment--)
        {
            if (segment < segments.Count - 1) Recompute(segment);
            for (int t = segments[segment].End; t > segments[segment].Start; t--) BackwardStep(t, inputGradient, written, dLogits);
        }
        clock = profiler?.Start() ?? 0;
        for (int a = 0; a < Areas.Count; a++)
        {
            if (program.Areas[a].LearnedInitialState) Materialise(written, a, 0);
            program.Areas[a].EndBackward(Areas[a]);
        }
        foreach (var p in program.Projections) p.EndBackward();
        profiler?.Stop(clock, "end", "areas and projections", backward: true);
    }

    /// <summary>Step t of backpropagation through time: the readouts of step t, then the areas in reverse update order, each before the projections into it.</summary>
    private void BackwardStep(int t, bool inputGradient, bool[][] written, IReadOnlyList<Tensor<T>> dLogits)
    {
        var profiler = Profiler;
        long clock;
        int copy = program.WeightCopy[t];
        foreach (var (r, k) in readsAt[t])
        {
            var readout = program.Readouts[r];
            var m = Areas[readout.Area - 1];
            clock = profiler?.Start() ?? 0;
            readout.Backward(m.State[t], Readouts[r].Own, k, dLogits[r].Step(k), m.DState[t], Contribute(written, readout.Area - 1, t));
            profiler?.Stop(clock, "readout", readout.Name, backward: true);
        }
        for (int o = program.UpdateOrder.Length - 1; o >= 0; o--)
        {
            int node = program.UpdateOrder[o];
            var area = program.Areas[node - 1];
            var m = Areas[node - 1];
            clock = profiler?.Start() ?? 0;
            Materialise(written, node - 1, t);
            if (area.CarriesState) Materialise(written, node - 1, t - 1);
            var dInputs = area.StepBackward(m, t, copy);
            profiler?.Stop(clock, "area", area.Name, backward: true);
            var projections = into[node];
            for (int i = 0; i < projections.Length; i++)
            {
                var p = projections[i];
                var source = SourceAt(intoIndex[node][i], p.Wiring, t);
                if (source is null || dInputs[p.Wiring.Input] is not { } dOutput) continue;
                clock = profiler?.Start() ?? 0;
                var (dSource, accumulate) = SourceGradientAt(p.Wiring, t, inputGradient, written);
                p.Backward(source, intoMemory[node][i], t, copy, dOutput, dSource, accumulate);
                profiler?.Stop(clock, "projection", p.Wiring.Name, backward: true);
            }
        }
    }

    /// <summary>Whether a contribution to area a's DState[t] adds to what is there (false for the first one, which writes over it).</summary>
    private static bool Contribute(bool[][] written, int a, int t)
    {
        bool before = written[a][t];
        written[a][t] = true;
        return before;
    }

    /// <summary>Makes area a's DState[t] valid to read: zero when nothing contributed to it.</summary>
    private void Materialise(bool[][] written, int a, int t)
    {
        if (written[a][t]) return;
        program.Store.Backend.Fill(Areas[a].DState[t], T.Zero);
        written[a][t] = true;
    }

    /// <summary>
    /// What projection <paramref name="projection"/> (program order) reads at step t: the state of its source at t − delay,
    /// the image or the mask; or null, and then the read is skipped both ways — a blank, a zero initial state, or a read
    /// silenced by a lesion.
    /// </summary>
    private Tensor<T>? SourceAt(int projection, Wiring w, int t)
    {
        if (Silenced is { } silenced && silenced.IsSilenced(projection, t)) return null;
        int s = t - w.Delay;
        if (w.Source == 0)
            return s < 1 ? null : program.InputAt[s] switch
            {
                StepInput.Image => Input,
                StepInput.Mask => Mask,
                _ => null,
            };
        if (s >= 1) return Areas[w.Source - 1].State[s];
        return program.Areas[w.Source - 1].LearnedInitialState ? Areas[w.Source - 1].State[0] : null;
    }

    /// <summary>
    /// Where a projection's source gradient goes at step t (the input's gradient when asked for and the image is shown, else
    /// null — a mask is a constant; or the source area's DState[t − delay]), and whether it adds there: always into the
    /// input's gradient (cleared up front), and into a state's gradient unless it is the first contribution (<see cref="Contribute"/>).
    /// </summary>
    private (Tensor<T>? Gradient, bool Accumulate) SourceGradientAt(Wiring w, int t, bool inputGradient, bool[][] written)
    {
        if (w.Source == 0) return (inputGradient && program.InputAt[t - w.Delay] == StepInput.Image ? InputGradient : null, true);
        int s = Math.Max(t - w.Delay, 0);
        return (Areas[w.Source - 1].DState[s], Contribute(written, w.Source - 1, s));
    }
}
