namespace Cortex.Experiments.Recording;

/// <summary>
/// Where <see cref="StateRecorder"/> puts recorded states: a file format (<see cref="NpyRecording"/>,
/// <see cref="Hdf5Recording"/>) or memory (<see cref="RecordedStates"/>). Blocks arrive in image order.
/// Disposing a file writer closes its files; a writer that failed part-way leaves an incomplete recording.
/// </summary>
public interface IRecordingWriter : IDisposable
{
    /// <summary>
    /// Stores images <paramref name="first"/> … <paramref name="first"/> + <paramref name="count"/> − 1 of area number
    /// <paramref name="area"/> (its position in <see cref="RecordingLayout.Areas"/>): <paramref name="values"/> is
    /// [count, steps, …area shape].
    /// </summary>
    void Write(int area, int first, int count, ReadOnlySpan<float> values);
}
