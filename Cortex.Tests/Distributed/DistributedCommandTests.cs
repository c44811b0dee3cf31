using Cortex.Experiments.Distributed;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Distributed;

/// <summary><c>--distributed</c> in a process no MPI launcher started: MPI is optional, so it says so and trains as one process.</summary>
public sealed class DistributedCommandTests
{
    [Test]
    public void WithoutALauncherDistributedTrainingSaysSoAndRunsAsOneProcess()
    {
        Assume.That(MpiLaunch.Current.Launcher, Is.EqualTo(MpiLauncher.None), "this test process was itself started by an MPI launcher");
        using var w = new Workspace();
        var (code, output, error) = Cli.Run([.. w.Train(null, "--name", "alone"), "--distributed"]);
        Assert.That(code, Is.EqualTo(0), output + error);
        Assert.That(output, Does.Contain("--distributed: not started by an MPI launcher").And.Contain("mpiexec.mpich -n N cortex train"));
        Assert.That(File.Exists(Path.Combine(w.Out, "alone", "checkpoint.ckpt")), Is.True);
        Assert.That(File.ReadAllText(Path.Combine(w.Out, "alone", "history.jsonl")), Does.Not.Contain("data-parallel"));
        Assert.That(MpiSession.Current, Is.Null, "the command ends its session");
    }
}
