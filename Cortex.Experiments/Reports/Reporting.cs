using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cortex.Experiments.Reports;

/// <summary>What the report writers share: JSON settings and whole-file writes that never leave half a file.</summary>
internal static class Reporting
{
    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes a file through a temporary file in the same folder, so a reader never sees half of it.</summary>
    public static void WriteText(string path, string text)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temporary = full + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, full, overwrite: true);
    }
}
