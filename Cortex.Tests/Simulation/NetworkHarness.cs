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
        => NetworkBuilder.Build(NetworkLoader.Parse(yaml, "test.yaml").Spec, backend, seed);

    public static int InputSize<T>(Network<T> net) where T : unmanaged, IFloatingPointIeee754<T>
        => net.Program.InputShape.Aggregate(1, (a, d) => a * d);

    /// <summary>
    /// Every parameter set to seeded random values away from the kinks of relu and |·|: weights and biases in
    /// [−1, 1], γ in [0.5, 1.5], τ in [1.5, 2.5] (above dt = 1), so finite differences see smooth functions.
    /// </summary>
    public static double[][] RandomParameters<T>(Network<T> net, int seed) where T : unmanaged, IFloatingPointIeee754<T>
        => [.. net.Parameters.Select((p, i) => p.Name.EndsWith(".tau") ? Data.Random(p.Value.Length, seed + i, 1.5, 2.5)
            : p.Name.EndsWith(".norm.gamma") ? Data.Random(p.Value.Length, seed + i, 0.5, 1.5)
            : Data.Random(p.Value.Length, seed + i, -1, 1))];

    public static void Upload<T>(Network<T> net, double[][] values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < net.Parameters.Count; i++) net.Parameters[i].Value.CopyFrom(Data.Cast<T>(values[i]));
    }

    /// <summary>
    /// Central finite differences through all T steps against backpropagation through time, for every parameter
    /// and the input image, on the network's first readout (training mode: batch normalisation uses batch statistics).
    /// </summary>
    public static void CheckGradients(DeviceKind kind, string yaml, int batch = 2)
    {
        var backend = TestBackends.Get<double>(kind);
        using var net = Build(backend, yaml);
        var parameters = RandomParameters(net, 11);
        var image = Data.Random(batch * InputSize(net), 5);
        double[][] inputs = [.. parameters, image];
        int n = parameters.Length;
        using var dLogits = backend.Allocate(net.Forward(image, batch, training: true).Shape);

        double[] Forward(double[][] x)
        {
            Upload(net, x);
            return Data.Read(net.Forward(x[n], batch, training: true));
        }

        double[]?[] Backward(double[][] x, double[] g)
        {
            Upload(net, x);
            net.Forward(x[n], batch, training: true);
            net.ZeroGradients();
            dLogits.CopyFrom(g);
            net.Backward(dLogits, inputGradient: true);
            return [.. net.Parameters.Select(p => Data.Read(p.Gradient)), Data.Read(net.InputGradient)];
        }

        try
        {
            GradientCheck.Assert(net.Name, inputs, Forward, Backward, step: 1e-6, atol: 1e-7, rtol: 1e-4);
        }
        catch (GradientCheckException e)
        {
            var names = net.Parameters.Select(p => p.Name).Append("input").ToList();
            var input = System.Text.RegularExpressions.Regex.Match(e.Message, @"input (\d+)");
            Assert.Fail($"{e.Message} ({(input.Success ? names[int.Parse(input.Groups[1].Value)] : "?")})");
        }
    }
}
