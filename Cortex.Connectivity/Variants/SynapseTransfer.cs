using Cortex.Areas.Modes;
using Cortex.Connectivity.Spec;

namespace Cortex.Connectivity.Variants;

/// <summary>How a replaced projection's synapses are spent again: n projections with k×k kernels, each reading its own delay.</summary>
/// <param name="Kernel">k (1 for a dense projection).</param>
/// <param name="Delays">The delays of the n projections.</param>
/// <param name="Synapses">Their synapses together, one weight copy.</param>
internal sealed record SynapseTransferChoice(int Kernel, IReadOnlyList<int> Delays, long Synapses);

/// <summary>
/// Replaces the synapses of one projection by those of n new ones between other areas (feedback by lateral, lateral by
/// feedback), matched as closely as whole kernels and counts allow. Each new projection reads a delay that no projection
/// from the same source into the same target in the same mode reads: two such projections at the same delay would sum
/// into one convolution with summed weights — more weights, no more expressive — so a count above one reads further
/// back in time instead.
/// </summary>
internal static class SynapseTransfer
{
    /// <summary>The most projections one replaced projection becomes.</summary>
    public const int MaxCount = 8;

    /// <summary>
    /// The (k, n) whose n·unit·k² is closest to <paramref name="synapses"/>, n at most the free delays; ties go to fewer
    /// projections, then to the smaller kernel.
    /// </summary>
    /// <param name="synapses">The replaced projection's weights, one copy.</param>
    /// <param name="unit">The weights of one new projection per kernel tap (C_target·C_source; for a dense one, its whole weight count).</param>
    /// <param name="kernels">The kernel sizes allowed.</param>
    /// <param name="delays">The free delays, in the order they are taken.</param>
    public static SynapseTransferChoice Closest(long synapses, long unit, IReadOnlyList<int> kernels, IReadOnlyList<int> delays)
    {
        var options = from k in kernels
                      from n in Enumerable.Range(1, Math.Min(MaxCount, delays.Count))
                      let value = n * unit * k * k
                      orderby Math.Abs(value - synapses), n, k
                      select new SynapseTransferChoice(k, [.. delays.Take(n)], value);
        return options.First();
    }

    /// <summary>
    /// Delays from <paramref name="first"/> up to T − 1 (the last that reads a computed step) that no projection in
    /// <paramref name="projections"/> from <paramref name="from"/> into <paramref name="to"/> in <paramref name="mode"/>
    /// reads; when none is free there, the first free delay above (the validator then warns that it never reads a computed step).
    /// </summary>
    public static IReadOnlyList<int> FreeDelays(IEnumerable<ProjectionSpec> projections, string from, string to, ProjectionMode mode, int first, int steps)
    {
        var taken = projections.Where(p => p.From == from && p.To == to && p.Mode == mode).Select(p => p.Delay).ToHashSet();
        var free = Enumerable.Range(first, Math.Max(0, steps - first)).Where(d => !taken.Contains(d)).ToList();
        if (free.Count > 0) return free;
        int next = Math.Max(first, steps);
        while (taken.Contains(next)) next++;
        return [next];
    }

    /// <summary>"2 lateral V1->V1 conv 3×3 at delays 2, 3".</summary>
    public static string Describe(SynapseTransferChoice choice, string type, string from, string to, string connectivity) =>
        $"{choice.Delays.Count} {type} {from}->{to} {connectivity} at delay{(choice.Delays.Count == 1 ? "" : "s")} {string.Join(", ", choice.Delays)}";
}
