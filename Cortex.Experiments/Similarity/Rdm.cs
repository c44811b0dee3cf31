using System.Numerics.Tensors;

namespace Cortex.Experiments.Similarity;

/// <summary>
/// A representational dissimilarity matrix: for n conditions (images, or classes when averaged), the n × n symmetric matrix
/// of correlation distances d(i, j) = 1 − r(x_i, x_j), r the Pearson correlation between the response patterns x_i and
/// x_j of one area at one step, over its units; d(i, i) = 0. d lies in [0, 2]. A pattern with no variance (every unit
/// equal, e.g. an area that has not yet received input) has no correlation: its distances are NaN.
/// </summary>
public sealed class Rdm
{
    private readonly double[] distances; // [n, n], row-major

    /// <summary>An RDM from its full matrix [n, n] (row-major), which must be symmetric with a zero diagonal.</summary>
    public Rdm(IReadOnlyList<string> conditions, double[] matrix)
    {
        int n = conditions.Count;
        if (matrix.Length != n * n) throw new ArgumentException($"an RDM of {n} conditions needs {n * n} values, got {matrix.Length}");
        for (int i = 0; i < n; i++)
        {
            if (matrix[i * n + i] != 0 && !double.IsNaN(matrix[i * n + i])) throw new ArgumentException($"RDM diagonal ({i}, {i}) is {matrix[i * n + i]}, expected 0");
            for (int j = i + 1; j < n; j++)
                if (!matrix[i * n + j].Equals(matrix[j * n + i])) throw new ArgumentException($"RDM is not symmetric at ({i}, {j})");
        }
        Conditions = conditions;
        distances = matrix;
    }

    /// <summary>What each row stands for: image indices, or class names when class-averaged.</summary>
    public IReadOnlyList<string> Conditions { get; }

    /// <summary>The number of conditions n.</summary>
    public int Count => Conditions.Count;

    /// <summary>d(i, j).</summary>
    public double this[int i, int j] => distances[i * Count + j];

    /// <summary>The full matrix [n, n], row-major (a copy).</summary>
    public double[] ToMatrix() => (double[])distances.Clone();

    /// <summary>The n(n − 1)/2 distances above the diagonal, row by row: d(0,1), d(0,2), …, d(1,2), …: what comparisons use.</summary>
    public double[] UpperTriangle()
    {
        int n = Count;
        var upper = new double[n * (n - 1) / 2];
        int k = 0;
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
                upper[k++] = distances[i * n + j];
        return upper;
    }

    /// <summary>
    /// The correlation-distance RDM of the patterns given as rows of <paramref name="patterns"/>
    /// [count, units], count being the number of <paramref name="conditions"/>, computed in double precision. <paramref name="conditions"/> names the rows.
    /// </summary>
    public static Rdm CorrelationDistance(ReadOnlySpan<float> patterns, IReadOnlyList<string> conditions)
    {
        int n = conditions.Count;
        if (n < 2) throw new ArgumentException($"an RDM needs at least 2 conditions, got {n}");
        if (patterns.Length % n != 0 || patterns.Length == 0)
            throw new ArgumentException($"{patterns.Length} values are not {n} patterns of equal length");
        int units = patterns.Length / n;
        // z_i = (x_i − mean x_i) / ‖x_i − mean x_i‖, so r(i, j) = z_i · z_j; a pattern with no variance stays NaN.
        var z = new double[n * units];
        for (int i = 0; i < n; i++)
        {
            var row = z.AsSpan(i * units, units);
            for (int u = 0; u < units; u++) row[u] = patterns[i * units + u];
            double mean = TensorPrimitives.Sum<double>(row) / units;
            TensorPrimitives.Subtract(row, mean, row);
            double norm = TensorPrimitives.Norm<double>(row);
            if (norm > 0) TensorPrimitives.Divide(row, norm, row);
            else row.Fill(double.NaN);
        }
        var matrix = new double[n * n];
        Parallel.For(0, n, i =>
        {
            var zi = new ReadOnlySpan<double>(z, i * units, units);
            for (int j = i + 1; j < n; j++)
            {
                double r = Math.Clamp(TensorPrimitives.Dot(zi, new ReadOnlySpan<double>(z, j * units, units)), -1, 1);
                matrix[i * n + j] = matrix[j * n + i] = 1 - r;
            }
        });
        for (int i = 0; i < n; i++)
            if (double.IsNaN(z[i * units])) matrix[i * n + i] = double.NaN;
        return new Rdm(conditions, matrix);
    }

    /// <summary>
    /// The RDM of class-mean patterns: the patterns of the images of each class present in <paramref name="labels"/> are
    /// averaged unit by unit, and the RDM is taken over the classes, in class order, named by <paramref name="classNames"/>.
    /// </summary>
    public static Rdm ClassAveraged(ReadOnlySpan<float> patterns, IReadOnlyList<int> labels, IReadOnlyList<string> classNames)
    {
        int n = labels.Count;
        if (n == 0 || patterns.Length % n != 0) throw new ArgumentException($"{patterns.Length} values are not {n} patterns of equal length");
        int units = patterns.Length / n;
        var present = labels.Distinct().Order().ToArray();
        var means = new float[present.Length * units];
        var sums = new double[units];
        for (int c = 0; c < present.Length; c++)
        {
            Array.Clear(sums);
            int members = 0;
            for (int i = 0; i < n; i++)
                if (labels[i] == present[c])
                {
                    members++;
                    for (int u = 0; u < units; u++) sums[u] += patterns[i * units + u];
                }
            for (int u = 0; u < units; u++) means[c * units + u] = (float)(sums[u] / members);
        }
        return CorrelationDistance(means, [.. present.Select(c => classNames[c])]);
    }
}
