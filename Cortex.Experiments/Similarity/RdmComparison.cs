using MathNet.Numerics.Statistics;

namespace Cortex.Experiments.Similarity;

/// <summary>How similar two RDMs are, over their upper triangles (the diagonal and the mirrored half carry nothing new).</summary>
/// <param name="SpearmanRho">Spearman's ρ: the Pearson correlation of the ranks (ties get their mean rank), from MathNet.Numerics.</param>
/// <param name="KendallTauA">Kendall's τ_A (<see cref="KendallTau.TauA"/>).</param>
public sealed record RdmComparison(double SpearmanRho, double KendallTauA)
{
    /// <summary>
    /// Compares two RDMs of the same conditions, in the same order. NaN when either has a NaN distance (a pattern without
    /// variance) or when either triangle is constant.
    /// </summary>
    public static RdmComparison Of(Rdm a, Rdm b)
    {
        if (!a.Conditions.SequenceEqual(b.Conditions))
            throw new ArgumentException($"RDMs of different conditions cannot be compared ({a.Count} conditions: {Preview(a)}; {b.Count}: {Preview(b)})");
        double[] x = a.UpperTriangle(), y = b.UpperTriangle();
        if (x.Any(double.IsNaN) || y.Any(double.IsNaN)) return new RdmComparison(double.NaN, double.NaN);
        return new RdmComparison(Spearman(x, y), KendallTau.TauA(x, y));
    }

    /// <summary>Spearman's ρ of paired values (MathNet.Numerics); NaN when either side has no variance.</summary>
    public static double Spearman(IEnumerable<double> x, IEnumerable<double> y)
    {
        double rho = Correlation.Spearman(x, y);
        return double.IsFinite(rho) ? rho : double.NaN;
    }

    private static string Preview(Rdm rdm) => string.Join(", ", rdm.Conditions.Take(4)) + (rdm.Count > 4 ? ", …" : "");
}
