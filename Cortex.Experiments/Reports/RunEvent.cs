namespace Cortex.Experiments.Reports;

/// <summary>
/// One line of a run folder's <c>history.jsonl</c>: an invocation that wrote into the folder. <see cref="Event"/> is
/// <c>start</c> (the run was created here), <c>resume</c> (it continued from <see cref="Checkpoint"/> at optimiser step
/// <see cref="Step"/> and data position <see cref="Position"/>) or <c>branch</c> (a new folder continuing a checkpoint of
/// another run). <see cref="Changes"/> lists what differs from the checkpoint's settings (allowed with
/// <c>--allow-changes</c>); <see cref="Notes"/> anything else the folder's reader should know (metrics rows replaced).
/// </summary>
public sealed record RunEvent(
    string Event,
    DateTime Utc,
    string CommandLine,
    RunEnvironment Environment,
    string? Checkpoint = null,
    long? Step = null,
    string? Position = null,
    IReadOnlyList<string>? Changes = null,
    IReadOnlyList<string>? Notes = null)
{
    /// <summary>The run was created in this folder.</summary>
    public const string Start = "start";

    /// <summary>The run continued in this folder from its checkpoint.</summary>
    public const string Resume = "resume";

    /// <summary>A new folder continuing a checkpoint of another run.</summary>
    public const string Branch = "branch";
}
