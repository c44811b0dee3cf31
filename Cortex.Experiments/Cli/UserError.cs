namespace Cortex.Experiments.Cli;

/// <summary>A mistake in what the user asked for: reported as one located message, exit code 2 (<see cref="ExitCodes.UserError"/>).</summary>
public sealed class UserError(string message) : Exception(message);
