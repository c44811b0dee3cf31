namespace Cortex.Experiments.Statistics;

/// <summary>One operating point of early exit summarised over seeds: each quantity's mean and t-interval.</summary>
/// <param name="Threshold">The confidence threshold.</param>
/// <param name="Accuracy">Accuracy at exit over seeds (fractions in [0, 1]).</param>
/// <param name="MeanStep">Mean exit step over seeds.</param>
/// <param name="MeanMacsPerImage">Mean synaptic operations per image over seeds.</param>
public sealed record SpeedAccuracySummary(double Threshold, MeanEstimate Accuracy, MeanEstimate MeanStep, MeanEstimate MeanMacsPerImage);
