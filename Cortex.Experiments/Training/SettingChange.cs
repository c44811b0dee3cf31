namespace Cortex.Experiments.Training;

/// <summary>
/// One difference between what a checkpoint recorded and the run about to continue from it. <see cref="Blocker"/>
/// says why it cannot be allowed even with <c>--allow-changes</c> (the checkpoint's state could not be loaded).
/// </summary>
public sealed record SettingChange(string Setting, string Was, string Now, string? Blocker = null)
{
    /// <summary>The change as printed: <c>setting: was → now</c>.</summary>
    public override string ToString() => $"{Setting}: {Was} → {Now}";
}
