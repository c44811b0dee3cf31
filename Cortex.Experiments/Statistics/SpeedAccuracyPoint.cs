namespace Cortex.Experiments.Statistics;

/// <summary>One operating point of confidence-threshold early exit, for one run.</summary>
/// <param name="Threshold">The confidence an image's top probability must reach to stop.</param>
/// <param name="Accuracy">The fraction of images correct at the step where each stopped, in [0, 1].</param>
/// <param name="MeanStep">The mean step number (or head number) at which images stopped.</param>
/// <param name="MeanMacsPerImage">The mean synaptic operations (multiply–accumulates) spent per image up to its stop.</param>
public sealed record SpeedAccuracyPoint(double Threshold, double Accuracy, double MeanStep, double MeanMacsPerImage);
