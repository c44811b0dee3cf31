namespace Cortex.Areas.Options;

/// <summary>One key a kind reads: its name, the values it takes, its default and what it means (the row of docs/config-reference.md).</summary>
/// <param name="Name">The key as written in a network file.</param>
/// <param name="Values">What it takes, e.g. "integer ≥ 1" or "relu | tanh | …".</param>
/// <param name="Default">Its value when absent ("required" when it must be given).</param>
/// <param name="Meaning">What it does, in one line.</param>
public sealed record OptionKey(string Name, string Values, string Default, string Meaning);
