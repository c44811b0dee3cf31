namespace Cortex.Experiments.Training;

/// <summary>Learning-rate schedules over the optimiser steps of a run.</summary>
public enum LearningRateShape { Constant, Cosine, Step }

/// <summary>
/// lr(step) for step = 0 … total − 1: constant; cosine from lr to 0 over the run (after a linear warm-up of
/// <see cref="WarmupSteps"/>); or step: lr·γ^⌊epoch / every⌋.
/// </summary>
public sealed record LearningRate(double Base, LearningRateShape Shape = LearningRateShape.Cosine, int WarmupSteps = 0, int StepEveryEpochs = 1, double StepGamma = 0.1)
{
    public const string Allowed = "constant, cosine, step";

    public static LearningRateShape ParseShape(string text) => text.Trim().ToLowerInvariant() switch
    {
        "constant" => LearningRateShape.Constant,
        "cosine" => LearningRateShape.Cosine,
        "step" => LearningRateShape.Step,
        _ => throw new ArgumentException($"unknown learning-rate schedule '{text}'; allowed: {Allowed}"),
    };

    public double At(long step, long totalSteps, int stepsPerEpoch)
    {
        if (WarmupSteps > 0 && step < WarmupSteps) return Base * (step + 1) / WarmupSteps;
        return Shape switch
        {
            LearningRateShape.Constant => Base,
            LearningRateShape.Cosine => Base * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(1.0, (double)(step - WarmupSteps) / Math.Max(1, totalSteps - WarmupSteps)))),
            _ => Base * Math.Pow(StepGamma, step / Math.Max(1, stepsPerEpoch) / Math.Max(1, StepEveryEpochs)),
        };
    }
}
