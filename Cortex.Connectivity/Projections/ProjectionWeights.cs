using System.Numerics;
using Cortex.Connectivity.Spec;
using Cortex.Core.Kernels;
using Cortex.Core.Optimisers;
using Cortex.Core.Simulation;
using Cortex.Core.Tensors;

namespace Cortex.Connectivity.Projections;

/// <summary>
/// A projection's weights over time: one copy (shared), one per step (untied) or one per block of k steps, each a
/// parameter named <c>name.weight</c> (one copy) or <c>name.weight[copy i]</c>. With a sign constraint the
/// parameter is a raw tensor r and the weights used are w = ±|r| (<see cref="SignConstraint"/>): the effective
/// weights and their gradients are buffers in the store, refreshed at each forward pass and folded back into
/// r's gradient after each backward pass.
/// </summary>
public sealed class ProjectionWeights<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Parameter<T>[] raw;
    private readonly Tensor<T>[]? effective, effectiveGradient;
    private readonly int sign;

    public ProjectionWeights(string name, int[] shape, int copies, WeightSign sign, ParameterStore<T> store)
    {
        this.sign = sign switch { WeightSign.Excitatory => 1, WeightSign.Inhibitory => -1, _ => 0 };
        var s = new Shape(shape);
        raw = [.. Enumerable.Range(0, copies).Select(c => store.Add(copies == 1 ? $"{name}.weight" : $"{name}.weight[copy {c}]", s))];
        if (this.sign == 0) return;
        effective = [.. Enumerable.Range(0, copies).Select(c => store.Buffer($"{name}.weight.effective[{c}]", s))];
        effectiveGradient = [.. Enumerable.Range(0, copies).Select(c => store.Buffer($"{name}.weight.effective.gradient[{c}]", s))];
    }

    public IReadOnlyList<Parameter<T>> Copies => raw;

    /// <summary>The weights step's copy uses (effective when sign-constrained).</summary>
    public Tensor<T> Value(int copy) => effective?[copy] ?? raw[copy].Value;

    /// <summary>Where that copy's weight gradient accumulates.</summary>
    public Tensor<T> Gradient(int copy) => effectiveGradient?[copy] ?? raw[copy].Gradient;

    /// <summary>Draws every copy from N(0, std²)·gain, std from <paramref name="init"/> and the copy's fans; seeds seed, seed + 1, ….</summary>
    public void Initialise(WeightInit init, double gain, int seed)
    {
        var initialiser = init == WeightInit.Kaiming ? Initialiser.KaimingNormal(Nonlinearity.Relu) : Initialiser.XavierNormal(Nonlinearity.Linear);
        for (int c = 0; c < raw.Length; c++)
        {
            var values = initialiser.Sample(raw[c].Shape, unchecked(seed + c));
            raw[c].Value.CopyFrom(Array.ConvertAll(values, v => T.CreateChecked(v * gain)));
        }
    }

    public void Begin()
    {
        if (effective is null) return;
        for (int c = 0; c < raw.Length; c++) SignConstraint.Forward(raw[c].Value, effective[c], sign);
    }

    public void BeginBackward()
    {
        if (effectiveGradient is null) return;
        foreach (var g in effectiveGradient) g.Backend.Fill(g, T.Zero);
    }

    public void EndBackward()
    {
        if (effectiveGradient is null) return;
        for (int c = 0; c < raw.Length; c++) SignConstraint.Backward(raw[c].Value, effectiveGradient[c], raw[c].Gradient, sign);
    }
}
