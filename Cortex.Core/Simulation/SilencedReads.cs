namespace Cortex.Core.Simulation;

/// <summary>
/// Which projection reads are silenced (lesioned) at which step: entry (p, t) silences projection p (program order) at
/// the target's step t = 1..T. The simulator consults it exactly where it decides whether a read is active, so a silenced
/// read costs nothing and contributes exactly zero — to the target's drive in the forward pass, and to the weight and
/// source gradients in the backward pass. It changes no allocation: the arena is the same with and without it.
/// </summary>
public sealed class SilencedReads
{
    private readonly bool[] silenced;   // [P, T + 1], index t = 0 unused

    /// <summary>An empty table (nothing silenced) for <paramref name="projections"/> projections over <paramref name="steps"/> steps.</summary>
    public SilencedReads(int projections, int steps)
    {
        if (projections < 0) throw new ArgumentOutOfRangeException(nameof(projections), $"silenced reads: the number of projections must be ≥ 0, got {projections}");
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), $"silenced reads: the number of steps must be ≥ 1, got {steps}");
        Projections = projections;
        Steps = steps;
        silenced = new bool[projections * (steps + 1)];
    }

    /// <summary>P, the projections it covers (program order).</summary>
    public int Projections { get; }

    /// <summary>T, the steps it covers.</summary>
    public int Steps { get; }

    /// <summary>How many (projection, step) entries are silenced.</summary>
    public int Count => silenced.Count(s => s);

    /// <summary>Silences projection <paramref name="projection"/> at the target's step <paramref name="step"/> (1..T).</summary>
    public void Silence(int projection, int step) => silenced[Index(projection, step)] = true;

    /// <summary>Whether projection <paramref name="projection"/> is silenced at step <paramref name="step"/> (1..T).</summary>
    public bool IsSilenced(int projection, int step) => silenced[Index(projection, step)];

    /// <summary>The steps at which projection <paramref name="projection"/> is silenced, ascending.</summary>
    public IReadOnlyList<int> StepsOf(int projection) => [.. Enumerable.Range(1, Steps).Where(t => IsSilenced(projection, t))];

    private int Index(int projection, int step)
    {
        if ((uint)projection >= (uint)Projections)
            throw new ArgumentOutOfRangeException(nameof(projection), $"silenced reads: projection {projection} is outside 0..{Projections - 1}");
        if (step < 1 || step > Steps)
            throw new ArgumentOutOfRangeException(nameof(step), $"silenced reads: step {step} is outside 1..{Steps}");
        return projection * (Steps + 1) + step;
    }
}
