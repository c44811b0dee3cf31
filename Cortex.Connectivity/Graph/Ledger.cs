using Cortex.Areas;
using Cortex.Connectivity.Spec;

namespace Cortex.Connectivity.Graph;

/// <summary>One area's line of the ledger. <see cref="DepthPerStep"/>[t − 1] is the longest chain of projections from the input to this area at step t (null: not reached yet).</summary>
public sealed record AreaLedger(string Name, int Level, AreaShape Shape, long Neurons, int? FirstInputStep, IReadOnlyList<int?> DepthPerStep);

/// <summary>One projection's line: unique weights per copy, copies kept (weight tying), MACs per image at each active step.</summary>
public sealed record ProjectionLedger(string Name, string From, string To, ProjectionType Type, ProjectionMode Mode, int Delay, string Connectivity,
    long WeightsPerCopy, int Copies, long Synapses, long MacsPerStep, IReadOnlyList<int> ActiveSteps);

/// <summary>
/// Estimated memory of a training run in bytes: histories of states [T, B, …] (state, drive and normalised drive
/// of every area, the input, and the state gradients), weights, their gradients and two optimiser moments.
/// </summary>
public sealed record MemoryEstimate(int Batch, int BytesPerValue, long StateBytes, long WeightBytes, long GradientBytes, long OptimiserBytes)
{
    public long TotalBytes => StateBytes + WeightBytes + GradientBytes + OptimiserBytes;
}

/// <summary>
/// The depth-per-synapse ledger of a network: neurons, synapses (unique trainable projection weights), synaptic
/// operations per step and per image, effective depth at each step, the first step at which each area receives
/// input, and the synapses the untied twin of equal depth would need. See docs/time-semantics.md.
/// </summary>
public sealed record Ledger
{
    public required string Network { get; init; }
    public required int Steps { get; init; }
    public required string Unroll { get; init; }
    public required string WeightTying { get; init; }
    public required IReadOnlyList<AreaLedger> Areas { get; init; }
    public required IReadOnlyList<ProjectionLedger> Projections { get; init; }

    /// <summary>Σ neurons of the areas (the input is not counted).</summary>
    public long Neurons => Areas.Sum(a => a.Neurons);

    /// <summary>Neurons of the unrolled graph: every area at every step (what the untied twin would have).</summary>
    public long UnrolledNeurons => Neurons * Steps;

    /// <summary>Unique trainable projection weights: each projection's weights × its copies (1 shared, T untied, ⌈T/k⌉ tied every k). Biases are not synapses.</summary>
    public long Synapses => Projections.Sum(p => p.Synapses);

    /// <summary>Weights of one copy of every projection (the synapses of the shared network).</summary>
    public long SynapsesPerCopy => Projections.Sum(p => p.WeightsPerCopy);

    /// <summary>The untied twin of equal depth: a separate copy of each projection for every step at which it is active.</summary>
    public long UntiedTwinSynapses => Projections.Sum(p => p.WeightsPerCopy * p.ActiveSteps.Count);

    /// <summary>Synaptic operations (multiply–accumulates) per image at step t: Σ MACs of the projections active at t.</summary>
    public required IReadOnlyList<long> SynapticOpsPerStep { get; init; }

    /// <summary>Synaptic operations per image over all T steps.</summary>
    public long SynapticOpsPerImage => SynapticOpsPerStep.Sum();

    /// <summary>Effective depth at step t: the longest chain of projections from the input to a readout area (null while no readout area is reached).</summary>
    public required IReadOnlyList<int?> EffectiveDepth { get; init; }

    /// <summary>Trainable parameters that are not synapses: area biases, normalisation γ and β, learned τ and initial states, readouts.</summary>
    public required long OtherParameters { get; init; }

    public long Parameters => Synapses + OtherParameters;

    /// <summary>Values held per image per step for backpropagation through time (see <see cref="Memory"/>).</summary>
    public required long StateValuesPerImage { get; init; }

    /// <summary>
    /// Estimated memory for training with batch <paramref name="batch"/>: states B·(T·(3·N + input) + N) for the
    /// state, drive and normalised drive of each area at each step, the input history and the initial states; state
    /// gradients T·B·N; weights, gradients and two optimiser moments P each.
    /// </summary>
    public MemoryEstimate Memory(int batch, int bytesPerValue = sizeof(float))
    {
        long states = (long)batch * StateValuesPerImage * bytesPerValue;
        long weights = Parameters * bytesPerValue;
        return new MemoryEstimate(batch, bytesPerValue, states, weights, weights, 2 * weights);
    }

    /// <summary>Computes the ledger of a graph by walking its schedule.</summary>
    public static Ledger Of(NetworkGraph graph) => Of(new Schedule(graph));

    public static Ledger Of(Schedule schedule)
    {
        var graph = schedule.Graph;
        var spec = graph.Spec;
        int steps = spec.Time.Steps;
        var depth = Depths(schedule);

        var areas = graph.Areas.Select(a =>
        {
            var perStep = Enumerable.Range(1, steps).Select(t => depth[a.Index, t]).ToList();
            int first = perStep.FindIndex(d => d is not null);
            return new AreaLedger(a.Name, a.Level, a.Shape, a.Neurons, first < 0 ? null : first + 1, perStep);
        }).ToList();

        var projections = graph.Projections.Select(p => new ProjectionLedger(p.Name, p.From.Name, p.To.Name, p.Type, p.Spec.Mode, p.Delay,
            Describe(p), p.Geometry.Weights, spec.WeightCopies, p.Geometry.Weights * spec.WeightCopies, p.Geometry.MacsPerImage,
            schedule.ActiveSteps(p).ToList())).ToList();

        var ops = Enumerable.Range(1, steps).Select(t => schedule.Updates[t - 1].SelectMany(u => u.Reads)
            .Where(r => r.IsActive).Sum(r => r.Projection.Geometry.MacsPerImage)).ToList();

        var readoutAreas = graph.Readouts.Select(r => r.From.Index).Distinct().ToList();
        var effective = Enumerable.Range(1, steps).Select(t => readoutAreas.Select(i => depth[i, t]).Max()).ToList();

        long neurons = graph.Areas.Sum(a => a.Neurons);
        return new Ledger
        {
            Network = spec.Name, Steps = steps, Unroll = spec.Time.Unroll.ToString().ToLowerInvariant(), WeightTying = Schedule.Tying(spec),
            Areas = areas, Projections = projections, SynapticOpsPerStep = ops, EffectiveDepth = effective,
            OtherParameters = graph.Areas.Sum(a => AreaParameters(a, steps)) + graph.Readouts.Sum(r => r.Parameters),
            StateValuesPerImage = steps * (3 * neurons + graph.Input.Neurons) + neurons + steps * neurons,
        };
    }

    /// <summary>
    /// depth[node, t]: the longest chain of projections from the input to node at step t, by dynamic programming over
    /// (area, step) with areas in update order (so zero-delay sources are final before their targets). The input has
    /// depth 0 at the steps it is shown. A leaky area (τ &gt; dt or τ learned) carries its depth from t − 1, since its
    /// state keeps part of h(t − 1) without a projection.
    /// </summary>
    private static int?[,] Depths(Schedule schedule)
    {
        var graph = schedule.Graph;
        int steps = graph.Steps;
        var depth = new int?[graph.Nodes.Count, steps + 1];
        for (int t = 1; t <= steps; t++)
        {
            if (graph.Spec.Input.IsPresentedAt(t)) depth[0, t] = 0;
            foreach (var update in schedule.Updates[t - 1])
            {
                int? best = update.Area.Area!.IsLeaky(graph.Spec.Time.Dt) && t > 1 ? depth[update.Area.Index, t - 1] : null;
                foreach (var read in update.Reads)
                    if (read.SourceStep >= 1 && depth[read.Projection.From.Index, read.SourceStep] is { } d && (best is null || d + 1 > best))
                        best = d + 1;
                depth[update.Area.Index, t] = best;
            }
        }
        return depth;
    }

    private static long AreaParameters(GraphNode node, int steps)
    {
        var a = node.Area!;
        long channels = a.Shape.Channels;
        long bias = a.Bias ? channels : 0;
        long norm = a.Norm switch { NormalisationMode.PerStep => 2 * channels * steps, NormalisationMode.Shared => 2 * channels, _ => 0 };
        long tau = a.TauTrainable ? channels : 0;
        long initial = a.InitialState == InitialState.Learned ? a.Shape.Size : 0;
        return bias + norm + tau + initial;
    }

    private static string Describe(GraphProjection p)
    {
        var s = p.Spec;
        string resample = s.Resampling == Resampling.None ? "" : $" {ProjectionGeometry.Words(s.Resampling)}×{s.Factor}";
        if (s.Connectivity == ConnectivityKind.Dense) return $"dense{resample}";
        string stride = s.Stride == 1 ? "" : $" s{s.Stride}";
        return s.Resampling == Resampling.TransposedConv ? $"convT {s.Kernel}×{s.Kernel} ×{s.Factor}" : $"conv {s.Kernel}×{s.Kernel}{stride}{resample}";
    }
}
