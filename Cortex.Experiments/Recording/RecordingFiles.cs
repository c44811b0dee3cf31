using Cortex.Experiments.Data;

namespace Cortex.Experiments.Recording;

/// <summary>The file formats of a recording.</summary>
public enum RecordingFormat
{
    /// <summary>A folder of NumPy .npy files with a meta.json (<see cref="NpyRecording"/>).</summary>
    Npy,
    /// <summary>One HDF5 file (<see cref="Hdf5Recording"/>).</summary>
    Hdf5,
}

/// <summary>Creates and reads recordings in either format.</summary>
public static class RecordingFiles
{
    /// <summary>The format names the command line accepts.</summary>
    public const string Allowed = "npy | hdf5";

    /// <summary><c>npy</c> or <c>hdf5</c> (also <c>h5</c>), case-insensitive.</summary>
    public static RecordingFormat Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "npy" or "numpy" => RecordingFormat.Npy,
        "hdf5" or "h5" => RecordingFormat.Hdf5,
        _ => throw new ArgumentException($"unknown format '{name}'; allowed: {Allowed}"),
    };

    /// <summary>A writer of <paramref name="layout"/> at <paramref name="path"/>: a folder for npy, a file for hdf5.</summary>
    public static IRecordingWriter Create(RecordingFormat format, string path, RecordingLayout layout) => format switch
    {
        RecordingFormat.Npy => NpyRecording.Create(path, layout),
        RecordingFormat.Hdf5 => Hdf5Recording.Create(path, layout),
        _ => throw new ArgumentOutOfRangeException(nameof(format)),
    };

    /// <summary>Reads a recording: a folder holding meta.json (npy) or an HDF5 file.</summary>
    public static RecordedStates Read(string path)
    {
        if (Directory.Exists(path)) return NpyRecording.Read(path);
        if (!File.Exists(path)) throw new DataError($"{path}: no such recording (a folder written with --format npy, or a file written with --format hdf5)");
        return Hdf5Recording.Read(path);
    }
}
