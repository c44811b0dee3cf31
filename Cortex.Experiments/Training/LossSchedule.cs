using System.Globalization;
using Cortex.Experiments.Data;

namespace Cortex.Experiments.Training;

/// <summary>Where the loss is placed over a readout's steps (Zamir et al. 2017).</summary>
public enum LossPlacement
{
    /// <summary>Only the last read step is trained.</summary>
    Final,
    /// <summary>Every read step is trained, with per-step weights (equal by default).</summary>
    EveryStep,
    /// <summary>Every read step is trained; coarse labels early, fine labels late, mixed linearly.</summary>
    CoarseToFine,
}

/// <summary>
/// The loss schedule over the S read steps of a readout. Weights are normalised to sum to 1, so that the
/// learning rate means the same under every schedule. At read step k (0-based) the loss is
/// w_k·[(1 − λ_k)·CE_coarse + λ_k·CE_fine], with λ_k = 1 for the final and every-step schedules and
/// λ_k = k/(S − 1) for coarse-to-fine (λ = 1 when S = 1). CE_coarse is −log Σ_{c ∈ G} p_c, the probability the
/// fine softmax gives to the true coarse group G.
/// </summary>
public sealed record LossSchedule(LossPlacement Placement, IReadOnlyList<double>? Weights = null)
{
    public static readonly LossSchedule Final = new(LossPlacement.Final);
    public static readonly LossSchedule EveryStep = new(LossPlacement.EveryStep);
    public static readonly LossSchedule CoarseToFine = new(LossPlacement.CoarseToFine);

    public const string Allowed = "final, every-step, every-step:w1,w2,…, coarse-to-fine";

    /// <summary>Parses "final", "every-step", "every-step:1,1,2,4" or "coarse-to-fine".</summary>
    public static LossSchedule Parse(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        if (t == "final") return Final;
        if (t == "every-step") return EveryStep;
        if (t == "coarse-to-fine") return CoarseToFine;
        if (t.StartsWith("every-step:"))
        {
            var parts = t["every-step:".Length..].Split(',', StringSplitOptions.TrimEntries);
            var weights = new double[parts.Length];
            for (int i = 0; i < parts.Length; i++)
                if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out weights[i]) || !(weights[i] >= 0) || double.IsInfinity(weights[i]))
                    throw new ArgumentException($"loss schedule '{text}': weight {i + 1} ('{parts[i]}') must be a finite number ≥ 0");
            if (weights.Sum() <= 0) throw new ArgumentException($"loss schedule '{text}': the weights must not all be 0");
            return new LossSchedule(LossPlacement.EveryStep, weights);
        }
        throw new ArgumentException($"unknown loss schedule '{text}'; allowed: {Allowed}");
    }

    /// <summary>(w_k·λ_k, w_k·(1 − λ_k)) for each of <paramref name="steps"/> read steps: the fine and coarse weights.</summary>
    public (double[] Fine, double[] Coarse) WeightsFor(int steps)
    {
        var w = new double[steps];
        switch (Placement)
        {
            case LossPlacement.Final:
                w[steps - 1] = 1;
                break;
            default:
                if (Weights is { } given)
                {
                    if (given.Count != steps)
                        throw new ArgumentException($"loss schedule: {given.Count} weights given for {steps} read steps");
                    for (int k = 0; k < steps; k++) w[k] = given[k];
                }
                else Array.Fill(w, 1.0);
                break;
        }
        double sum = w.Sum();
        var fine = new double[steps];
        var coarse = new double[steps];
        for (int k = 0; k < steps; k++)
        {
            double lambda = Placement == LossPlacement.CoarseToFine && steps > 1 ? (double)k / (steps - 1) : 1;
            fine[k] = w[k] / sum * lambda;
            coarse[k] = w[k] / sum * (1 - lambda);
        }
        return (fine, coarse);
    }

    public override string ToString() => Placement switch
    {
        LossPlacement.Final => "final",
        LossPlacement.CoarseToFine => "coarse-to-fine",
        _ => Weights is null ? "every-step" : "every-step:" + string.Join(",", Weights.Select(w => w.ToString(CultureInfo.InvariantCulture))),
    };
}

/// <summary>The loss and its gradient for one batch, computed on the host in double precision from the logits.</summary>
public static class ScheduledLoss
{
    /// <summary>
    /// logits and dLogits are [S, B, K]. Returns the scheduled loss (mean over the batch) and writes
    /// ∂loss/∂logits. <paramref name="groups"/> is needed when any coarse weight is non-zero.
    /// </summary>
    public static double Compute(ReadOnlySpan<float> logits, int steps, int batch, int classes, ReadOnlySpan<int> labels,
        double[] fineWeights, double[] coarseWeights, ClassGroups? groups, Span<float> dLogits)
    {
        if (coarseWeights.Any(w => w != 0) && groups is null)
            throw new ArgumentException("coarse-to-fine loss: the dataset has no coarse groups");
        double total = 0;
        var p = new double[classes];
        for (int s = 0; s < steps; s++)
            for (int b = 0; b < batch; b++)
            {
                int at = (s * batch + b) * classes, label = labels[b];
                double max = double.NegativeInfinity;
                for (int c = 0; c < classes; c++) max = Math.Max(max, logits[at + c]);
                double z = 0;
                for (int c = 0; c < classes; c++) z += p[c] = Math.Exp(logits[at + c] - max);
                for (int c = 0; c < classes; c++) p[c] /= z;
                double wf = fineWeights[s] / batch, wc = coarseWeights[s] / batch;
                total += fineWeights[s] * -Math.Log(p[label]) / batch;
                double group = 0;
                int g = -1;
                if (wc != 0)
                {
                    g = groups!.CoarseOf(label);
                    for (int c = 0; c < classes; c++) if (groups.CoarseOf(c) == g) group += p[c];
                    total += coarseWeights[s] * -Math.Log(group) / batch;
                }
                for (int c = 0; c < classes; c++)
                {
                    double grad = wf * (p[c] - (c == label ? 1 : 0));
                    if (wc != 0) grad += wc * (p[c] - (groups!.CoarseOf(c) == g ? p[c] / group : 0));
                    dLogits[at + c] = (float)grad;
                }
            }
        return total;
    }
}
