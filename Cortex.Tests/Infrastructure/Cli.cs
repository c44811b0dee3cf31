using Cortex.Experiments.Cli;

namespace Cortex.Tests.Infrastructure;

/// <summary>Runs the <c>cortex</c> command line in-process and captures what it prints.</summary>
public static class Cli
{
    public static (int Code, string Out, string Error) Run(params string[] args)
    {
        var (oldOut, oldError) = (Console.Out, Console.Error);
        var (output, error) = (new StringWriter(), new StringWriter());
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            return (CortexCommandLine.Run(args), output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldError);
        }
    }
}
