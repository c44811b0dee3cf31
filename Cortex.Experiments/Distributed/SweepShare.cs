using System.Globalization;

namespace Cortex.Experiments.Distributed;

/// <summary>
/// Which runs of a sweep this process does, when several processes share it: the MPI ranks of one job
/// (<c>mpiexec -n N cortex experiment run …</c>), the tasks of a Slurm job array (one per array index), or both (an array
/// of MPI jobs). The rule is a deterministic partition of the sweep's ordered runs: the run at position i (0-based, in the
/// sweep's own order) belongs to share i mod <see cref="Count"/>. It needs no communication and no file locks, so it holds
/// across nodes whose shared file system cannot be trusted with locks; round-robin rather than blocks, so that a sweep
/// ordered by condition gives every process some runs of each condition and the shares take about equally long.
/// The run store's claims still guard every run (done markers, a dead process's claim taken over, resume from its
/// checkpoint); a sweep run again with another number of processes shares the runs anew, and done runs are skipped.
/// </summary>
/// <param name="Index">This process's share, 0 … <paramref name="Count"/> − 1.</param>
/// <param name="Count">How many shares the sweep is cut into (≥ 1).</param>
/// <param name="Source">Where the share came from, for logs: <c>MPI rank 1 of 2</c>, <c>Slurm array task 3 of 10 (SLURM_ARRAY_TASK_ID=4)</c>.</param>
public sealed record SweepShare(int Index, int Count, string Source)
{
    /// <summary>The flags that give a task's place explicitly.</summary>
    public const string TaskIdFlag = "--task-id", TasksFlag = "--tasks";

    /// <summary>One process does the whole sweep.</summary>
    public static SweepShare Whole { get; } = new(0, 1, "one process");

    /// <summary>Whether this process does the run at <paramref name="position"/> of the sweep's order.</summary>
    public bool Owns(int position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        return position % Count == Index;
    }

    /// <summary>The runs this process does, in the sweep's order (keys, descriptions or anything else in that order).</summary>
    public IReadOnlyList<T> Of<T>(IReadOnlyList<T> runs) => [.. runs.Where((_, i) => Owns(i))];

    /// <summary>The share of MPI rank <paramref name="rank"/> of <paramref name="size"/>.</summary>
    public static SweepShare FromMpi(int rank, int size)
    {
        if (size < 1 || rank < 0 || rank >= size) throw new ArgumentOutOfRangeException(nameof(rank), $"MPI rank {rank} of {size} is not a rank");
        return size == 1 ? Whole : new SweepShare(rank, size, $"MPI rank {rank} of {size}");
    }

    /// <summary>
    /// The share of a Slurm array task: from <c>--task-id</c> and <c>--tasks</c> when given (both, or neither), else from the
    /// array's environment — index SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN (divided by SLURM_ARRAY_TASK_STEP, when the array
    /// has a step) of SLURM_ARRAY_TASK_COUNT tasks. The array must be an evenly spaced range (<c>--array=0-99</c>,
    /// <c>--array=1-20:2</c>, with or without a <c>%limit</c>); for a list of indices pass the flags. Outside an array:
    /// <see cref="Whole"/>. Throws <see cref="DistributedError"/> with what to pass instead.
    /// </summary>
    public static SweepShare FromSlurm(int? taskId, int? tasks, IReadOnlyDictionary<string, string?> environment)
    {
        if (taskId is not null || tasks is not null)
        {
            if (taskId is not { } id || tasks is not { } count)
                throw new DistributedError($"{TaskIdFlag} and {TasksFlag} go together: give both ({TaskIdFlag} 0 … N − 1 and {TasksFlag} N), or neither");
            if (count < 1) throw new DistributedError($"{TasksFlag} {count}: there must be at least 1 task");
            if (id < 0 || id >= count) throw new DistributedError($"{TaskIdFlag} {id}: must be in 0 … {count - 1} for {TasksFlag} {count}");
            return count == 1 ? Whole : new SweepShare(id, count, $"task {id} of {count} ({TaskIdFlag}, {TasksFlag})");
        }
        string? Get(string name) => environment.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
        if (Get("SLURM_ARRAY_TASK_ID") is not { } idText) return Whole;
        int Read(string name, string? text)
        {
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value))
                throw new DistributedError($"{name}='{text}' is not a whole number; pass {TaskIdFlag} and {TasksFlag}");
            return value;
        }
        int taskIndex = Read("SLURM_ARRAY_TASK_ID", idText);
        string? countText = Get("SLURM_ARRAY_TASK_COUNT"), minText = Get("SLURM_ARRAY_TASK_MIN"), maxText = Get("SLURM_ARRAY_TASK_MAX");
        if (countText is null || minText is null || maxText is null)
            throw new DistributedError($"SLURM_ARRAY_TASK_ID={taskIndex} is set but SLURM_ARRAY_TASK_COUNT, _MIN or _MAX is not: " +
                $"pass {TaskIdFlag} and {TasksFlag}");
        int total = Read("SLURM_ARRAY_TASK_COUNT", countText), min = Read("SLURM_ARRAY_TASK_MIN", minText), max = Read("SLURM_ARRAY_TASK_MAX", maxText);
        int step = Get("SLURM_ARRAY_TASK_STEP") is { } stepText ? Read("SLURM_ARRAY_TASK_STEP", stepText) : 1;
        string array = $"SLURM_ARRAY_TASK_ID={taskIndex}, _MIN={min}, _MAX={max}, _COUNT={total}{(step != 1 ? $", _STEP={step}" : "")}";
        if (step < 1 || total < 1 || max < min || (max - min) % step != 0 || (max - min) / step + 1 != total || taskIndex < min || taskIndex > max
            || (taskIndex - min) % step != 0)
            throw new DistributedError($"the Slurm array ({array}) is not an evenly spaced range of indices, so a task's place in it is unknown: " +
                $"submit with --array=0-{Math.Max(total, 1) - 1} (a %limit is fine), or pass {TaskIdFlag} and {TasksFlag}");
        int index = (taskIndex - min) / step;
        return total == 1 ? Whole : new SweepShare(index, total, $"Slurm array task {index} of {total} ({array})");
    }

    /// <summary>
    /// This share cut again among <paramref name="inner"/>'s processes: an array task (this) running an MPI job (inner) owns
    /// the runs of share Index·inner.Count + inner.Index of Count·inner.Count.
    /// </summary>
    public SweepShare Within(SweepShare inner)
    {
        if (inner.Count == 1) return this;
        if (Count == 1) return inner;
        return new SweepShare(Index * inner.Count + inner.Index, Count * inner.Count, $"{Source}, {inner.Source}");
    }

    /// <summary>
    /// The share of this process: the Slurm task (flags, else SLURM_ARRAY_* variables), cut among the MPI ranks of
    /// <paramref name="mpi"/> when it has several.
    /// </summary>
    public static SweepShare Resolve(int? taskId, int? tasks, MpiSession? mpi, IReadOnlyDictionary<string, string?> environment) =>
        FromSlurm(taskId, tasks, environment).Within(mpi is null ? Whole : FromMpi(mpi.Rank, mpi.Size));

    /// <inheritdoc/>
    public override string ToString() => Count == 1 ? Source : $"share {Index} of {Count}: {Source}";
}
