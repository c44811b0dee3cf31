namespace Cortex.Core.Checking;

/// <summary>
/// Finite-difference gradient checking in double precision. For an operation y = f(x₁, …, xₙ) and a fixed
/// random upstream gradient g, the scalar L = Σ g·y has ∂L/∂xᵢ = backward(g); every element of every
/// input is perturbed by ±h and the central difference (L(x+h) − L(x−h)) / 2h is compared with it.
/// </summary>
public static class GradientCheck
{
    /// <summary>The worst disagreement found for one input.</summary>
    public sealed record InputReport(int Input, int WorstIndex, double Analytic, double Numeric, double Error);

    /// <summary>
    /// Compares backward with central differences. <paramref name="forward"/> maps host inputs to the host
    /// output; <paramref name="backward"/> maps (inputs, dL/dy) to one gradient per input (null: not
    /// differentiable, skipped). Error is |a − n| / (atol + rtol·max(|a|, |n|)); ≤ 1 passes.
    /// </summary>
    public static IReadOnlyList<InputReport> Run(double[][] inputs, Func<double[][], double[]> forward,
        Func<double[][], double[], double[]?[]> backward, int seed = 17, double step = 1e-6, double atol = 1e-8, double rtol = 1e-5)
    {
        var random = new Random(seed);
        var y = forward(inputs);
        var g = new double[y.Length];
        for (int i = 0; i < g.Length; i++) g[i] = random.NextDouble() * 2 - 1;
        var analytic = backward(inputs, g);
        if (analytic.Length != inputs.Length)
            throw new ArgumentException($"backward returned {analytic.Length} gradients for {inputs.Length} inputs");

        double Loss()
        {
            var output = forward(inputs);
            double sum = 0;
            for (int i = 0; i < output.Length; i++) sum += g[i] * output[i];
            return sum;
        }

        var reports = new List<InputReport>();
        for (int n = 0; n < inputs.Length; n++)
        {
            if (analytic[n] is not { } grad) continue;
            var x = inputs[n];
            if (grad.Length != x.Length)
                throw new ArgumentException($"gradient {n} has {grad.Length} elements, input has {x.Length}");
            var worst = new InputReport(n, -1, 0, 0, 0);
            for (int i = 0; i < x.Length; i++)
            {
                double keep = x[i];
                x[i] = keep + step;
                double plus = Loss();
                x[i] = keep - step;
                double minus = Loss();
                x[i] = keep;
                double numeric = (plus - minus) / (2 * step);
                double error = Math.Abs(grad[i] - numeric) / (atol + rtol * Math.Max(Math.Abs(grad[i]), Math.Abs(numeric)));
                if (double.IsNaN(error)) error = double.PositiveInfinity;
                if (error > worst.Error) worst = new InputReport(n, i, grad[i], numeric, error);
            }
            reports.Add(worst);
        }
        return reports;
    }

    /// <summary>Runs the check and throws, naming the input and element, when any error exceeds 1.</summary>
    public static void Assert(string op, double[][] inputs, Func<double[][], double[]> forward,
        Func<double[][], double[], double[]?[]> backward, int seed = 17, double step = 1e-6, double atol = 1e-8, double rtol = 1e-5)
    {
        foreach (var r in Run(inputs, forward, backward, seed, step, atol, rtol))
            if (r.Error > 1)
                throw new GradientCheckException(
                    $"{op}: gradient of input {r.Input} disagrees with finite differences at element {r.WorstIndex}: " +
                    $"analytic {r.Analytic:G10}, numeric {r.Numeric:G10} (error {r.Error:G3} × tolerance)");
    }
}

/// <summary>Thrown by <see cref="GradientCheck.Assert"/> when an analytic gradient disagrees with finite differences; the message names the operation, the input, the element and both values.</summary>
/// <param name="message">What disagreed, and by how much.</param>
public sealed class GradientCheckException(string message) : Exception(message);
