using System.Numerics;
using Cortex.Areas.Options;
using Cortex.Core.Kernels;
using Cortex.Core.Tensors;

namespace Cortex.Areas.Modes;

/// <summary>
/// How a projection enters its target (the <c>mode</c> key): additive projections sum into the target's drive;
/// each modulatory mode has an input of its own, where its projections sum, and modulates the drive element by element.
/// </summary>
public abstract class ProjectionMode : IRegistryEntry
{
    /// <inheritdoc/>
    public abstract string Word { get; }

    /// <inheritdoc/>
    public abstract string Summary { get; }

    /// <summary>How the ledger, the schedule and the picture mark it: "" for additive, "×", "÷", ….</summary>
    public abstract string Symbol { get; }

    /// <summary>Whether it modulates the drive (and so needs an input of its own) rather than adding to it.</summary>
    public abstract bool Modulatory { get; }
}

/// <summary><c>mode: additive</c>: the projection's output is added to the target's drive.</summary>
public sealed class AdditiveMode : ProjectionMode
{
    /// <inheritdoc/>
    public override string Word => "additive";

    /// <inheritdoc/>
    public override string Summary => "drive += W ∗ x";

    /// <inheritdoc/>
    public override string Symbol => "";

    /// <inheritdoc/>
    public override bool Modulatory => false;
}

/// <summary>
/// A modulatory mode: with u the summed output of the target's projections of this mode, the drive d becomes M(d, u),
/// element by element; M is the struct <typeparamref name="TSingle"/> / <typeparamref name="TDouble"/> (one struct, two precisions).
/// </summary>
public abstract class ModulatoryMode<TSingle, TDouble> : ModulatoryMode
    where TSingle : struct, IModulation<float> where TDouble : struct, IModulation<double>
{
    /// <inheritdoc/>
    public override void Forward<T>(Tensor<T> drive, Tensor<T> input, Tensor<T> y)
    {
        if (Precision.IsSingle<T>()) Modulation.Forward<float, TSingle>(Precision.Single(drive), Precision.Single(input), Precision.Single(y));
        else Modulation.Forward<double, TDouble>(Precision.Double(drive), Precision.Double(input), Precision.Double(y));
    }

    /// <inheritdoc/>
    public override void Backward<T>(Tensor<T> drive, Tensor<T> input, Tensor<T> dy, Tensor<T> dDrive, Tensor<T> dInput)
    {
        if (Precision.IsSingle<T>())
            Modulation.Backward<float, TSingle>(Precision.Single(drive), Precision.Single(input), Precision.Single(dy), Precision.Single(dDrive), Precision.Single(dInput));
        else
            Modulation.Backward<double, TDouble>(Precision.Double(drive), Precision.Double(input), Precision.Double(dy), Precision.Double(dDrive), Precision.Double(dInput));
    }
}

/// <summary>A mode that modulates the drive: y = M(drive, input) and its backward.</summary>
public abstract class ModulatoryMode : ProjectionMode
{
    /// <inheritdoc/>
    public override bool Modulatory => true;

    /// <summary>y = M(drive, input). y may be drive.</summary>
    public abstract void Forward<T>(Tensor<T> drive, Tensor<T> input, Tensor<T> y) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>dDrive and dInput (written over) given dy.</summary>
    public abstract void Backward<T>(Tensor<T> drive, Tensor<T> input, Tensor<T> dy, Tensor<T> dDrive, Tensor<T> dInput) where T : unmanaged, IFloatingPointIeee754<T>;
}
