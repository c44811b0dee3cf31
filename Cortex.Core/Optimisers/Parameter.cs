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

    /// <summary>The parameter's name, unique within its store (e.g. <c>V1→V2.weight</c>).</summary>
    public string Name { get; }

    /// <summary>The trainable values.</summary>
    public Tensor<T> Value { get; }

    /// <summary>∂L/∂<see cref="Value"/>, accumulated by backward passes; same shape and backend as the value.</summary>
    public Tensor<T> Gradient { get; }

    /// <summary>Whether weight decay applies (false for biases and gains).</summary>
    public bool ApplyWeightDecay { get; }

    /// <summary>The shape of <see cref="Value"/> and <see cref="Gradient"/>.</summary>
    public Shape Shape => Value.Shape;

    /// <summary>The name and shape, e.g. <c>V1→V2.weight [64, 32, 3, 3]</c>.</summary>
    public override string ToString() => $"{Name} {Shape}";
}
