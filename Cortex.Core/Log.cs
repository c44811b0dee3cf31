namespace Cortex.Core;

/// <summary>
/// Where the library reports choices a user must know about (which BLAS loaded, which device was taken
/// and why, a fallback). Standard error by default; the command line and tests may redirect it.
/// </summary>
public static class Log
{
    private static Action<string> sink = message => Console.Error.WriteLine(message);

    /// <summary>Reports a choice the user should know about (which BLAS loaded, which device was taken).</summary>
    public static void Info(string message) => sink(message);

    /// <summary>Reports a fallback or a doubtful setting, prefixed <c>warning: </c>.</summary>
    public static void Warn(string message) => sink("warning: " + message);

    /// <summary>Sends messages elsewhere; returns the previous sink.</summary>
    public static Action<string> Redirect(Action<string> newSink)
    {
        var old = sink;
        sink = newSink;
        return old;
    }
}
