namespace Cortex.Experiments.Training;

/// <summary>Learning-rate schedules over the optimiser steps of a run.</summary>
public enum LearningRateShape
{
    /// <summary>The base rate throughout.</summary>
    Constant,

    /// <summary>Half a cosine from the base rate down to 0 over the steps after warm-up.</summary>
    Cosine,

    /// <summary>The base rate times γ once every <see cref="LearningRate.StepEveryEpochs"/> epochs.</summary>
    Step,
}

/// <summary>
/// lr(step) for step = 0 … total − 1: constant; cosine from lr to 0 over the run (after a linear warm-up of
/// <see cref="WarmupSteps"/>); or step: lr·γ^⌊epoch / every⌋.
/// </summary>
public sealed record LearningRate(double Base, LearningRateShape Shape = LearningRateShape.Cosine, int WarmupSteps = 0, int StepEveryEpochs = 1, double StepGamma = 0.1)
{
    /// <summary>The schedule names a flag accepts, for messages.</summary>
    public const string Allowed = "constant, cosine, step";

    /// <summary>The schedule called <paramref name="text"/> (<c>constant</c>, <c>cosine</c> or <c>step</c>, any case).</summary>
    /// <exception cref="ArgumentException">Any other word; the message lists the allowed ones.</exception>
    public static LearningRateShape ParseShape(string text) => text.Trim().ToLowerInvariant() switch
    {
        "constant" => LearningRateShape.Constant,
        "cosine" => LearningRateShape.Cosine,
        "step" => LearningRateShape.Step,
        _ => throw new ArgumentException($"unknown learning-rate schedule '{text}'; allowed: {Allowed}"),
    };

    /// <summary>The learning rate at optimiser step <paramref name="step"/> (from 0) of <paramref name="totalSteps"/>, with <paramref name="stepsPerEpoch"/> steps per epoch (for the step schedule). During warm-up it rises linearly to <see cref="Base"/>.</summary>
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
