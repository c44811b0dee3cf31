using System.Numerics;
using Cortex.Core.Kernels;
using Cortex.Core.Optimisers;
using Cortex.Core.Simulation;
using Cortex.Core.Tensors;

namespace Cortex.Areas.Projections;

/// <summary>Weight initialisation: Kaiming (He) normal, std = gain·√(2 / fan_in), or Xavier (Glorot) normal, std = gain·√(2 / (fan_in + fan_out)).</summary>
public enum WeightInit
{
    /// <summary>Kaiming normal for relu.</summary>
    Kaiming,

    /// <summary>Xavier normal.</summary>
    Xavier,
}

/// <summary>An optional sign constraint on weights (Dale's law): none, all ≥ 0, or all ≤ 0.</summary>
public enum WeightSign
{
    /// <summary>Unconstrained.</summary>
    None,

    /// <summary>w = |r| ≥ 0.</summary>
    Excitatory,

    /// <summary>w = −|r| ≤ 0.</summary>
    Inhibitory,
}

/// <summary>
/// A set of synaptic weights over time — a projection's, or an area's own (a gated area's recurrent convolutions):
/// one copy (shared), one per step (untied) or one per block of k steps, each a parameter named <c>name.weight</c>
/// (one copy) or <c>name.weight[copy i]</c>. With a sign constraint the parameter is a raw tensor r and the weights used
/// are w = ±|r| (<see cref="SignConstraint"/>): the effective weights and their gradients are buffers in the store,
/// refreshed at each forward pass and folded back into r's gradient after each backward pass.
/// </summary>
public sealed class SynapseWeights<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly Parameter<T>[] raw;
    private readonly Tensor<T>[]? effective, effectiveGradient;
    private readonly int sign;

    /// <summary>Adds the weights of <paramref name="spec"/> (every copy) to <paramref name="store"/>.</summary>
    public SynapseWeights(ParameterSpec spec, WeightSign sign, ParameterStore<T> store)
    {
        this.sign = sign switch { WeightSign.Excitatory => 1, WeightSign.Inhibitory => -1, _ => 0 };
        var s = new Shape(spec.Shape);
        int copies = spec.Copies;
        raw = [.. Enumerable.Range(0, copies).Select(c => store.Add(copies == 1 ? spec.Name : $"{spec.Name}[copy {c}]", s, spec.Decay))];
        if (this.sign == 0) return;
        effective = [.. Enumerable.Range(0, copies).Select(c => store.Buffer($"{spec.Name}.effective[{c}]", s))];
        effectiveGradient = [.. Enumerable.Range(0, copies).Select(c => store.Buffer($"{spec.Name}.effective.gradient[{c}]", s))];
    }

    /// <summary>The parameter of each copy.</summary>
    public IReadOnlyList<Parameter<T>> Copies => raw;

    /// <summary>The weights a step's copy uses (effective when sign-constrained).</summary>
    public Tensor<T> Value(int copy) => effective?[copy] ?? raw[copy].Value;

    /// <summary>Where that copy's weight gradient accumulates.</summary>
    public Tensor<T> Gradient(int copy) => effectiveGradient?[copy] ?? raw[copy].Gradient;

    /// <summary>Draws every copy from N(0, std²)·gain, std from <paramref name="init"/> and the copy's fans; seeds seed, seed + 1, ….</summary>
    public SynapseWeights<T> Initialise(WeightInit init, double gain, int seed)
    {
        var initialiser = init == WeightInit.Kaiming ? Initialiser.KaimingNormal(Nonlinearity.Relu) : Initialiser.XavierNormal(Nonlinearity.Linear);
        for (int c = 0; c < raw.Length; c++)
        {
            var values = initialiser.Sample(raw[c].Shape, unchecked(seed + c));
            raw[c].Value.CopyFrom(Array.ConvertAll(values, v => T.CreateChecked(v * gain)));
        }
        return this;
    }

    /// <summary>Once per forward pass: the effective weights from the raw ones.</summary>
    public void Begin()
    {
        if (effective is null) return;
        for (int c = 0; c < raw.Length; c++) SignConstraint.Forward(raw[c].Value, effective[c], sign);
    }

    /// <summary>Before a backward pass: the effective weights' gradients cleared.</summary>
    public void BeginBackward()
    {
        if (effectiveGradient is null) return;
        foreach (var g in effectiveGradient) g.Backend.Fill(g, T.Zero);
    }

    /// <summary>After a backward pass: the effective gradients folded into the raw parameters'.</summary>
    public void EndBackward()
    {
        if (effectiveGradient is null) return;
        for (int c = 0; c < raw.Length; c++) SignConstraint.Backward(raw[c].Value, effectiveGradient[c], raw[c].Gradient, sign);
    }
}
