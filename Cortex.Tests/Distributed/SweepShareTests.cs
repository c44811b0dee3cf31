using Cortex.Experiments.Distributed;

namespace Cortex.Tests.Distributed;

/// <summary>The partition of a sweep among processes, its Slurm array defaults, and how a launcher is recognised.</summary>
public sealed class SweepShareTests
{
    private static readonly string[] Runs = ["r0", "r1", "r2", "r3", "r4", "r5", "r6"];

    private static Dictionary<string, string?> Env(params (string Name, string Value)[] variables) => variables.ToDictionary(v => v.Name, v => (string?)v.Value);

    [Test]
    public void RunsAreDealtRoundRobinDisjointAndComplete()
    {
        // 7 runs over 3 shares: positions 0, 3, 6 | 1, 4 | 2, 5.
        var shares = Enumerable.Range(0, 3).Select(i => SweepShare.FromMpi(i, 3).Of(Runs)).ToArray();
        Assert.That(shares[0], Is.EqualTo(new[] { "r0", "r3", "r6" }));
        Assert.That(shares[1], Is.EqualTo(new[] { "r1", "r4" }));
        Assert.That(shares[2], Is.EqualTo(new[] { "r2", "r5" }));
        Assert.That(SweepShare.Whole.Of(Runs), Is.EqualTo(Runs));
        Assert.That(SweepShare.FromMpi(0, 1), Is.SameAs(SweepShare.Whole));
        // More shares than runs: some shares are empty, none is shared.
        var many = Enumerable.Range(0, 9).Select(i => SweepShare.FromMpi(i, 9).Of(Runs)).ToArray();
        Assert.That(many.SelectMany(s => s).Order(), Is.EqualTo(Runs));
        Assert.That(many.Count(s => s.Count == 0), Is.EqualTo(2));
    }

    [Test]
    public void SlurmArrayTaskDefaultsFromTheEnvironment()
    {
        // --array=0-6: task 4 of 7.
        var share = SweepShare.FromSlurm(null, null, Env(("SLURM_ARRAY_TASK_ID", "4"), ("SLURM_ARRAY_TASK_COUNT", "7"),
            ("SLURM_ARRAY_TASK_MIN", "0"), ("SLURM_ARRAY_TASK_MAX", "6")));
        Assert.That((share.Index, share.Count), Is.EqualTo((4, 7)));
        Assert.That(share.Of(Runs), Is.EqualTo(new[] { "r4" }));
        Assert.That(share.Source, Does.Contain("SLURM_ARRAY_TASK_ID=4"));
        // --array=1-7: indices start at 1; task 1 is the first share.
        share = SweepShare.FromSlurm(null, null, Env(("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_COUNT", "7"),
            ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_MAX", "7")));
        Assert.That((share.Index, share.Count), Is.EqualTo((0, 7)));
        // --array=10-20:5: indices 10, 15, 20; task 15 is share 1 of 3.
        share = SweepShare.FromSlurm(null, null, Env(("SLURM_ARRAY_TASK_ID", "15"), ("SLURM_ARRAY_TASK_COUNT", "3"),
            ("SLURM_ARRAY_TASK_MIN", "10"), ("SLURM_ARRAY_TASK_MAX", "20"), ("SLURM_ARRAY_TASK_STEP", "5")));
        Assert.That((share.Index, share.Count), Is.EqualTo((1, 3)));
        // Outside an array: the whole sweep.
        Assert.That(SweepShare.FromSlurm(null, null, Env(("SLURM_JOB_ID", "12"))), Is.SameAs(SweepShare.Whole));
    }

    [Test]
    public void FlagsOverrideTheEnvironment()
    {
        var env = Env(("SLURM_ARRAY_TASK_ID", "4"), ("SLURM_ARRAY_TASK_COUNT", "7"), ("SLURM_ARRAY_TASK_MIN", "0"), ("SLURM_ARRAY_TASK_MAX", "6"));
        var share = SweepShare.FromSlurm(2, 3, env);
        Assert.That((share.Index, share.Count), Is.EqualTo((2, 3)));
        Assert.That(share.Of(Runs), Is.EqualTo(new[] { "r2", "r5" }));
    }

    [Test]
    public void MistakesSayWhatToPass()
    {
        Assert.That(() => SweepShare.FromSlurm(1, null, Env()), Throws.TypeOf<DistributedError>().With.Message.Contains("--task-id and --tasks go together"));
        Assert.That(() => SweepShare.FromSlurm(3, 3, Env()), Throws.TypeOf<DistributedError>().With.Message.Contains("--task-id 3: must be in 0 … 2"));
        Assert.That(() => SweepShare.FromSlurm(0, 0, Env()), Throws.TypeOf<DistributedError>().With.Message.Contains("at least 1 task"));
        // --array=1,4,9: a list, whose count does not match its range.
        var list = Env(("SLURM_ARRAY_TASK_ID", "4"), ("SLURM_ARRAY_TASK_COUNT", "3"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_MAX", "9"));
        Assert.That(() => SweepShare.FromSlurm(null, null, list),
            Throws.TypeOf<DistributedError>().With.Message.Contains("not an evenly spaced range").And.Message.Contains("--array=0-2"));
        Assert.That(() => SweepShare.FromSlurm(null, null, Env(("SLURM_ARRAY_TASK_ID", "x"), ("SLURM_ARRAY_TASK_COUNT", "3"),
            ("SLURM_ARRAY_TASK_MIN", "0"), ("SLURM_ARRAY_TASK_MAX", "2"))), Throws.TypeOf<DistributedError>().With.Message.Contains("SLURM_ARRAY_TASK_ID='x'"));
        Assert.That(() => SweepShare.FromSlurm(null, null, Env(("SLURM_ARRAY_TASK_ID", "1"))),
            Throws.TypeOf<DistributedError>().With.Message.Contains("SLURM_ARRAY_TASK_COUNT"));
    }

    [Test]
    public void AnArrayOfMpiJobsCutsEachTaskAmongItsRanks()
    {
        // 2 array tasks × 2 ranks = 4 shares; task 1, rank 1 is share 3.
        var task = SweepShare.FromSlurm(1, 2, Env());
        var all = Enumerable.Range(0, 2).SelectMany(t => Enumerable.Range(0, 2).Select(r => SweepShare.FromSlurm(t, 2, Env()).Within(SweepShare.FromMpi(r, 2))))
            .ToArray();
        Assert.That(all.Select(s => s.Index), Is.EqualTo(new[] { 0, 1, 2, 3 }));
        Assert.That(all.Select(s => s.Count), Is.All.EqualTo(4));
        Assert.That(all.SelectMany(s => s.Of(Runs)).Order(), Is.EqualTo(Runs), "disjoint and complete");
        Assert.That(task.Within(SweepShare.Whole), Is.SameAs(task));
        Assert.That(SweepShare.Resolve(null, null, null, Env()), Is.SameAs(SweepShare.Whole));
    }

    [Test]
    public void LaunchersAreRecognisedAndOpenMpiIsRefusedWithWhatToRunInstead()
    {
        var none = MpiLaunch.Detect(Env(("HOME", "/root")));
        Assert.That((none.Launcher, none.Rank, none.Size, none.Problem), Is.EqualTo((MpiLauncher.None, 0, 1, (string?)null)));
        var hydra = MpiLaunch.Detect(Env(("PMI_RANK", "1"), ("PMI_SIZE", "2"), ("MPI_LOCALRANKID", "1"), ("MPI_LOCALNRANKS", "2")));
        Assert.That((hydra.Launcher, hydra.Rank, hydra.Size, hydra.LocalRank, hydra.LocalRanks, hydra.Problem),
            Is.EqualTo((MpiLauncher.Pmi, 1, 2, 1, 2, (string?)null)));
        var srun = MpiLaunch.Detect(Env(("PMI_RANK", "5"), ("PMI_SIZE", "8"), ("SLURM_LOCALID", "1")));
        Assert.That((srun.Launcher, srun.LocalRank, srun.LocalRanks), Is.EqualTo((MpiLauncher.Pmi, 1, 1)));

        var openMpi = MpiLaunch.Detect(Env(("OMPI_COMM_WORLD_RANK", "0"), ("OMPI_COMM_WORLD_SIZE", "2"), ("PMIX_RANK", "0")));
        Assert.That(openMpi.Launcher, Is.EqualTo(MpiLauncher.OpenMpi));
        Assert.That(openMpi.Problem, Does.Contain("Open MPI").And.Contain("apt-get install mpich").And.Contain("mpiexec.mpich"));
        Assert.That(() => MpiSession.Start(openMpi), Throws.TypeOf<DistributedError>().With.Message.Contains("Open MPI"));
        Assert.That(MpiSession.Current, Is.Null, "a refused launch starts nothing");

        var plainSrun = MpiLaunch.Detect(Env(("SLURM_NTASKS", "4"), ("SLURM_PROCID", "2")));
        Assert.That(plainSrun.Problem, Does.Contain("srun --mpi=pmi2"));
        Assert.That(MpiLaunch.Detect(Env(("PMIX_RANK", "0"), ("SLURM_NTASKS", "2"))).Problem, Does.Contain("--mpi=pmi2"));
    }
}
