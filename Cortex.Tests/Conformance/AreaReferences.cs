using Cortex.Areas.Dynamics;
using Cortex.Areas.Modes;
using Cortex.Areas.Norms;

namespace Cortex.Tests.Conformance;

/// <summary>
/// Plain host references of the area kinds and modes, written from their documented equations in double precision with
/// direct sums (no shared code with the kernels): given what an area received at step t (its inputs as the simulator
/// recorded them) and h(t − 1), the state h(t) it must produce in training mode.
/// </summary>
public static class AreaReferences
{
    /// <summary>The inputs of one area at one step, and its parameters by name (host copies).</summary>
    /// <param name="Shape">[C, H, W] or [N].</param>
    /// <param name="Batch">B.</param>
    /// <param name="Inputs">Inputs[i]: the sum of the projections into input i at t (input 0 with the area's bias already added, as the step leaves it).</param>
    /// <param name="Previous">h(t − 1).</param>
    /// <param name="Parameters">Every parameter of the network by name, as values.</param>
    /// <param name="Step">t.</param>
    /// <param name="Dt">dt.</param>
    /// <param name="Modes">The modulatory modes of inputs 1, 2, ….</param>
    /// <param name="DriveAt">Whether a drive arrives at t.</param>
    /// <param name="Copy">The weight copy step t uses.</param>
    public sealed record StepInputs(string Name, int[] Shape, int Batch, double[][] Inputs, double[] Previous, IReadOnlyDictionary<string, double[]> Parameters,
        int Step, double Dt, IReadOnlyList<ModulatoryMode> Modes, bool DriveAt, int Copy)
    {
        public int C => Shape[0];
        public int Plane => Shape.Length == 3 ? Shape[1] * Shape[2] : 1;
        public double[] P(string suffix) => Parameters.TryGetValue($"{Name}.{suffix}", out var v) ? v : Parameters[$"{Name}.{suffix}[copy {Copy}]"];
        public double[]? Maybe(string suffix) => Parameters.TryGetValue($"{Name}.{suffix}", out var v) ? v : null;
    }

    /// <summary>h(t) for an area of any registered kind.</summary>
    public static double[] Step(AreaOptions options, StepInputs s) => options switch
    {
        StandardArea.Options o => Standard(o, s),
        GatedArea.Options o => Gated(o, s),
        CornetRtArea.Options o => Cornet(o, s),
        _ => throw new NotSupportedException($"no reference for {options.Kind.Word}"),
    };

    private static double[] Standard(StandardArea.Options o, StepInputs s)
    {
        var x = Modulated(s);
        var a = Apply(o.Activation.Word, Normalise(o.Norm, x, s, "norm"));
        var tau = s.Maybe("tau");
        return [.. a.Select((v, i) =>
        {
            double alpha = tau is null ? s.Dt / o.Tau : s.Dt / Math.Max(tau[i / s.Plane % s.C], s.Dt);
            return s.Previous[i] + alpha * (v - s.Previous[i]);
        })];
    }

    private static double[] Gated(GatedArea.Options o, StepInputs s)
    {
        var u = Modulated(s);
        var hp = s.Previous;
        var z = Sigmoid(Add(Add(Conv(u, s.P("update.input.weight"), s, 1), Conv(hp, s.P("update.state.weight"), s, o.Kernel)), Bias(s.P("update.bias"), s)));
        var r = Sigmoid(Add(Add(Conv(u, s.P("reset.input.weight"), s, 1), Conv(hp, s.P("reset.state.weight"), s, o.Kernel)), Bias(s.P("reset.bias"), s)));
        var g = r.Select((v, i) => v * hp[i]).ToArray();
        var cp = Add(u, Conv(g, s.P("candidate.state.weight"), s, o.Kernel));
        if (s.Maybe("candidate.bias") is { } bh) cp = Add(cp, Bias(bh, s));
        var c = Apply(o.Activation.Word, Normalise(o.Norm, cp, s, "norm"));
        double alpha = s.Dt / o.Tau;
        return [.. hp.Select((h, i) => h + alpha * z[i] * (c[i] - h))];
    }

    private static double[] Cornet(CornetRtArea.Options o, StepInputs s)
    {
        var a = s.DriveAt ? Apply(o.Activation.Word, GroupNorm(Modulated(s), s, o.Groups, s.P("norm_input.gamma"), s.P("norm_input.beta"))) : new double[s.Previous.Length];
        var x = Conv(Add(a, s.Previous), s.P("conv1.weight"), s, o.Kernel);
        return Apply(o.Activation.Word, GroupNorm(x, s, o.Groups, s.P("norm1.gamma"), s.P("norm1.beta")));
    }

    /// <summary>The drive after the modulations of its modulatory inputs, in order.</summary>
    private static double[] Modulated(StepInputs s)
    {
        var x = (double[])s.Inputs[0].Clone();
        for (int m = 0; m < s.Modes.Count; m++)
        {
            var u = s.Inputs[1 + m];
            for (int i = 0; i < x.Length; i++)
                x[i] = s.Modes[m].Word switch
                {
                    "multiplicative" => x[i] * (1 + Math.Tanh(u[i])),
                    "divisive" => x[i] * (1 + Math.Log(2)) / (1 + Math.Log(1 + Math.Exp(u[i]))),
                    var word => throw new NotSupportedException($"no reference for mode {word}"),
                };
        }
        return x;
    }

    private static double[] Normalise(NormOptions norm, double[] x, StepInputs s, string prefix) => norm switch
    {
        GroupNormalisation.Options g => GroupNorm(x, s, g.Groups, s.P($"{prefix}.gamma"), s.P($"{prefix}.beta")),
        BatchNormalisation.Options b => BatchNorm(x, s, Row(s.P($"{prefix}.gamma"), b.Norm.IsPerStep, s), Row(s.P($"{prefix}.beta"), b.Norm.IsPerStep, s)),
        _ => x,
    };

    private static double[] Row(double[] values, bool perStep, StepInputs s) => perStep ? values[((s.Step - 1) * s.C)..(s.Step * s.C)] : values;

    /// <summary>Training batch norm: each channel over B·H·W values, biased variance, ε = 10⁻⁵.</summary>
    private static double[] BatchNorm(double[] x, StepInputs s, double[] gamma, double[] beta)
    {
        var y = new double[x.Length];
        for (int c = 0; c < s.C; c++)
        {
            var idx = Enumerable.Range(0, s.Batch).SelectMany(b => Enumerable.Range((b * s.C + c) * s.Plane, s.Plane)).ToArray();
            double mean = idx.Average(i => x[i]), variance = idx.Average(i => (x[i] - mean) * (x[i] - mean));
            foreach (int i in idx) y[i] = gamma[c] * (x[i] - mean) / Math.Sqrt(variance + 1e-5) + beta[c];
        }
        return y;
    }

    /// <summary>Group norm: each image's groups of C/G channels over their own values, biased variance, ε = 10⁻⁵.</summary>
    private static double[] GroupNorm(double[] x, StepInputs s, int groups, double[] gamma, double[] beta)
    {
        var y = new double[x.Length];
        int per = s.C / groups;
        for (int b = 0; b < s.Batch; b++)
            for (int g = 0; g < groups; g++)
            {
                var idx = Enumerable.Range(g * per, per).SelectMany(c => Enumerable.Range((b * s.C + c) * s.Plane, s.Plane)).ToArray();
                double mean = idx.Average(i => x[i]), variance = idx.Average(i => (x[i] - mean) * (x[i] - mean));
                foreach (int i in idx) y[i] = gamma[i / s.Plane % s.C] * (x[i] - mean) / Math.Sqrt(variance + 1e-5) + beta[i / s.Plane % s.C];
            }
        return y;
    }

    /// <summary>A k×k convolution C → C, stride 1, zero padding ⌊k/2⌋, by direct sums.</summary>
    private static double[] Conv(double[] x, double[] w, StepInputs s, int k)
    {
        int c = s.C, h = s.Shape[1], wd = s.Shape[2], pad = k / 2;
        var y = new double[x.Length];
        for (int b = 0; b < s.Batch; b++)
            for (int co = 0; co < c; co++)
                for (int i = 0; i < h; i++)
                    for (int j = 0; j < wd; j++)
                    {
                        double sum = 0;
                        for (int ci = 0; ci < c; ci++)
                            for (int u = 0; u < k; u++)
                                for (int v = 0; v < k; v++)
                                {
                                    int ii = i + u - pad, jj = j + v - pad;
                                    if (ii >= 0 && ii < h && jj >= 0 && jj < wd)
                                        sum += w[((co * c + ci) * k + u) * k + v] * x[((b * c + ci) * h + ii) * wd + jj];
                                }
                        y[((b * c + co) * h + i) * wd + j] = sum;
                    }
        return y;
    }

    private static double[] Bias(double[] bias, StepInputs s) =>
        [.. Enumerable.Range(0, s.Batch * s.C * s.Plane).Select(i => bias[i / s.Plane % s.C])];

    private static double[] Add(double[] a, double[] b) => [.. a.Select((v, i) => v + b[i])];

    private static double[] Sigmoid(double[] x) => [.. x.Select(v => 1 / (1 + Math.Exp(-v)))];

    private static double[] Apply(string activation, double[] x) => [.. x.Select(v => activation switch
    {
        "relu" => Math.Max(v, 0),
        "tanh" => Math.Tanh(v),
        "sigmoid" => 1 / (1 + Math.Exp(-v)),
        "softplus" => Math.Log(1 + Math.Exp(v)),
        "identity" => v,
        _ => throw new NotSupportedException($"no reference for activation {activation}"),
    })];
}
