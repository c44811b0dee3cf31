using Cortex.Areas;
using Cortex.Connectivity.Spec;
using Cortex.Core.Simulation;

namespace Cortex.Connectivity.Graph;

/// <summary>One area's line of the ledger.</summary>
/// <param name="Name">The area.</param>
/// <param name="Level">Its level.</param>
/// <param name="Kind">Its kind's word.</param>
/// <param name="Describe">What its kind computes, in one line.</param>
/// <param name="Shape">Its shape.</param>
/// <param name="Neurons">C·H·W or N.</param>
/// <param name="Synapses">Its own synaptic weights (a gated area's recurrent convolutions), every copy.</param>
/// <param name="MacsPerStep">Multiply–accumulates per image of its own synapses at each update.</param>
/// <param name="FirstInputStep">The first step at which it is reached from the input (null: never within T).</param>
/// <param name="DepthPerStep">DepthPerStep[t − 1]: the longest chain of synaptic layers from the input to it at step t (null: not reached yet).</param>
public sealed record AreaLedger(string Name, int Level, string Kind, string Describe, AreaShape Shape, long Neurons, long Synapses, long MacsPerStep,
    int? FirstInputStep, IReadOnlyList<int?> DepthPerStep);

/// <summary>One projection's line.</summary>
/// <param name="Name">The projection.</param>
/// <param name="From">Its source.</param>
/// <param name="To">Its target.</param>
/// <param name="Type">Its type.</param>
/// <param name="Mode">Its mode's word.</param>
/// <param name="ModeSymbol">Its mode's mark ("" additive, "×", "÷", …).</param>
/// <param name="Delay">Its delay.</param>
/// <param name="Connectivity">What its kind computes, in one line ("conv 3×3 maxpool×2").</param>
/// <param name="WeightsPerCopy">Weights of one copy.</param>
/// <param name="Copies">Copies kept (weight tying).</param>
/// <param name="Synapses">WeightsPerCopy × Copies.</param>
/// <param name="MacsPerStep">MACs per image when it is active.</param>
/// <param name="ActiveSteps">The steps at which it is active.</param>
public sealed record ProjectionLedger(string Name, string From, string To, ProjectionType Type, string Mode, string ModeSymbol, int Delay, string Connectivity,
    long WeightsPerCopy, int Copies, long Synapses, long MacsPerStep, IReadOnlyList<int> ActiveSteps);

/// <summary>One readout's line.</summary>
/// <param name="Name">The readout.</param>
/// <param name="From">The area it reads.</param>
/// <param name="Describe">What it computes and how it is trained.</param>
/// <param name="Classes">K.</param>
/// <param name="Steps">The steps it reads.</param>
/// <param name="Parameters">Its parameters.</param>
public sealed record ReadoutLedger(string Name, string From, string Describe, int Classes, IReadOnlyList<int> Steps, long Parameters);

/// <summary>
/// Estimated memory of a training run in bytes: the state arena (every history and scratch tensor the simulator and
/// the kinds declared, at this batch), weights, their gradients and two optimiser moments.
/// </summary>
/// <param name="Batch">B.</param>
/// <param name="BytesPerValue">4 for float.</param>
/// <param name="StateBytes">The arena.</param>
/// <param name="WeightBytes">Every parameter.</param>
/// <param name="GradientBytes">Their gradients.</param>
/// <param name="OptimiserBytes">Two moments per parameter.</param>
public sealed record MemoryEstimate(int Batch, int BytesPerValue, long StateBytes, long WeightBytes, long GradientBytes, long OptimiserBytes)
{
    /// <summary>How the arena holds the time axis for this estimate (every step stored unless checkpointing in time).</summary>
    public TimeStorage? Storage { get; init; }

    /// <summary>Everything.</summary>
    public long TotalBytes => StateBytes + WeightBytes + GradientBytes + OptimiserBytes;
}

/// <summary>
/// The depth-per-synapse ledger of a network: neurons, synapses (unique trainable synaptic weights: projections' and
/// areas' own), synaptic operations per step and per image, effective depth at each step, the first step at which each
/// area receives input, the synapses the untied twin of equal depth would need, and the memory of a training run — all
/// read from the kinds' own descriptions. See docs/time-semantics.md.
/// </summary>
public sealed record Ledger
{
    /// <summary>The network's name.</summary>
    public required string Network { get; init; }

    /// <summary>T.</summary>
    public required int Steps { get; init; }

    /// <summary>synchronous or biological.</summary>
    public required string Unroll { get; init; }

    /// <summary>The weight_tying word.</summary>
    public required string WeightTying { get; init; }

    /// <summary>One line per area.</summary>
    public required IReadOnlyList<AreaLedger> Areas { get; init; }

    /// <summary>One line per projection.</summary>
    public required IReadOnlyList<ProjectionLedger> Projections { get; init; }

    /// <summary>One line per readout.</summary>
    public required IReadOnlyList<ReadoutLedger> Readouts { get; init; }

    /// <summary>Σ neurons of the areas (the input is not counted).</summary>
    public long Neurons => Areas.Sum(a => a.Neurons);

    /// <summary>Neurons of the unrolled graph: every area at every step (what the untied twin would have).</summary>
    public long UnrolledNeurons => Neurons * Steps;

    /// <summary>Unique trainable synaptic weights: each projection's weights × its copies, plus areas' own synapses. Biases are not synapses.</summary>
    public long Synapses => Projections.Sum(p => p.Synapses) + Areas.Sum(a => a.Synapses);

    /// <summary>Synapses of one copy of every weight (the synapses of the shared network).</summary>
    public long SynapsesPerCopy => Projections.Sum(p => p.WeightsPerCopy) + Areas.Sum(a => a.Synapses) / WeightCopies;

    /// <summary>The untied twin of equal depth: a separate copy of each projection for every step at which it is active, and of each area's own synapses for every step.</summary>
    public long UntiedTwinSynapses => Projections.Sum(p => p.WeightsPerCopy * p.ActiveSteps.Count) + Areas.Sum(a => a.Synapses / WeightCopies * Steps);

    /// <summary>Copies of each synaptic weight (1 shared, T untied, ⌈T/k⌉ tied every k).</summary>
    public required int WeightCopies { get; init; }

    /// <summary>Synaptic operations (multiply–accumulates) per image at step t: projections active at t and areas' own synapses.</summary>
    public required IReadOnlyList<long> SynapticOpsPerStep { get; init; }

    /// <summary>Synaptic operations per image over all T steps.</summary>
    public long SynapticOpsPerImage => SynapticOpsPerStep.Sum();

    /// <summary>Effective depth at step t: the longest chain of synaptic layers from the input to a readout area (null while no readout area is reached).</summary>
    public required IReadOnlyList<int?> EffectiveDepth { get; init; }

    /// <summary>Trainable parameters that are not synapses: biases, normalisation γ and β, learned τ and initial states, readouts.</summary>
    public required long OtherParameters { get; init; }

    /// <summary>Every trainable parameter.</summary>
    public long Parameters => Synapses + OtherParameters;

    /// <summary>How the arena's values follow the batch size and the time storage (from the same plans the arena allocates by).</summary>
    public required Func<int, TimeStorage, long> Arena { private get; init; }

    /// <summary>How far back the network's reads go: its largest projection delay, at least 1 (what a segment restarts from).</summary>
    public required int Reach { get; init; }

    /// <summary>The time storage that keeps the states of every <paramref name="keepEvery"/>-th step (0: every step stored).</summary>
    public TimeStorage Storage(int keepEvery) => TimeStorage.For(Steps, keepEvery, Reach);

    /// <summary>
    /// The values the state arena holds at batch <paramref name="batch"/>: every history, scratch tensor and loss buffer, with the
    /// states of every <paramref name="keepEvery"/>-th step kept (0: every step stored).
    /// </summary>
    public long ArenaValues(int batch, int keepEvery = 0) => Arena(batch, Storage(keepEvery));

    /// <summary>
    /// Estimated memory for training with batch <paramref name="batch"/>: the arena as declared (with the states of every
    /// <paramref name="keepEvery"/>-th step kept; 0: every step stored), weights, gradients and two optimiser moments.
    /// </summary>
    public MemoryEstimate Memory(int batch, int bytesPerValue = sizeof(float), int keepEvery = 0)
    {
        long weights = Parameters * bytesPerValue;
        return new MemoryEstimate(batch, bytesPerValue, ArenaValues(batch, keepEvery) * bytesPerValue, weights, weights, 2 * weights)
        {
            Storage = Storage(keepEvery),
        };
    }

    /// <summary>
    /// The steps between kept states for training at batch <paramref name="batch"/> within <paramref name="budgetBytes"/>: 0 (every
    /// step stored) when that fits; else, among the k whose estimate fits, the one that recomputes the fewest steps in backward
    /// (T less the last segment, which is still in the window), the largest of those; null when no k fits.
    /// </summary>
    public int? KeepEveryWithin(long budgetBytes, int batch, int bytesPerValue = sizeof(float))
    {
        if (Memory(batch, bytesPerValue).TotalBytes <= budgetBytes) return 0;
        var fitting = Enumerable.Range(1, Math.Max(Steps - 1, 0))
            .Where(k => Storage(k).Checkpointed && Memory(batch, bytesPerValue, k).TotalBytes <= budgetBytes).ToList();
        return fitting.Count == 0 ? null : fitting.OrderBy(k => Storage(k).Recomputed).ThenByDescending(k => k).First();
    }

    /// <summary>The k ≥ 1 with the smallest estimate at batch <paramref name="batch"/> (0 when checkpointing in time cannot save memory: T too short).</summary>
    public int SmallestKeepEvery(int batch)
    {
        int best = Enumerable.Range(1, Math.Max(Steps - 1, 0)).Where(k => Storage(k).Checkpointed).OrderBy(k => ArenaValues(batch, k)).ThenByDescending(k => k)
            .DefaultIfEmpty(0).First();
        return best > 0 && ArenaValues(batch, best) < ArenaValues(batch) ? best : 0;
    }

    /// <summary>Computes the ledger of a graph by walking its schedule.</summary>
    public static Ledger Of(NetworkGraph graph)
    {
        var schedule = graph.Schedule;
        var spec = graph.Spec;
        int steps = spec.Time.Steps;
        var depth = Depths(graph);
        var areaModels = graph.Areas.Select(a => a.Model!).ToList();

        var areas = graph.Areas.Select(a =>
        {
            var perStep = Enumerable.Range(1, steps).Select(t => depth[a.Index, t]).ToList();
            int first = perStep.FindIndex(d => d is not null);
            var m = a.Model!;
            return new AreaLedger(a.Name, a.Level, a.Area!.Kind.Word, m.Describe(), a.Shape, a.Neurons, m.Parameters.Where(p => p.Synaptic).Sum(p => p.Values),
                m.MacsPerUpdate, first < 0 ? null : first + 1, perStep);
        }).ToList();

        var projections = graph.Projections.Select(p => new ProjectionLedger(p.Name, p.From.Name, p.To.Name, p.Type, p.Mode.Word, p.Mode.Symbol, p.Delay,
            p.Model.Describe(), p.Model.WeightsPerCopy, spec.WeightCopies, p.Model.WeightsPerCopy * spec.WeightCopies, p.Model.MacsPerImage,
            schedule.ActiveSteps(p).ToList())).ToList();

        var readouts = graph.Readouts.Select(r => new ReadoutLedger(r.Spec.Name, r.From.Name, r.Model.Describe(), r.Spec.Classes, r.Model.Steps, r.Parameters)).ToList();

        long areaMacs = areaModels.Sum(m => m.MacsPerUpdate);
        var ops = Enumerable.Range(1, steps).Select(t => schedule.Updates[t - 1].SelectMany(u => u.Reads)
            .Where(r => r.IsActive).Sum(r => r.Projection.Model.MacsPerImage) + areaMacs).ToList();

        var readoutAreas = graph.Readouts.Select(r => r.From.Index).Distinct().ToList();
        var effective = Enumerable.Range(1, steps).Select(t => readoutAreas.Select(i => depth[i, t]).Max()).ToList();

        var inputShape = spec.Input.Shape.Dimensions;
        var areaShapes = graph.Areas.Select(a => (a.Shape.Dimensions, a.Model!.Inputs)).ToList();
        var readoutShapes = graph.Readouts.Select(r => (r.Model.Steps.Count, r.Spec.Classes)).ToList();
        var plans = areaModels.Select(m => m.Memory).Concat(graph.Projections.Select(p => p.Model.Memory)).Concat(graph.Readouts.Select(r => r.Model.Memory)).ToList();
        return new Ledger
        {
            Network = spec.Name, Steps = steps, Unroll = spec.Time.Unroll.ToString().ToLowerInvariant(), WeightTying = Schedule.Tying(spec),
            WeightCopies = spec.WeightCopies, Areas = areas, Projections = projections, Readouts = readouts, SynapticOpsPerStep = ops, EffectiveDepth = effective,
            OtherParameters = areaModels.Sum(m => m.Parameters.Where(p => !p.Synaptic).Sum(p => p.Values)) + graph.Readouts.Sum(r => r.Parameters),
            Arena = (batch, storage) => SimulatorMemory.Values(batch, storage, inputShape, Enumerable.Range(1, steps).Any(t => spec.Input.At(t) == StepInput.Mask),
                areaShapes, readoutShapes) + plans.Sum(p => p.Values(batch, storage)),
            Reach = Math.Max(1, graph.Projections.Select(p => p.Delay).DefaultIfEmpty(0).Max()),
        };
    }

    /// <summary>
    /// depth[node, t]: the longest chain of synaptic layers from the input to node at step t, by dynamic programming over
    /// (area, step) with areas in update order (so zero-delay sources are final before their targets). The input has
    /// depth 0 at the steps it shows the image or a mask. A read adds one layer, and the area's kind adds its own layers between its drive
    /// and its state; a kind whose state depends on h(t − 1) directly (a leak: 0 layers; a convolution of the state: 1)
    /// carries the depth of h(t − 1) forward.
    /// </summary>
    private static int?[,] Depths(NetworkGraph graph)
    {
        var schedule = graph.Schedule;
        int steps = graph.Steps;
        var depth = new int?[graph.Nodes.Count, steps + 1];
        for (int t = 1; t <= steps; t++)
        {
            if (graph.Spec.Input.At(t) != StepInput.Blank) depth[0, t] = 0;
            foreach (var update in schedule.Updates[t - 1])
            {
                var model = update.Area.Model!;
                int? best = model.StateDepth is { } carried && t > 1 && depth[update.Area.Index, t - 1] is { } previous ? previous + carried : null;
                foreach (var read in update.Reads)
                    if (read.SourceStep >= 1 && depth[read.Projection.From.Index, read.SourceStep] is { } d && (best is null || d + 1 + model.InputDepth > best))
                        best = d + 1 + model.InputDepth;
                depth[update.Area.Index, t] = best;
            }
        }
        return depth;
    }
}
