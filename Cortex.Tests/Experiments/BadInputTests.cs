using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Experiments;

/// <summary>
/// The bad-input corpus (<see cref="BadInputCorpus"/>): every mistake exits with code 2 and prints its message,
/// located (the option, file, line or key) and without a stack trace, and leaves every file as it was.
/// </summary>
[NonParallelizable]
public sealed class BadInputTests
{
    private static IEnumerable<TestCaseData> Cases =>
        BadInputCorpus.All.Select(c => new TestCaseData(c).SetName($"BadInput({c.Class}: {c.Case})"));

    [TestCaseSource(nameof(Cases))]
    public void IsOneLocatedMessageWithExitCodeTwo(BadInput input)
    {
        using var w = new Workspace();
        var args = input.Arguments(w);
        var before = Workspace.Snapshot(w.Root);
        bool outExisted = Directory.Exists(w.Out);
        var (code, _, error) = Cli.Run(args);
        string expected = input.Message.Replace("{root}", w.Root).Replace("{data}", w.Data).Replace("{out}", w.Out).Replace("{network}", w.Network);
        Assert.That(error, Does.Contain(expected), $"cortex {string.Join(' ', args)}");
        Assert.That(code, Is.EqualTo(2), error);
        AssertNoTrace(error);
        Assert.That(Workspace.Snapshot(w.Root), Is.EqualTo(before), "a mistake writes nothing");
        Assert.That(Directory.Exists(w.Out), Is.EqualTo(outExisted), "a mistake creates no folder");
    }

    /// <summary>What every user error must not print: .NET's frames, its unhandled-exception banner, or the whole help.</summary>
    public static void AssertNoTrace(string error)
    {
        Assert.That(error, Does.Not.Contain("   at ").And.Not.Contain("Unhandled exception").And.Not.Contain("internal error"));
        Assert.That(error, Does.Not.Contain("Options:").And.Not.Contain("Usage:"), "no help text after an error");
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("matrix products:")).ToList();
        Assert.That(lines.Count(l => l.StartsWith("cortex")), Is.EqualTo(1), "one message");
    }

    [Test]
    public void AnUnwritableOutFolderIsNamed()
    {
        using var w = new Workspace();
        string locked = w.PathOf("locked");
        if (!w.MakeUnwritable(locked)) Assert.Ignore("this machine lets the tests write into every folder (neither chattr nor permissions stop them)");
        var (code, _, error) = Cli.Run(w.Train(null, "--out", locked));
        Assert.That(code, Is.EqualTo(2), error);
        Assert.That(error, Does.Contain($"--out {locked}: the folder is not writable"));
        AssertNoTrace(error);
    }

    [Test]
    public void TheCorpusCoversEveryClass()
    {
        var classes = BadInputCorpus.All.GroupBy(c => c.Class).ToDictionary(g => g.Key, g => g.Count());
        Assert.That(classes.Keys, Is.EquivalentTo(new[] { "cli", "path", "config", "data", "checkpoint" }));
        Assert.That(classes.Values, Is.All.GreaterThanOrEqualTo(5));
        Assert.That(BadInputCorpus.All.Select(c => c.ToString()), Is.Unique);
    }
}
