using System.Numerics;
using Cortex.Areas.Options;
using Cortex.Core.Simulation;

namespace Cortex.Areas.Readouts;

/// <summary>
/// A readout kind (the <c>kind</c> key of a readout): how class scores are read from an area's state. A registry entry
/// that reads its keys into a <see cref="ReadoutOptions"/> record.
/// </summary>
public abstract class ReadoutKind : IRegistryEntry
{
    /// <inheritdoc/>
    public abstract string Word { get; }

    /// <inheritdoc/>
    public abstract string Summary { get; }

    /// <summary>The keys it reads besides name, from and kind.</summary>
    public abstract IReadOnlyList<OptionKey> Keys { get; }

    /// <summary>Reads its keys; <paramref name="source"/> is the shape of the area it reads (unknown when the area is not found).</summary>
    public abstract ReadoutOptions Read(IOptionReader reader, int steps, AreaShape source);
}

/// <summary>Where a readout sits: its name, the area it reads and that area's shape, and the time axis.</summary>
/// <param name="Name">The readout's name; its parameters are <c>{Name}.weight</c> and <c>{Name}.bias</c>.</param>
/// <param name="From">The area it reads.</param>
/// <param name="Source">That area's shape.</param>
/// <param name="Steps">T.</param>
public sealed record ReadoutContext(string Name, string From, AreaShape Source, int Steps);

/// <summary>A readout's options, as read and written back with every default resolved.</summary>
public abstract record ReadoutOptions
{
    /// <summary>The kind they configure.</summary>
    public abstract ReadoutKind Kind { get; }

    /// <summary>K, the classes it scores.</summary>
    public abstract int Classes { get; init; }

    /// <summary>Its loss schedule; null until training settles it (the <c>--loss</c> default).</summary>
    public abstract LossSchedule? Loss { get; init; }

    /// <summary>Its weight in the network's loss (shares are normalised over the readouts).</summary>
    public abstract double LossWeight { get; init; }

    /// <summary>The same options with <paramref name="loss"/> as the schedule.</summary>
    public abstract ReadoutOptions WithLoss(LossSchedule loss);

    /// <summary>The 1-based steps it reads, ascending, out of <paramref name="steps"/>.</summary>
    public abstract IReadOnlyList<int> ReadSteps(int steps);

    /// <summary>Writes its keys (besides name, from and kind).</summary>
    public abstract void Write(IOptionWriter writer);

    /// <summary>Checks the options against the area it reads and describes the readout; null after reporting why.</summary>
    public abstract ReadoutModel? Resolve(ReadoutContext context, IIssues issues);
}

/// <summary>A resolved readout: its parameters, features, memory and op.</summary>
public abstract class ReadoutModel
{
    /// <summary>The readout's place.</summary>
    public abstract ReadoutContext Context { get; }

    /// <summary>The options it was resolved from.</summary>
    public abstract ReadoutOptions Options { get; }

    /// <summary>The 1-based steps it reads, ascending.</summary>
    public IReadOnlyList<int> Steps => Options.ReadSteps(Context.Steps);

    /// <summary>One line for the ledger, e.g. "global average → 10 classes at t = 1–4, loss every-step".</summary>
    public abstract string Describe();

    /// <summary>Its trainable parameters.</summary>
    public abstract IReadOnlyList<ParameterSpec> Parameters { get; }

    /// <summary>Multiply–accumulates per image at each read.</summary>
    public abstract long MacsPerRead { get; }

    /// <summary>What it keeps in the arena.</summary>
    public abstract MemoryPlan Memory { get; }

    /// <summary>The op; <paramref name="area"/> is the node it reads, <paramref name="loss"/> its loss weights (its share included).</summary>
    public abstract IReadoutOp<T> Create<T>(ParameterStore<T> store, int area, LossWeights loss, int seed) where T : unmanaged, IFloatingPointIeee754<T>;
}
