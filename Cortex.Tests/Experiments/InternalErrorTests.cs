using System.CommandLine;
using Cortex.Experiments.Cli;

namespace Cortex.Tests.Experiments;

/// <summary>A bug prints one line saying so and where its trace went, and exits with 70; the trace lands in the run folder when there is one.</summary>
[NonParallelizable]
public sealed class InternalErrorTests
{
    private static (int Code, string Error, string Trace) Fail(string? runFolder)
    {
        var command = new Command("explode", "a command with a bug");
        command.SetAction(int (_) =>
        {
            InternalErrorReport.RunFolder = runFolder;
            throw new InvalidOperationException("the simulator lost a step\nsecond line");
        });
        var (oldError, error) = (Console.Error, new StringWriter());
        Console.SetError(error);
        try
        {
            int code = CortexCommandLine.Run(new RootCommand("test") { command }, ["explode"]);
            string text = error.ToString();
            string path = text[(text.IndexOf("the full trace is in ", StringComparison.Ordinal) + "the full trace is in ".Length)..].Trim();
            string trace = File.ReadAllText(path);
            File.Delete(path);
            return (code, text, trace);
        }
        finally
        {
            Console.SetError(oldError);
        }
    }

    [Test]
    public void ABugIsOneLineAndItsTraceIsKept()
    {
        var (code, error, trace) = Fail(null);
        Assert.That(code, Is.EqualTo(ExitCodes.InternalError));
        Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(error, Does.Match(@"^cortex: internal error: the simulator lost a step \(InvalidOperationException\); the full trace is in .*cortex-errors/internal-error-\d{8}-\d{6}-\d{3}-\d+\.txt\s*$"));
        Assert.That(trace, Does.Contain("command line: cortex explode").And.Contain("System.InvalidOperationException: the simulator lost a step").And.Contain("   at "));
    }

    [Test]
    public void TheTraceGoesToTheRunFolderWhenThereIsOne()
    {
        var folder = Directory.CreateTempSubdirectory("cortex-run");
        try
        {
            var (code, error, _) = Fail(folder.FullName);
            Assert.That(code, Is.EqualTo(70));
            Assert.That(error, Does.Contain($"the full trace is in {folder.FullName}/internal-error-"));
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
