namespace Cortex.Connectivity.Variants;

/// <summary>Why a variant kind does not apply to a network: one line naming the network and the reason.</summary>
public sealed class VariantNotApplicable(string message) : Exception(message);
