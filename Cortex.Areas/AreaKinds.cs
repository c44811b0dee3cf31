namespace Cortex.Areas;

/// <summary>The nonlinearity f of an area: h(t) = (1 − α)·h(t−1) + α·f(norm(drive)).</summary>
public enum ActivationKind { Relu, Tanh, Sigmoid, Softplus, Identity }

/// <summary>
/// Batch normalisation of an area's drive: none; per-step (statistics and affine parameters kept
/// separately for every time step, as in time-specific batch norm); or shared (one set for all steps).
/// </summary>
public enum NormalisationMode { None, PerStep, Shared }

/// <summary>An area's state before step 1: zero, or a learned tensor of the area's shape.</summary>
public enum InitialState { Zero, Learned }
