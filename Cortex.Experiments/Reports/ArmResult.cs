namespace Cortex.Experiments.Reports;

/// <summary>One arm of an experiment — a network (a file, or a baseline generated from one) under one condition — over its seeds.</summary>
public sealed record ArmResult
{
    /// <summary>The arm's name in tables and legends.</summary>
    public required string Name { get; init; }

    /// <summary>The network: its file, and the generated variant if it is one (e.g. "configs/networks/blt.yaml (untied twin)").</summary>
    public required string Network { get; init; }

    /// <summary>The condition in words (loss schedule, stimuli, lesion, tying, norm…); empty when there is only one.</summary>
    public string Condition { get; init; } = "";

    /// <summary>
    /// A family the arm belongs to in the cost figures (e.g. "feedforward" for the feedforward controls): arms of a
    /// family are drawn as one connected curve; arms without one as labelled points.
    /// </summary>
    public string? Family { get; init; }

    /// <summary>The network's ledger figures.</summary>
    public required LedgerFigures Ledger { get; init; }

    /// <summary>The seeds of the arm's runs; <see cref="ReadoutAccuracy.BySeed"/> follows this order.</summary>
    public required IReadOnlyList<int> Seeds { get; init; }

    /// <summary>Test accuracy per readout.</summary>
    public required IReadOnlyList<ReadoutAccuracy> Readouts { get; init; }

    /// <summary>The readout named <paramref name="name"/>.</summary>
    public ReadoutAccuracy Readout(string name) =>
        Readouts.FirstOrDefault(r => r.Readout == name)
        ?? throw new ArgumentException($"arm '{Name}' has no readout '{name}'; it has {string.Join(", ", Readouts.Select(r => $"'{r.Readout}'"))}", nameof(name));

    /// <summary>Checks the arm's parts fit together (a seed list without repeats, one accuracy per seed and step, fractions in [0, 1]).</summary>
    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name)) throw new ArgumentException("an arm needs a name");
        if (Seeds.Count == 0) throw new ArgumentException($"arm '{Name}' has no seeds");
        if (Seeds.Distinct().Count() != Seeds.Count) throw new ArgumentException($"arm '{Name}' lists a seed twice: {string.Join(", ", Seeds)}");
        if (Readouts.Count == 0) throw new ArgumentException($"arm '{Name}' has no readouts");
        foreach (var readout in Readouts)
        {
            readout.Validate(Name, Seeds.Count);
            foreach (var values in readout.BySeed)
                if (values.Any(a => !(a >= 0 && a <= 1)))
                    throw new ArgumentException($"arm '{Name}', readout '{readout.Readout}': accuracies are fractions in [0, 1], got {string.Join(", ", values)}");
        }
    }
}
