namespace Cortex.Experiments.Cli;

/// <summary>
/// Files the user names with an option (<c>--svg</c>, <c>--json</c>): every reason one cannot be written — a folder
/// of that name, a missing folder, a read-only file, no permission, a full disk — is a user error naming the option
/// and the path, never a stack trace.
/// </summary>
internal static class OutputFile
{
    /// <summary>Checks <paramref name="path"/> and runs <paramref name="write"/> with its full path.</summary>
    public static void Write(string option, string path, Action<string> write)
    {
        string full = Check(option, path);
        try
        {
            write(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UserError($"{option} {full}: cannot be written ({e.Message})");
        }
    }

    /// <summary>The full path of a file that can be written there (a check before long work whose result goes there).</summary>
    public static string Check(string option, string path)
    {
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new UserError($"{option} '{path}': not a usable path ({e.Message})");
        }
        if (Directory.Exists(full)) throw new UserError($"{option} {full}: is a folder; give a file name");
        string folder = Path.GetDirectoryName(full)!;
        if (File.Exists(folder)) throw new UserError($"{option} {full}: {folder} is a file, not a folder");
        if (!Directory.Exists(folder)) throw new UserError($"{option} {full}: the folder {folder} does not exist");
        if (File.Exists(full) && File.GetAttributes(full).HasFlag(FileAttributes.ReadOnly))
            throw new UserError($"{option} {full}: the file is read-only");
        return full;
    }
}
