using Cortex.Experiments.Statistics;

namespace Cortex.Experiments.Reports;

/// <summary>Accuracy over seeds at one level of a stimulus manipulation.</summary>
/// <param name="Level">The level (e.g. the occluded fraction of the image).</param>
/// <param name="Accuracy">Test accuracy over seeds (fractions in [0, 1]).</param>
public sealed record RobustnessPoint(double Level, MeanEstimate Accuracy);
