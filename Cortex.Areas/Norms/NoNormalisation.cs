using System.Numerics;
using Cortex.Areas.Activations;
using Cortex.Areas.Options;
using Cortex.Core.Simulation;
using Cortex.Core.Tensors;

namespace Cortex.Areas.Norms;

/// <summary><c>norm: none</c>: a = f(x).</summary>
public sealed class NoNormalisation : NormKind
{
    /// <inheritdoc/>
    public override string Word => "none";

    /// <inheritdoc/>
    public override string Summary => "no normalisation: a = f(x)";

    /// <inheritdoc/>
    public override NormOptions Read(IOptionReader reader) => Options.Instance;

    /// <summary>No options.</summary>
    public sealed record Options : NormOptions
    {
        /// <summary>The one value.</summary>
        public static readonly Options Instance = new();

        /// <inheritdoc/>
        public override NormKind Kind => NormKinds.All["none"];

        /// <inheritdoc/>
        public override bool CancelsChannelBias(int channels) => false;

        /// <inheritdoc/>
        public override Normalisation Resolve(NormContext context, MemoryPlan plan, IIssues issues) => new Resolved();
    }

    private sealed class Resolved : Normalisation
    {
        public override string Describe() => "no norm";
        public override IReadOnlyList<ParameterSpec> Parameters => [];
        public override bool Normalises => false;
        public override INormalisedActivation<T> Create<T>(ParameterStore<T> store, ActivationFunction activation) => new Op<T>(activation);
    }

    private sealed class Op<T>(ActivationFunction f) : INormalisedActivation<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Forward(Tensor<T> x, Tensor<T> a, BoundMemory<T> m, int t, bool training) => f.Forward(x, a);
        public void Backward(Tensor<T> x, Tensor<T> a, Tensor<T> da, Tensor<T> dx, BoundMemory<T> m, int t) => f.Backward(x, a, da, dx);
    }
}
