namespace Cortex.Experiments.Experiments;

/// <summary>Whole-file writes that a reader (or a crash) never sees half of: a uniquely named temporary file in the same folder, flushed to disk, then moved over the destination.</summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="text"/> (UTF-8) to <paramref name="path"/> so that the file is either the old one or the whole new one.</summary>
    public static void WriteText(string path, string text)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        string temporary = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            using (var writer = new StreamWriter(file))
            {
                writer.Write(text);
                writer.Flush();
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            try
            {
                File.Delete(temporary);
            }
            catch (IOException)
            {
                // Left behind; the destination is unchanged either way.
            }
            throw;
        }
    }
}
