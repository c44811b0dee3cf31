using System.Numerics;
using Cortex.Core.Simulation;
using Cortex.Core.Tensors;

namespace Cortex.Areas.Modes;

/// <summary>
/// The modulations of one area's drive, shared by every area kind: input 0 holds the drive d (Σ additive projections,
/// plus the area's bias); input 1 + i holds u_i, the sum of the projections of the i-th modulatory mode that targets
/// the area (modes in registry order). The modulated drive is x_n with x_0 = d and x_{i+1} = M_i(x_i, u_i); each x_{i+1}
/// is kept per step for the backward pass, which runs the chain in reverse.
/// </summary>
public sealed class DriveModulation
{
    private readonly ModulatoryMode[] modes;
    private readonly Slot[] outputs, dStageInputs, dModulators;

    /// <param name="modes">The modulatory modes of the projections into the area, in registry order, without repeats.</param>
    /// <param name="shape">The area's per-image shape.</param>
    /// <param name="plan">The area's memory plan, where the chain's histories and scratch are declared.</param>
    public DriveModulation(IReadOnlyList<ModulatoryMode> modes, int[] shape, MemoryPlan plan)
    {
        this.modes = [.. modes];
        outputs = [.. modes.Select(m => plan.Steps($"{m.Word} output", shape))];
        dStageInputs = [.. modes.Select(m => plan.Scratch($"{m.Word} input gradient", shape))];
        dModulators = [.. modes.Select(m => plan.Scratch($"{m.Word} modulator gradient", shape))];
    }

    /// <summary>The area's inputs: the drive and one per modulatory mode.</summary>
    public int Inputs => 1 + modes.Length;

    /// <summary>The modes, in the order they apply.</summary>
    public IReadOnlyList<ModulatoryMode> Modes => modes;

    /// <summary>The modulated drive at t (the drive itself when no mode targets the area).</summary>
    public Tensor<T> Forward<T>(AreaMemory<T> m, int t) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var x = m.Inputs[0][t];
        for (int i = 0; i < modes.Length; i++)
        {
            var y = m.Own.History(outputs[i])[t];
            modes[i].Forward(x, m.Inputs[1 + i][t], y);
            x = y;
        }
        return x;
    }

    /// <summary>The modulated drive at t as <see cref="Forward{T}"/> left it.</summary>
    public Tensor<T> Output<T>(AreaMemory<T> m, int t) where T : unmanaged, IFloatingPointIeee754<T>
        => modes.Length == 0 ? m.Inputs[0][t] : m.Own.History(outputs[^1])[t];

    /// <summary>
    /// From ∂L/∂(modulated drive) <paramref name="dy"/>, the gradient of every input at t, in input order: [∂L/∂d, ∂L/∂u_1, …].
    /// Without modes that is <paramref name="dy"/> itself.
    /// </summary>
    public Tensor<T>[] Backward<T>(AreaMemory<T> m, int t, Tensor<T> dy) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var gradients = new Tensor<T>[Inputs];
        for (int i = modes.Length - 1; i >= 0; i--)
        {
            var x = i == 0 ? m.Inputs[0][t] : m.Own.History(outputs[i - 1])[t];
            var dx = m.Own.Tensor(dStageInputs[i]);
            var du = m.Own.Tensor(dModulators[i]);
            modes[i].Backward(x, m.Inputs[1 + i][t], dy, dx, du);
            gradients[1 + i] = du;
            dy = dx;
        }
        gradients[0] = dy;
        return gradients;
    }

    /// <summary>" × gain ÷ divisive" for the ledger: the modes' symbols and words.</summary>
    public string Describe() => string.Concat(modes.Select(m => $", {m.Symbol} {m.Word}"));
}
