using System.Globalization;

namespace Cortex.Areas.Readouts;

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
/// <param name="Placement">Which reads are trained, and how labels mix.</param>
/// <param name="Weights">Given weights per read (every-step only); null: equal.</param>
public sealed record LossSchedule(LossPlacement Placement, IReadOnlyList<double>? Weights = null)
{
    /// <summary>The words of <see cref="Parse"/>, for the <c>loss</c> key and <c>--loss</c>.</summary>
    public static readonly string[] Words = ["final", "every-step", "coarse-to-fine"];

    /// <summary>The last read only.</summary>
    public static readonly LossSchedule Final = new(LossPlacement.Final);

    /// <summary>Every read, equal weights.</summary>
    public static readonly LossSchedule EveryStep = new(LossPlacement.EveryStep);

    /// <summary>Every read, coarse early, fine late.</summary>
    public static readonly LossSchedule CoarseToFine = new(LossPlacement.CoarseToFine);

    /// <summary>What <see cref="Parse"/> accepts, for messages.</summary>
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

    /// <summary>
    /// (w_k·λ_k, w_k·(1 − λ_k)) for each of <paramref name="steps"/> read steps: the fine and coarse weights, times
    /// <paramref name="share"/> (the readout's share of the network's loss).
    /// </summary>
    public (double[] Fine, double[] Coarse) WeightsFor(int steps, double share = 1)
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
            fine[k] = share * w[k] / sum * lambda;
            coarse[k] = share * w[k] / sum * (1 - lambda);
        }
        return (fine, coarse);
    }

    /// <summary>The schedule as <see cref="Parse"/> reads it.</summary>
    public override string ToString() => Placement switch
    {
        LossPlacement.Final => "final",
        LossPlacement.CoarseToFine => "coarse-to-fine",
        _ => Weights is null ? "every-step" : "every-step:" + string.Join(",", Weights.Select(w => w.ToString(CultureInfo.InvariantCulture))),
    };
}
