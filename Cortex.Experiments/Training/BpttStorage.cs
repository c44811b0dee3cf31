using System.Globalization;
using Cortex.Connectivity.Graph;
using Cortex.Core.Simulation;

namespace Cortex.Experiments.Training;

/// <summary>
/// How a run holds the time axis for backpropagation through time: every step (the default), the states of every k-th step
/// (<c>--bptt-checkpoint-every k</c>), or the k a memory budget allows (<c>--memory-budget</c>), chosen from the ledger's estimate.
/// Not to be confused with training checkpoints (files written every so many batches, <c>checkpoint_every</c> in experiment files).
/// </summary>
public static class BpttStorage
{
    /// <summary>The flag of the steps between kept states.</summary>
    public const string EveryFlag = "--bptt-checkpoint-every";

    /// <summary>The flag of the memory budget that chooses them.</summary>
    public const string BudgetFlag = "--memory-budget";

    /// <summary>
    /// The steps between kept states for training at batch <paramref name="batch"/>: <paramref name="keepEvery"/> as given, or — with a
    /// budget — 0 when every step fits, else the fitting k that recomputes the fewest steps; and a line saying what
    /// was chosen and what it costs (<see cref="Ledger.KeepEveryWithin"/>). Throws <see cref="ArgumentException"/> when both are given or nothing fits the budget.
    /// </summary>
    public static (int KeepEvery, string Description) Choose(Ledger ledger, int batch, int keepEvery, long? budgetBytes)
    {
        if (keepEvery < 0) throw new ArgumentException($"{EveryFlag} must be ≥ 0 (0: every step stored), got {keepEvery}");
        long full = ledger.Memory(batch).TotalBytes;
        if (budgetBytes is { } budget)
        {
            if (keepEvery > 0) throw new ArgumentException($"give either {EveryFlag} or {BudgetFlag}, not both");
            if (budget <= 0) throw new ArgumentException($"{BudgetFlag} must be positive, got {budget} bytes");
            if (ledger.KeepEveryWithin(budget, batch) is not { } chosen)
            {
                int best = ledger.SmallestKeepEvery(batch);
                long least = ledger.Memory(batch, keepEvery: best).TotalBytes;
                throw new ArgumentException($"{BudgetFlag} {Bytes(budget)}: {ledger.Network} at batch {batch} needs an estimated {Bytes(full)} storing every step " +
                    $"and at least {Bytes(least)} keeping every {best}-th state; raise the budget or lower the batch");
            }
            return (chosen, $"{BudgetFlag} {Bytes(budget)}: " + Describe(ledger, batch, chosen));
        }
        return (keepEvery, Describe(ledger, batch, keepEvery));
    }

    /// <summary>One line: how the time axis is held and the estimate against storing every step.</summary>
    public static string Describe(Ledger ledger, int batch, int keepEvery)
    {
        var storage = ledger.Storage(keepEvery);
        long full = ledger.Memory(batch).TotalBytes, estimate = ledger.Memory(batch, keepEvery: keepEvery).TotalBytes;
        if (!storage.Checkpointed)
            return keepEvery == 0 ? $"backpropagation through time stores every step (estimate {Bytes(full)} at batch {batch})"
                : $"{EveryFlag} {keepEvery}: T = {ledger.Steps} is too short for it to save memory, so every step is stored (estimate {Bytes(full)} at batch {batch})";
        return $"backpropagation through time keeps the states of every k-th step (k = {keepEvery}) and recomputes {storage.Recomputed} of {ledger.Steps} steps in backward " +
            $"(estimate {Bytes(estimate)} at batch {batch}, against {Bytes(full)} storing every step)";
    }

    /// <summary>Bytes in the largest binary unit that keeps the number ≥ 1.</summary>
    public static string Bytes(long bytes) => DeviceMemory.Format(bytes);

    /// <summary>A size such as 512MiB, 2GiB, 1.5G, 800MB or a plain number of bytes (K, M, G and their -iB forms are powers of 1024; KB, MB, GB of 1000).</summary>
    public static long ParseBytes(string text)
    {
        string t = text.Trim();
        int split = t.Length;
        while (split > 0 && char.IsLetter(t[split - 1])) split--;
        string unit = t[split..].ToUpperInvariant();
        long scale = unit switch
        {
            "" or "B" => 1,
            "K" or "KIB" => 1L << 10,
            "M" or "MIB" => 1L << 20,
            "G" or "GIB" => 1L << 30,
            "T" or "TIB" => 1L << 40,
            "KB" => 1000,
            "MB" => 1000_000,
            "GB" => 1000_000_000,
            "TB" => 1000_000_000_000,
            _ => throw new ArgumentException($"expected a size such as 512MiB, 2GiB or 1.5G, got '{text}' (unknown unit '{t[split..]}')"),
        };
        if (!double.TryParse(t[..split].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value > 0) || double.IsInfinity(value))
            throw new ArgumentException($"expected a positive size such as 512MiB, 2GiB or 1.5G, got '{text}'");
        return checked((long)(value * scale));
    }
}
