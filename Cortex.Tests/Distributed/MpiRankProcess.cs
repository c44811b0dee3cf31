using Cortex.Experiments.Distributed;
using Cortex.Experiments.Experiments;

namespace Cortex.Tests.Distributed;

/// <summary>
/// The other side of <see cref="MpiProcessTests"/>: started on every rank by <c>mpiexec.mpich -n N Cortex.Tests --filter …</c>,
/// with its instructions in environment variables. Explicit, so the suite itself never runs it.
/// </summary>
public sealed class MpiRankProcess
{
    /// <summary>The folder each rank writes its report into.</summary>
    public const string OutVariable = "CORTEX_MPI_TEST_OUT";

    /// <summary>The descriptions of the sweep's runs, in the sweep's order.</summary>
    public static string[] Sweep => [.. Enumerable.Range(0, 7).Select(i => $"network: blt.yaml\ncondition: {(i % 2 == 0 ? "intact" : "lesioned")}\nseed: {i}\n")];

    /// <summary>Joins MPI, works out this rank's share of a 7-run sweep, and writes the keys it owns (and its rank and size) to a file.</summary>
    [Test, Explicit("started on every rank by MpiProcessTests")]
    public void ReportShare()
    {
        string folder = Environment.GetEnvironmentVariable(OutVariable) ?? throw new InvalidOperationException($"{OutVariable} is not set");
        var session = MpiSession.Start();
        try
        {
            Assert.That(session.IsMpi, Is.True, session.Description);
            var share = SweepShare.Resolve(null, null, session, MpiLaunch.ProcessEnvironment());
            var keys = share.Of([.. Sweep.Select(d => RunKey.Of(d).Value)]);
            File.WriteAllLines(Path.Combine(folder, $"rank-{session.Rank}.txt"),
                [$"{session.Rank} {session.Size} {share.Index} {share.Count}", session.LibraryVersion, .. keys]);
            session.Barrier();
        }
        finally
        {
            MpiSession.Close(0);
        }
    }
}
