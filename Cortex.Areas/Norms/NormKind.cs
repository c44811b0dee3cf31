using System.Numerics;
using Cortex.Areas.Activations;
using Cortex.Areas.Options;
using Cortex.Core.Simulation;
using Cortex.Core.Tensors;

namespace Cortex.Areas.Norms;

/// <summary>
/// A normalisation an area applies before its nonlinearity (the <c>norm</c> key): a registry entry that reads its
/// own keys (e.g. <c>groups</c>) into a <see cref="NormOptions"/> record.
/// </summary>
public abstract class NormKind : IRegistryEntry
{
    /// <inheritdoc/>
    public abstract string Word { get; }

    /// <inheritdoc/>
    public abstract string Summary { get; }

    /// <summary>The keys it reads besides <c>norm</c> itself.</summary>
    public virtual IReadOnlyList<OptionKey> Keys => [];

    /// <summary>Reads its keys from the area's mapping.</summary>
    public abstract NormOptions Read(IOptionReader reader);
}

/// <summary>Where a normalisation is resolved: its owner's parameter prefix (<c>V1.norm</c>), the shape it normalises, the time axis.</summary>
/// <param name="Prefix">Names its parameters: <c>{Prefix}.gamma</c>, <c>{Prefix}.beta</c>.</param>
/// <param name="Shape">The per-image shape of what it normalises: [C, H, W] or [N].</param>
/// <param name="Steps">T.</param>
public sealed record NormContext(string Prefix, int[] Shape, int Steps)
{
    /// <summary>C: the first dimension (every unit of a vector area is a channel).</summary>
    public int Channels => Shape[0];
}

/// <summary>A normalisation's options as read from a network file.</summary>
public abstract record NormOptions
{
    /// <summary>The kind it configures.</summary>
    public abstract NormKind Kind { get; }

    /// <summary>Whether it subtracts each channel's mean over <paramref name="channels"/> channels, so that a per-channel bias before it cancels exactly.</summary>
    public abstract bool CancelsChannelBias(int channels);

    /// <summary>Writes its keys besides <c>norm</c> (every default resolved).</summary>
    public virtual void Write(IOptionWriter writer) { }

    /// <summary>Checks the options against the area (reporting at its keys) and declares the memory it needs in <paramref name="plan"/>.</summary>
    public abstract Normalisation Resolve(NormContext context, MemoryPlan plan, IIssues issues);
}

/// <summary>A resolved normalisation: its parameters and memory, and the op that normalises then applies f, a = f(N_t(x)).</summary>
public abstract class Normalisation
{
    /// <summary>How the ledger names it, e.g. "per-step batch norm".</summary>
    public abstract string Describe();

    /// <summary>Its trainable parameters (γ, β).</summary>
    public abstract IReadOnlyList<ParameterSpec> Parameters { get; }

    /// <summary>Whether it normalises at all (none does not).</summary>
    public virtual bool Normalises => true;

    /// <summary>The op over a parameter store (its parameters are added there now).</summary>
    public abstract INormalisedActivation<T> Create<T>(ParameterStore<T> store, ActivationFunction activation) where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>a = f(N_t(x)) at step t, forward and backward, keeping what backward needs in the area's bound memory.</summary>
public interface INormalisedActivation<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>a = f(N_t(x)); <paramref name="training"/> selects batch statistics (and updates running averages).</summary>
    void Forward(Tensor<T> x, Tensor<T> a, BoundMemory<T> m, int t, bool training);

    /// <summary>dx = ∂L/∂x given da (written over dx); γ and β gradients accumulate. Needs a training forward at t.</summary>
    void Backward(Tensor<T> x, Tensor<T> a, Tensor<T> da, Tensor<T> dx, BoundMemory<T> m, int t);
}
