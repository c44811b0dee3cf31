using System.Numerics;
using Cortex.Core.Tensors;

namespace Cortex.Core.Optimisers;

/// <summary>
/// A trainable tensor and its gradient (same shape, same backend). Whoever owns the parameters allocates
/// and disposes both tensors; optimisers only read and update them. Backward passes accumulate into
/// <see cref="Gradient"/>, so it is zeroed (<see cref="IOptimiser{T}.ZeroGradients"/>) before each batch.
/// </summary>
public sealed class Parameter<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <param name="name">For logs and messages, e.g. "V1→V2.weight".</param>
    /// <param name="value">The parameter.</param>
    /// <param name="gradient">∂L/∂value, same shape and backend.</param>
    /// <param name="applyWeightDecay">False for parameters that should not decay (biases, gains), as in the usual practice.</param>
    public Parameter(string name, Tensor<T> value, Tensor<T> gradient, bool applyWeightDecay = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(value);
        ArgumentNullException.ThrowIfNull(gradient);
        if (value.Shape != gradient.Shape)
            throw new ArgumentException($"parameter '{name}': gradient {gradient.Shape} must have the shape of the value {value.Shape}");
        if (!ReferenceEquals(value.Backend, gradient.Backend))
            throw new ArgumentException($"parameter '{name}': value lives on {value.Backend.Description}, gradient on {gradient.Backend.Description}");
        Name = name;
        Value = value;
        Gradient = gradient;
        ApplyWeightDecay = applyWeightDecay;
    }

    public string Name { get; }

    public Tensor<T> Value { get; }

    public Tensor<T> Gradient { get; }

    public bool ApplyWeightDecay { get; }

    public Shape Shape => Value.Shape;

    public override string ToString() => $"{Name} {Shape}";
}
