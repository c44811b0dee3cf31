using Cortex.Areas;

namespace Cortex.Connectivity.Spec;

/// <summary>How the graph is unrolled in time: the default delay of feedforward projections.</summary>
public enum Unroll
{
    /// <summary>Feedforward delay 0: a full bottom-up sweep at every step (BLT, CORnet-R).</summary>
    Synchronous,

    /// <summary>Feedforward delay 1: one hop per step (CORnet-RT, ConvRNNs).</summary>
    Biological,
}

/// <summary>How projection weights are shared across the T steps.</summary>
public enum WeightTying
{
    /// <summary>One copy for all steps: a recurrent network.</summary>
    Shared,

    /// <summary>A copy per step: the depth-matched feedforward twin.</summary>
    Untied,

    /// <summary>A copy per block of k steps (<see cref="NetworkSpec.TyingBlock"/>): steps 1..k share one, k+1..2k the next, …</summary>
    TiedEveryK,
}

/// <summary>The discrete time axis: steps t = 1..T of length dt.</summary>
public sealed record TimeSpec : SpecNode
{
    /// <summary>T.</summary>
    public int Steps { get; init; } = 1;

    /// <summary>The default delay of feedforward projections.</summary>
    public Unroll Unroll { get; init; } = Unroll.Synchronous;

    /// <summary>The step's length, in the unit of τ.</summary>
    public double Dt { get; init; } = 1.0;

    /// <summary>T and dt, as kinds read them.</summary>
    public Cortex.Areas.Dynamics.TimeAxis Axis => new(Steps, Dt);
}

/// <summary>
/// The stimulus: its shape and when it is shown (<see cref="Presentation"/>): at every step, at steps 1..k and a blank
/// (zeros) afterwards, or at steps 1..k and a mask afterwards.
/// </summary>
public sealed record InputSpec : SpecNode
{
    /// <summary>The input's name (projections read it by this name).</summary>
    public string Name { get; init; } = "image";

    /// <summary>One image's shape.</summary>
    public AreaShape Shape { get; init; } = AreaShape.Unknown;

    /// <summary>When the image is shown: every step (the default), or steps 1..k and then a blank or a mask.</summary>
    public Presentation Presentation { get; init; } = Presentation.EveryStep;

    /// <summary>Whether the image (rather than a blank or a mask) is shown at step t (1-based).</summary>
    public bool IsPresentedAt(int t) => Presentation.IsPresentedAt(t);

    /// <summary>What the input holds at step t: the image, a blank or a mask (0 and below: blank).</summary>
    public Cortex.Core.Simulation.StepInput At(int t) => Presentation.At(t);
}

/// <summary>A whole network file, after reading: typed, positioned, defaults resolved. Validate before use.</summary>
public sealed record NetworkSpec : SpecNode
{
    /// <summary>The network's name.</summary>
    public required string Name { get; init; }

    /// <summary>The time axis.</summary>
    public required TimeSpec Time { get; init; }

    /// <summary>The stimulus.</summary>
    public required InputSpec Input { get; init; }

    /// <summary>The areas, in file order.</summary>
    public IReadOnlyList<AreaSpec> Areas { get; init; } = [];

    /// <summary>The projections, in file order.</summary>
    public IReadOnlyList<ProjectionSpec> Projections { get; init; } = [];

    /// <summary>The readouts, in file order.</summary>
    public IReadOnlyList<ReadoutSpec> Readouts { get; init; } = [];

    /// <summary>How synaptic weights are shared across steps.</summary>
    public WeightTying WeightTying { get; init; } = WeightTying.Shared;

    /// <summary>k for <see cref="WeightTying.TiedEveryK"/>; 1 for shared-per-step semantics is never used.</summary>
    public int TyingBlock { get; init; } = 1;

    /// <summary>How many copies of each projection's weights exist: 1 (shared), T (untied) or ⌈T/k⌉ (tied every k).</summary>
    public int WeightCopies => WeightTying switch
    {
        WeightTying.Shared => 1,
        WeightTying.Untied => Time.Steps,
        _ => (Time.Steps + TyingBlock - 1) / TyingBlock,
    };

    /// <summary>Which copy of the weights step t (1-based) uses: 0 when shared, t − 1 when untied, ⌊(t − 1)/k⌋ when tied every k.</summary>
    public int WeightCopyAt(int t) => WeightTying switch
    {
        WeightTying.Shared => 0,
        WeightTying.Untied => t - 1,
        _ => (t - 1) / TyingBlock,
    };

    /// <summary>The file the network was read from (for messages and for resolving relative paths).</summary>
    public string File => Location.File;
}
