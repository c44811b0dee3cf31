namespace Cortex.Experiments.Cli;

/// <summary>What the <c>cortex</c> command line returns to the shell.</summary>
public static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;

    /// <summary>
    /// <c>cortex experiment run</c>: some runs failed (each failure is recorded in its run's folder), or the sweep is not
    /// complete (another process still holds runs, or <c>--max-trainings</c> stopped it); running it again continues.
    /// </summary>
    public const int Incomplete = 1;

    /// <summary>
    /// A mistake in what was asked (an argument, a network file, a data file, a checkpoint, a path): one message
    /// naming where the mistake is, no stack trace, and nothing half-written.
    /// </summary>
    public const int UserError = 2;

    /// <summary>Training stopped because the loss or a gradient stopped being finite (a result of the settings, not a mistake in them).</summary>
    public const int Diverged = 3;

    /// <summary>A bug in Cortex (EX_SOFTWARE of sysexits.h): one line saying so and where the full trace was written.</summary>
    public const int InternalError = 70;
}
