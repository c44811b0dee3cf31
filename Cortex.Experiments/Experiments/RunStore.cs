using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cortex.Experiments.Experiments;

/// <summary>
/// A folder of runs, one sub-folder per run named by its <see cref="RunKey"/>, through which several processes on
/// one machine work through a sweep without doing a run twice. A run's folder holds:
/// <code>
/// run.json         what the run is: key, full SHA-256 and the canonical description (written at the first claim)
/// claim.lock       the lock: held open with an exclusive OS lock by the process working on the run; never deleted
/// claim.json       who holds (or, if the lock is free, last held and left) the claim: pid, host, start, attempt
/// train/           a training run's own folder (config, history, metrics), with train/checkpoint.ckpt: the
///                  checkpoint resumed by whoever takes over an interrupted run
/// outcomes.bin …   an evaluation's results
/// done             the done marker (written atomically after the results): when, by whom, result files and checksums
/// failed.json      the last attempt's error; earlier attempts' are kept as failed-1.json, failed-2.json, …
/// </code>
/// A claim is the exclusive lock on <c>claim.lock</c> (<see cref="FileShare.None"/>: flock on Linux and macOS, a share
/// lock on Windows). It is atomic, and the operating system releases it when the process ends in any way, kill -9
/// included; a <c>claim.json</c> whose lock is free is therefore a stale claim (<see cref="RunState.Interrupted"/>),
/// which the next claimant takes over. The lock file is never deleted, so two processes can never lock two different
/// files of one name. The store must be on a local file system (network file systems may not honour the lock).
/// </summary>
public sealed class RunStore
{
    /// <summary>The run's record: what the folder is.</summary>
    public const string RunFileName = "run.json";

    /// <summary>The lock file, held for a claim's lifetime.</summary>
    public const string LockFileName = "claim.lock";

    /// <summary>The claimant's record.</summary>
    public const string ClaimFileName = "claim.json";

    /// <summary>The done marker.</summary>
    public const string DoneFileName = "done";

    /// <summary>The last attempt's failure.</summary>
    public const string FailedFileName = "failed.json";

    /// <summary>A training run's own folder inside its store folder.</summary>
    public const string TrainingFolderName = "train";

    /// <summary>Where a training run keeps its checkpoint, in its <see cref="TrainingFolderName"/>.</summary>
    public const string CheckpointFileName = "checkpoint.ckpt";

    /// <summary>The checkpoint of the run in <paramref name="folder"/>.</summary>
    public static string CheckpointOf(string folder) => Path.Combine(folder, TrainingFolderName, CheckpointFileName);

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    private RunStore(string root) => Root = root;

    /// <summary>The store's folder (absolute).</summary>
    public string Root { get; }

    /// <summary>
    /// Opens (creating it if needed) the store at <paramref name="root"/>. Refused when .NET's file locking is turned
    /// off (DOTNET_SYSTEM_IO_DISABLEFILELOCKING or the System.IO.DisableFileLocking switch), since claims rely on it.
    /// </summary>
    public static RunStore Open(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        string full = Path.GetFullPath(root);
        if (FileLockingDisabled())
            throw new RunStoreError($"run store {full}: file locking is turned off in this process (DOTNET_SYSTEM_IO_DISABLEFILELOCKING or System.IO.DisableFileLocking), and claims on runs rely on it; turn it back on");
        try
        {
            Directory.CreateDirectory(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RunStoreError($"run store {full}: cannot be created ({e.Message})", e);
        }
        return new RunStore(full);
    }

    /// <summary>The folder of run <paramref name="key"/> (which may not exist yet).</summary>
    public string FolderOf(RunKey key) => Path.Combine(Root, key.Value);

    /// <summary>
    /// Tries to claim the run described by <paramref name="description"/> for this process. Done, running and corrupt
    /// runs are not handed out, nor failed ones that <paramref name="retry"/> does not allow; a pending, interrupted
    /// (stale) or retried run is claimed, its folder created and its <c>run.json</c> written if missing. A folder whose
    /// <c>run.json</c> describes another run (a key collision, or a folder edited by hand) is a <see cref="RunStoreError"/>.
    /// </summary>
    public ClaimAttempt TryClaim(string description, RetryPolicy retry)
    {
        ArgumentNullException.ThrowIfNull(retry);
        var key = RunKey.Of(description);
        string folder = FolderOf(key);
        if (File.Exists(Path.Combine(folder, DoneFileName)))
        {
            var finished = Inspect(key, LockHolder.Probe);
            if (finished.State is RunState.Done or RunState.Corrupt) return new ClaimAttempt(null, finished);
        }
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new RunStoreError($"run {folder}: the folder cannot be created ({e.Message})", e);
        }
        var lockFile = TryLock(folder);
        if (lockFile is null) return new ClaimAttempt(null, Inspect(key, LockHolder.Other));
        try
        {
            var status = Inspect(key, LockHolder.Us);
            if (status.State is RunState.Done or RunState.Corrupt) return Decline(lockFile, status);
            EnsureRunRecord(folder, key, description);
            int attempt = 1 + PreviousFailures(folder);
            if (status.State == RunState.Failed)
            {
                if (!retry.Allows(status.Failure!)) return Decline(lockFile, status);
                File.Move(Path.Combine(folder, FailedFileName), Path.Combine(folder, $"failed-{status.Failure!.Attempt}.json"), overwrite: true);
                attempt = 1 + PreviousFailures(folder);
            }
            var claimant = new Claimant(Environment.ProcessId, Environment.MachineName, DateTimeOffset.UtcNow, attempt);
            AtomicFile.WriteText(Path.Combine(folder, ClaimFileName), JsonSerializer.Serialize(claimant, Json));
            return new ClaimAttempt(new RunClaim(key, folder, description, lockFile, claimant, status), status);
        }
        catch (Exception e)
        {
            lockFile.Dispose();
            if (e is IOException or UnauthorizedAccessException or JsonException)
                throw new RunStoreError($"run {folder}: cannot be claimed ({e.Message})", e);
            throw;
        }
    }

    /// <summary>Where run <paramref name="key"/> stands. Reading it takes the run's lock for an instant when no process holds it.</summary>
    public RunStatus Status(RunKey key) => Inspect(key, LockHolder.Probe);

    /// <summary>Where each run of a sweep stands, in the order of <paramref name="keys"/> (for <c>cortex experiment status</c>).</summary>
    public SweepStatus Sweep(IEnumerable<RunKey> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return new SweepStatus(keys.Select(Status).ToArray());
    }

    /// <summary>Who holds the run's lock while it is inspected.</summary>
    private enum LockHolder
    {
        /// <summary>Unknown: probe the lock.</summary>
        Probe,

        /// <summary>Another process (our attempt to take it failed).</summary>
        Other,

        /// <summary>This caller (a claim in progress).</summary>
        Us,
    }

    private RunStatus Inspect(RunKey key, LockHolder holder)
    {
        string folder = FolderOf(key);
        var status = new RunStatus(key, RunState.Pending, folder);
        if (!Directory.Exists(folder)) return status;
        status = status with { HasCheckpoint = File.Exists(CheckpointOf(folder)) };

        string runFile = Path.Combine(folder, RunFileName);
        if (File.Exists(runFile))
        {
            var (record, problem) = ReadJson<RunRecord>(runFile);
            if (record is null) return status with { State = RunState.Corrupt, Problem = problem };
            if (record.Key != key.Value)
                return status with { State = RunState.Corrupt, Problem = $"{runFile} belongs to run {record.Key}, not to the folder's {key}" };
        }

        string doneFile = Path.Combine(folder, DoneFileName);
        if (File.Exists(doneFile))
        {
            var (done, problem) = ReadJson<DoneRecord>(doneFile);
            if (done is null) return status with { State = RunState.Corrupt, Problem = problem };
            if (done.Key != key.Value) return status with { State = RunState.Corrupt, Problem = $"{doneFile} marks run {done.Key} done, not the folder's {key}" };
            foreach (var result in done.Files)
            {
                var file = new FileInfo(Path.Combine(folder, result.Name));
                if (!file.Exists) return status with { State = RunState.Corrupt, Problem = $"{doneFile} lists the result {result.Name}, which is missing" };
                if (file.Length != result.Bytes)
                    return status with { State = RunState.Corrupt, Problem = $"{doneFile} lists the result {result.Name} with {result.Bytes} bytes; it now has {file.Length}" };
            }
            return status with { State = RunState.Done, Done = done };
        }

        string claimFile = Path.Combine(folder, ClaimFileName);
        Claimant? claimant = File.Exists(claimFile) ? ReadJson<Claimant>(claimFile).Value : null;
        bool held = holder switch
        {
            LockHolder.Other => true,
            LockHolder.Us => false,
            _ => LockIsHeld(folder),
        };
        if (held) return status with { State = RunState.Running, Claimant = claimant };
        if (File.Exists(claimFile)) return status with { State = RunState.Interrupted, Claimant = claimant };

        string failedFile = Path.Combine(folder, FailedFileName);
        if (File.Exists(failedFile))
        {
            var (failure, problem) = ReadJson<RunFailure>(failedFile);
            failure ??= new RunFailure($"the failure record cannot be read: {problem}", "", File.GetLastWriteTimeUtc(failedFile), 0, "unknown", PreviousFailures(folder) + 1);
            return status with { State = RunState.Failed, Failure = failure };
        }
        return status;
    }

    /// <summary>The exclusive lock on the run's lock file, or null when another process (or thread) holds it.</summary>
    private static FileStream? TryLock(string folder)
    {
        string path = Path.Combine(folder, LockFileName);
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            }
            catch (IOException e) when (IsLockConflict(e))
            {
                // Held with no claim record yet: a claimant writing its record, or a status probe holding the lock for
                // an instant. Ask again a few times before calling the run busy.
                if (attempt >= 5 || File.Exists(Path.Combine(folder, ClaimFileName))) return null;
                Thread.Sleep(5 * (attempt + 1));
            }
        }
    }

    /// <summary>Whether some process holds the run's lock: tries to take it and, if that works, lets it go at once.</summary>
    private static bool LockIsHeld(string folder)
    {
        string path = Path.Combine(folder, LockFileName);
        if (!File.Exists(path)) return false;
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None);
            return false;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (IOException e) when (IsLockConflict(e))
        {
            return true;
        }
    }

    /// <summary>
    /// Whether opening failed because another handle holds the lock: on Windows a sharing or lock violation (errors 32,
    /// 33); on Unix .NET reports flock's EWOULDBLOCK as the raw errno (11 on Linux, 35 on macOS and the BSDs).
    /// </summary>
    private static bool IsLockConflict(IOException e) =>
        OperatingSystem.IsWindows() ? (e.HResult & 0xFFFF) is 32 or 33 : e.HResult == (OperatingSystem.IsLinux() ? 11 : 35);

    private static ClaimAttempt Decline(FileStream lockFile, RunStatus status)
    {
        lockFile.Dispose();
        return new ClaimAttempt(null, status);
    }

    private static void EnsureRunRecord(string folder, RunKey key, string description)
    {
        string path = Path.Combine(folder, RunFileName);
        if (File.Exists(path))
        {
            var (record, problem) = ReadJson<RunRecord>(path);
            if (record is null) throw new RunStoreError(problem!);
            if (record.Description != description)
                throw new RunStoreError($"run {folder}: {RunFileName} describes a different run with the same key {key} (a hash collision, or a folder edited or copied by hand); move the folder away to run this one.\n  recorded:  {Shorten(record.Description)}\n  requested: {Shorten(description)}");
            return;
        }
        AtomicFile.WriteText(path, JsonSerializer.Serialize(new RunRecord(key.Value, RunKey.Sha256(description), description, DateTimeOffset.UtcNow), Json));
    }

    private static int PreviousFailures(string folder) => Directory.GetFiles(folder, "failed-*.json").Length;

    private static string Shorten(string text)
    {
        string line = text.ReplaceLineEndings(" ⏎ ");
        return line.Length <= 200 ? line : line[..200] + "…";
    }

    /// <summary>Reads a JSON record, or says (naming the file) why it cannot.</summary>
    private static (T? Value, string? Problem) ReadJson<T>(string path) where T : class
    {
        try
        {
            var value = JsonSerializer.Deserialize<T>(File.ReadAllText(path), Json);
            return value is null ? (null, $"{path} is empty (null)") : (value, null);
        }
        catch (JsonException e)
        {
            return (null, $"{path} cannot be read: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return (null, $"{path} cannot be read: {e.Message}");
        }
    }

    private static bool FileLockingDisabled()
    {
        if (AppContext.TryGetSwitch("System.IO.DisableFileLocking", out bool disabled) && disabled) return true;
        string? variable = Environment.GetEnvironmentVariable("DOTNET_SYSTEM_IO_DISABLEFILELOCKING");
        return variable is not null && (variable == "1" || variable.Equals("true", StringComparison.OrdinalIgnoreCase));
    }
}
