namespace Cortex.Connectivity.Spec;

/// <summary>At which steps a readout produces class scores.</summary>
public enum ReadoutSteps { All, Final, List }

/// <summary>How a readout reduces an area's state before its linear map.</summary>
public enum ReadoutPooling
{
    /// <summary>Mean over H×W per channel (spatial areas): C features.</summary>
    GlobalAverage,
    /// <summary>The whole state as features (vector areas, or C·H·W features for a spatial one).</summary>
    None,
}

/// <summary>A linear readout (pooling, then a dense map to <see cref="Classes"/> scores, with bias) of one area.</summary>
public sealed record ReadoutSpec : SpecNode
{
    public required string Name { get; init; }
    public required string From { get; init; }
    public int Classes { get; init; }
    public ReadoutSteps Steps { get; init; } = ReadoutSteps.All;

    /// <summary>The 1-based steps read out when <see cref="Steps"/> is <see cref="ReadoutSteps.List"/>.</summary>
    public IReadOnlyList<int> StepList { get; init; } = [];

    public ReadoutPooling Pooling { get; init; } = ReadoutPooling.GlobalAverage;

    /// <summary>Whether the readout produces scores at step t of T.</summary>
    public bool IsReadAt(int t, int steps) => Steps switch
    {
        ReadoutSteps.All => true,
        ReadoutSteps.Final => t == steps,
        _ => StepList.Contains(t),
    };
}
