using System.Numerics;
using Cortex.Connectivity;
using Cortex.Connectivity.Building;
using Cortex.Core.Backends;
using Cortex.Core.Checking;
using Cortex.Core.Simulation;
using Cortex.Core.Tensors;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Simulation;

/// <summary>Tiny networks built from YAML through the real reader, validator and builder, and the checks run on them.</summary>
internal static class NetworkHarness
{
    public static Network<T> Build<T>(IBackend<T> backend, string yaml, int seed = 3) where T : unmanaged, IFloatingPointIeee754<T>
        => NetworkBuilder.Build(NetworkLoader.Parse(yaml, "test.yaml"), backend, seed);

    public static int InputSize<T>(Network<T> net) where T : unmanaged, IFloatingPointIeee754<T>
        => net.Program.InputShape.Aggregate(1, (a, d) => a * d);

    /// <summary>
    /// Every parameter set to seeded random values away from the kinks of relu and |·|: weights and biases in
    /// [−1, 1], γ in [0.5, 1.5], τ in [1.5, 2.5] (above dt = 1), so finite differences see smooth functions.
    /// </summary>
    public static double[][] RandomParameters<T>(Network<T> net, int seed) where T : unmanaged, IFloatingPointIeee754<T>
        => [.. net.Parameters.Select((p, i) => p.Name.EndsWith(".tau") ? Data.Random(p.Value.Length, seed + i, 1.5, 2.5)
            : p.Name.EndsWith(".gamma") ? Data.Random(p.Value.Length, seed + i, 0.5, 1.5)
            : Data.Random(p.Value.Length, seed + i, -1, 1))];

    public static void Upload<T>(Network<T> net, double[][] values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < net.Parameters.Count; i++) net.Parameters[i].Value.CopyFrom(Data.Cast<T>(values[i]));
    }

    /// <summary>Loss weights for a one-readout network: the given fine weights per read, no coarse loss.</summary>
    public static LossWeights[] Weights(params double[] fine) => [new LossWeights(fine, new double[fine.Length])];

    /// <summary>Every readout's logits, one after the other, as doubles.</summary>
    public static double[] Outputs<T>(IReadOnlyList<Tensor<T>> logits) where T : unmanaged, IFloatingPointIeee754<T>
        => [.. logits.SelectMany(Data.Read)];

    /// <summary>
    /// Central finite differences through all T steps against backpropagation through time, for every parameter and the
    /// input image, through every readout (L = Σ g·logits over all of them; training mode: batch normalisation uses batch
    /// statistics). <paramref name="corrupt"/>, when given, is applied to the analytic gradients before the comparison
    /// (the checker's own test shows it then fails).
    /// </summary>
    public static void CheckGradients(DeviceKind kind, string yaml, int batch = 2, Func<double[]?[], double[]?[]>? corrupt = null)
    {
        var backend = TestBackends.Get<double>(kind);
        using var net = Build(backend, yaml);
        var parameters = RandomParameters(net, 11);
        var image = Data.Random(batch * InputSize(net), 5);
        double[][] inputs = [.. parameters, image];
        int n = parameters.Length;
        var shapes = net.Forward(image, batch, training: true).Select(l => l.Shape).ToList();
        var dLogits = shapes.Select(s => backend.Allocate(s)).ToList();

        double[] Forward(double[][] x)
        {
            Upload(net, x);
            return Outputs(net.Forward(x[n], batch, training: true));
        }

        double[]?[] Backward(double[][] x, double[] g)
        {
            Upload(net, x);
            net.Forward(x[n], batch, training: true);
            net.ZeroGradients();
            int offset = 0;
            foreach (var d in dLogits)
            {
                d.CopyFrom(g.AsSpan(offset, d.Length).ToArray());
                offset += d.Length;
            }
            net.Backward(dLogits, inputGradient: true);
            double[]?[] gradients = [.. net.Parameters.Select(p => (double[]?)Data.Read(p.Gradient)), Data.Read(net.InputGradient)];
            return corrupt is null ? gradients : corrupt(gradients);
        }

        try
        {
            GradientCheck.Assert(net.Name, inputs, Forward, Backward, step: 1e-6, atol: 1e-7, rtol: 1e-4);
        }
        catch (GradientCheckException e)
        {
            var names = net.Parameters.Select(p => p.Name).Append("input").ToList();
            var input = System.Text.RegularExpressions.Regex.Match(e.Message, @"input (\d+)");
            throw new GradientCheckException($"{e.Message} ({(input.Success ? names[int.Parse(input.Groups[1].Value)] : "?")})");
        }
        finally
        {
            foreach (var d in dLogits) d.Dispose();
        }
    }
}
