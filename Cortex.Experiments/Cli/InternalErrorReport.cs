using System.Globalization;
using System.Text;

namespace Cortex.Experiments.Cli;

/// <summary>
/// What the command line does with a bug (an exception that is not a user mistake): the full trace goes to a
/// file — in the run folder of the command, when it has one, else in <c>$TMPDIR/cortex-errors/</c> — and the
/// user sees one line, <c>cortex: internal error: &lt;message&gt;; the full trace is in &lt;path&gt;</c>.
/// </summary>
public static class InternalErrorReport
{
    /// <summary>The folder of the run in progress, where a trace belongs; null when the command has none (yet).</summary>
    public static string? RunFolder { get; set; }

    /// <summary>Where traces go when there is no run folder.</summary>
    public static string FallbackFolder => Path.Combine(Path.GetTempPath(), "cortex-errors");

    /// <summary>Writes the trace of <paramref name="error"/> and returns the line to print.</summary>
    public static string Write(Exception error, IReadOnlyList<string> args)
    {
        string message = FirstLine(error.Message);
        string stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss-fff", CultureInfo.InvariantCulture);
        string name = $"internal-error-{stamp}-{Environment.ProcessId}.txt";
        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"cortex internal error at {DateTime.UtcNow:O}")
            .AppendLine(CultureInfo.InvariantCulture, $"command line: cortex {string.Join(' ', args)}")
            .AppendLine(CultureInfo.InvariantCulture, $"runtime: {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}")
            .AppendLine()
            .AppendLine(error.ToString())
            .ToString();
        var failures = new List<string>();
        foreach (var folder in new[] { RunFolder, FallbackFolder })
        {
            if (folder is null) continue;
            try
            {
                Directory.CreateDirectory(folder);
                string path = Path.Combine(folder, name);
                File.WriteAllText(path, text);
                return $"cortex: internal error: {message} ({error.GetType().Name}); the full trace is in {path}";
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
            {
                failures.Add($"{folder}: {e.Message}");
            }
        }
        return $"cortex: internal error: {message} ({error.GetType().Name}); the trace could not be written ({string.Join("; ", failures)}), so here it is:" +
            Environment.NewLine + text;
    }

    private static string FirstLine(string text)
    {
        int end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }
}
