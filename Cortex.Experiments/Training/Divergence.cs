using Cortex.Core.Simulation;
using Cortex.Experiments.Checkpoints;
using Cortex.Experiments.Data;

namespace Cortex.Experiments.Training;

/// <summary>
/// What to say when training diverges: where the non-finite values first appear — the first area and step, in the
/// order the simulator computes them (t = 1..T, areas in update order), else the first readout step, else the first
/// parameter, else the first gradient — and, truthfully, whether a checkpoint exists to go back to.
/// </summary>
public static class Divergence
{
    /// <summary>The exception that stops a diverged run at <paramref name="position"/> after <paramref name="optimiserStep"/> steps: <paramref name="what"/> went non-finite; the message adds where non-finite values first appear in <paramref name="network"/> and whether <paramref name="checkpointPath"/> holds a checkpoint to go back to.</summary>
    public static TrainingDivergedException Stopped(Network<float> network, DataPosition position, long optimiserStep, string what, string? checkpointPath)
    {
        string where = FirstNonFinite(network) is { } first ? $"; the first non-finite values are in {first}"
            : LargestLogits(network) is { } largest ? $"; nothing in the network is non-finite, but {largest}, so the softmax saturates (a probability of 0 for a true class)"
            : "";
        return new TrainingDivergedException(
            $"training stopped at {position} (optimiser step {optimiserStep}): {what}{where}. {Kept(checkpointPath)} " +
            "Lower the learning rate or turn on gradient clipping (--clip).");
    }

    /// <summary>Where the first non-finite value is, in the order it was computed, or null when everything is finite.</summary>
    public static string? FirstNonFinite(Network<float> network)
    {
        if (network.Batch > 0)
        {
            for (int t = 1; t <= network.Steps; t++)
                foreach (var area in network.AreaNames.Where(_ => network.HoldsState(t)))
                    if (!Finite(network.State(area, t).ToArray())) return $"area {area} at t = {t}";
            foreach (var readout in network.Readouts)
            {
                var logits = network.Logits(readout.Name);
                for (int s = 0; s < readout.Steps.Count; s++)
                    if (!Finite(logits.Step(s).ToArray())) return $"readout '{readout.Name}' at t = {readout.Steps[s]}";
            }
        }
        foreach (var p in network.Parameters)
            if (!Finite(p.Value.ToArray())) return $"parameter {p.Name}";
        foreach (var p in network.Parameters)
            if (!Finite(p.Gradient.ToArray())) return $"the gradient of {p.Name}";
        return null;
    }

    /// <summary>Where the logits of the last forward pass are largest in size ("the logits of readout r at t = 2 reach 1E+30"), or null before any.</summary>
    public static string? LargestLogits(Network<float> network)
    {
        if (network.Batch == 0) return null;
        (string? Where, float Size) largest = (null, 0);
        foreach (var readout in network.Readouts)
        {
            var logits = network.Logits(readout.Name);
            for (int s = 0; s < readout.Steps.Count; s++)
                foreach (float v in logits.Step(s).ToArray())
                    if (Math.Abs(v) > largest.Size) largest = ($"the logits of readout '{readout.Name}' at t = {readout.Steps[s]} reach {Math.Abs(v):G3} in size", Math.Abs(v));
        }
        return largest.Where;
    }

    /// <summary>The sentence about the checkpoint a diverged run leaves.</summary>
    public static string Kept(string? checkpointPath)
    {
        if (checkpointPath is null) return "This run writes no checkpoints.";
        if (!File.Exists(checkpointPath)) return $"No checkpoint had been written to {checkpointPath}.";
        try
        {
            var metadata = CheckpointFile.Read(checkpointPath).Metadata;
            return $"The last checkpoint, {checkpointPath} (optimiser step {metadata.Step}, next {metadata.Data}), is kept.";
        }
        catch (CheckpointError e)
        {
            return $"The checkpoint at {checkpointPath} cannot be read back: {e.Message}.";
        }
    }

    private static bool Finite(float[] values)
    {
        foreach (float v in values)
            if (!float.IsFinite(v)) return false;
        return true;
    }
}
