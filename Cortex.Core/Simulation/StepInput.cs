namespace Cortex.Core.Simulation;

/// <summary>What the input node holds at one step t: the batch's images, a blank (zeros: a read of it is skipped), or the batch's masks.</summary>
public enum StepInput
{
    /// <summary>Nothing is shown (zeros): a projection from the input is inactive at this step, forward and backward.</summary>
    Blank,

    /// <summary>The image: projections from the input read <see cref="Simulator{T}.Input"/>, and ∂L/∂image sums over these steps.</summary>
    Image,

    /// <summary>A mask: projections from the input read <see cref="Simulator{T}.Mask"/>, a constant of the batch that receives no gradient.</summary>
    Mask,
}
