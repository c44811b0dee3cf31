using Cortex.Areas.Options;

namespace Cortex.Areas.Dynamics;

/// <summary>An area's state before step 1: zero (never read: a read of it is skipped), or a learned tensor of the area's shape copied to every image.</summary>
public enum InitialState
{
    /// <summary>h(0) = 0.</summary>
    Zero,

    /// <summary>h(0) is a parameter [C, H, W] (or [N]), the same for every image; its gradient sums over the batch.</summary>
    Learned,
}

/// <summary>The <c>initial_state</c> key, shared by the area kinds that carry a state.</summary>
public static class InitialStates
{
    private static readonly string[] Words = ["zero", "learned"];

    /// <summary>The key's documentation row.</summary>
    public static OptionKey Key => new("initial_state", "zero | learned", "zero", "h(0): zero, or a learned tensor of the area's shape");

    /// <summary>Reads <c>initial_state</c> (default zero).</summary>
    public static InitialState Read(IOptionReader reader) => (InitialState)(reader.Choice("initial_state", Words) ?? 0);

    /// <summary>The word of a value.</summary>
    public static string Word(InitialState state) => Words[(int)state];

    /// <summary>The learned initial state's parameter, or none.</summary>
    public static IEnumerable<ParameterSpec> Parameters(InitialState state, AreaContext c)
        => state == InitialState.Learned ? [new ParameterSpec($"{c.Name}.initial_state", c.Dimensions)] : [];
}

/// <summary>Writes h(0) at the start of a run and sums its gradient at the end, for any area kind (a zero state is zero and gets no gradient).</summary>
/// <typeparam name="T">float or double.</typeparam>
internal sealed class InitialStateOp<T>(Cortex.Core.Optimisers.Parameter<T>? learned) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
{
    public bool Learned => learned is not null;

    /// <summary>h(0) ← 0, or the learned state copied to every image.</summary>
    public void Begin(Cortex.Core.Tensors.Tensor<T> h0)
    {
        var backend = h0.Backend;
        if (learned is null)
        {
            backend.Fill(h0, T.Zero);
            return;
        }
        int n = learned.Value.Length;
        for (int b = 0; b < h0.Shape[0]; b++) backend.Copy(learned.Value, h0.Slice(b * n, learned.Shape));
    }

    /// <summary>The learned state's gradient += Σ over the batch of ∂L/∂h(0).</summary>
    public void EndBackward(Cortex.Core.Tensors.Tensor<T> dh0)
    {
        if (learned is null) return;
        Cortex.Core.Kernels.Reduce.SumOverAxes(dh0, dh0.Shape[0], learned.Value.Length, 1, learned.Gradient, accumulate: true);
    }
}
