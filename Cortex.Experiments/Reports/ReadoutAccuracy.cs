using Cortex.Experiments.Statistics;

namespace Cortex.Experiments.Reports;

/// <summary>Test accuracy of one readout of an arm, for each seed at each read step.</summary>
/// <param name="Readout">The readout's name.</param>
/// <param name="Steps">Its read steps (1-based step numbers, or head numbers).</param>
/// <param name="BySeed">Accuracy as a fraction in [0, 1]: <c>BySeed[k][i]</c> is the arm's k-th seed at <c>Steps[i]</c>.</param>
public sealed record ReadoutAccuracy(string Readout, IReadOnlyList<int> Steps, IReadOnlyList<IReadOnlyList<double>> BySeed)
{
    /// <summary>The seeds' accuracies at step <paramref name="step"/>, in seed order.</summary>
    public double[] SeedValuesAt(int step)
    {
        int index = IndexOf(step);
        return BySeed.Select(seed => seed[index]).ToArray();
    }

    /// <summary>Mean accuracy over seeds at step <paramref name="step"/> with its t-interval at <paramref name="level"/>.</summary>
    public MeanEstimate At(int step, double level = MeanEstimate.DefaultLevel) => MeanEstimate.OfAccuracies(SeedValuesAt(step), level);

    /// <summary>The last read step.</summary>
    public int LastStep => Steps[^1];

    /// <summary>Checks that every seed has one accuracy per step; <paramref name="arm"/> and <paramref name="seeds"/> name the arm in the message.</summary>
    internal void Validate(string arm, int seeds)
    {
        if (Steps.Count == 0) throw new ArgumentException($"arm '{arm}', readout '{Readout}': no read steps");
        if (BySeed.Count != seeds) throw new ArgumentException($"arm '{arm}', readout '{Readout}': accuracies for {BySeed.Count} seeds, but the arm has {seeds}");
        for (int k = 0; k < BySeed.Count; k++)
            if (BySeed[k].Count != Steps.Count)
                throw new ArgumentException($"arm '{arm}', readout '{Readout}': seed {k} has {BySeed[k].Count} accuracies for {Steps.Count} steps");
    }

    private int IndexOf(int step)
    {
        for (int i = 0; i < Steps.Count; i++)
            if (Steps[i] == step) return i;
        throw new ArgumentOutOfRangeException(nameof(step), $"readout '{Readout}' does not read at step {step}; it reads at steps {string.Join(", ", Steps)}");
    }
}
