using System.Security.Cryptography;
using System.Text.Json;

namespace Cortex.Experiments.Experiments;

/// <summary>
/// This process's claim on one run: the run's exclusive lock, held until <see cref="Complete"/>, <see cref="Fail(Exception)"/>
/// or <see cref="Dispose"/>. Keep it (in a <c>using</c>) for the whole run: the lock lives as long as this object's
/// file handle. Disposing without completing or failing returns the run to pending; its checkpoint stays for the next
/// claimant.
/// </summary>
public sealed class RunClaim : IDisposable
{
    private FileStream? lockFile;

    internal RunClaim(RunKey key, string folder, string description, FileStream lockFile, Claimant claimant, RunStatus before)
    {
        Key = key;
        Folder = folder;
        Description = description;
        this.lockFile = lockFile;
        Claimant = claimant;
        Before = before;
    }

    /// <summary>The run's key.</summary>
    public RunKey Key { get; }

    /// <summary>The run's folder, where the caller writes its checkpoint and results.</summary>
    public string Folder { get; }

    /// <summary>The run's canonical description (as in its <c>run.json</c>).</summary>
    public string Description { get; }

    /// <summary>This process, as recorded in <c>claim.json</c>.</summary>
    public Claimant Claimant { get; }

    /// <summary>Which attempt at the run this is (1 for the first).</summary>
    public int Attempt => Claimant.Attempt;

    /// <summary>The run's status just before this claim: Pending, Interrupted (a stale claim taken over) or Failed (a retry).</summary>
    public RunStatus Before { get; }

    /// <summary>Whether this claim took over a stale one, left by a process that ended without releasing it (<see cref="Before"/>.Claimant says which, when known).</summary>
    public bool TookOverStaleClaim => Before.State == RunState.Interrupted;

    /// <summary>The failure this claim retries, if it is a retry.</summary>
    public RunFailure? PreviousFailure => Before.State == RunState.Failed ? Before.Failure : null;

    /// <summary>Where the run's checkpoint is kept.</summary>
    public string CheckpointPath => RunStore.CheckpointOf(Folder);

    /// <summary>Whether a checkpoint is there to resume from.</summary>
    public bool HasCheckpoint => File.Exists(CheckpointPath);

    /// <summary>Whether this claim still holds the run.</summary>
    public bool IsHeld => lockFile is not null;

    /// <summary>The path of <paramref name="name"/> inside the run's folder.</summary>
    public string PathOf(string name) => Path.Combine(Folder, name);

    /// <summary>
    /// Marks the run done: records <paramref name="resultFiles"/> (paths relative to the run's folder, already
    /// written) with their lengths and SHA-256 in the done marker, writes the marker atomically, then releases the claim.
    /// </summary>
    public void Complete(IEnumerable<string> resultFiles)
    {
        ArgumentNullException.ThrowIfNull(resultFiles);
        var held = Held();
        string root = Path.GetFullPath(Folder) + Path.DirectorySeparatorChar;
        var files = new List<ResultFile>();
        foreach (string name in resultFiles)
        {
            string path = Path.GetFullPath(Path.Combine(Folder, name));
            if (!path.StartsWith(root, StringComparison.Ordinal))
                throw new ArgumentException($"result '{name}' lies outside the run's folder {Folder}", nameof(resultFiles));
            if (!File.Exists(path)) throw new ArgumentException($"result '{name}' does not exist in {Folder}", nameof(resultFiles));
            using var stream = File.OpenRead(path);
            files.Add(new ResultFile(Path.GetRelativePath(Folder, path).Replace('\\', '/'), stream.Length, Convert.ToHexStringLower(SHA256.HashData(stream))));
        }
        var done = new DoneRecord(Key.Value, DateTimeOffset.UtcNow, Claimant.ProcessId, Claimant.Host, Attempt, files);
        AtomicFile.WriteText(PathOf(RunStore.DoneFileName), JsonSerializer.Serialize(done, RunStore.Json));
        Release(held);
    }

    /// <summary>Records that this attempt failed with <paramref name="error"/> (message, type and stack), then releases the claim.</summary>
    public void Fail(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        Fail(error.Message, error.ToString());
    }

    /// <summary>Records that this attempt failed (<paramref name="message"/> in one line, <paramref name="detail"/> for the rest), then releases the claim.</summary>
    public void Fail(string message, string detail = "")
    {
        ArgumentNullException.ThrowIfNull(message);
        var held = Held();
        var failure = new RunFailure(message, detail ?? "", DateTimeOffset.UtcNow, Claimant.ProcessId, Claimant.Host, Attempt);
        AtomicFile.WriteText(PathOf(RunStore.FailedFileName), JsonSerializer.Serialize(failure, RunStore.Json));
        Release(held);
    }

    /// <summary>Releases the claim if it is still held, leaving the run pending (with whatever checkpoint it has).</summary>
    public void Dispose()
    {
        if (lockFile is { } held) Release(held);
    }

    private FileStream Held() => lockFile ?? throw new InvalidOperationException($"the claim on run {Key} was already released");

    /// <summary>Removes the claim record while the lock is still held, then lets the lock go.</summary>
    private void Release(FileStream held)
    {
        lockFile = null;
        try
        {
            File.Delete(PathOf(RunStore.ClaimFileName));
        }
        finally
        {
            held.Dispose();
        }
    }
}
