namespace Cortex.Experiments.Experiments;

/// <summary>Where every run of a sweep stands, in the order the keys were given.</summary>
/// <param name="Runs">One status per run.</param>
public sealed record SweepStatus(IReadOnlyList<RunStatus> Runs)
{
    /// <summary>How many runs are in <paramref name="state"/>.</summary>
    public int Count(RunState state) => Runs.Count(r => r.State == state);

    /// <summary>The runs in <paramref name="state"/>.</summary>
    public IEnumerable<RunStatus> InState(RunState state) => Runs.Where(r => r.State == state);

    /// <summary>Whether every run is done.</summary>
    public bool IsComplete => Runs.All(r => r.State == RunState.Done);

    /// <summary>"12 done, 2 running, 1 failed, 5 pending" (states with no run are left out).</summary>
    public override string ToString()
    {
        var parts = Enum.GetValues<RunState>().OrderBy(Order).Where(s => Count(s) > 0).Select(s => $"{Count(s)} {s.ToString().ToLowerInvariant()}").ToList();
        return parts.Count == 0 ? "no runs" : string.Join(", ", parts);
    }

    private static int Order(RunState state) => state switch
    {
        RunState.Done => 0,
        RunState.Running => 1,
        RunState.Interrupted => 2,
        RunState.Failed => 3,
        RunState.Corrupt => 4,
        _ => 5,
    };
}
