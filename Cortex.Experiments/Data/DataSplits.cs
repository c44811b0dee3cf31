namespace Cortex.Experiments.Data;

/// <summary>Seeded splits of a dataset.</summary>
public static class DataSplits
{
    /// <summary>
    /// Splits off <paramref name="validationCount"/> images chosen by a seeded permutation; both parts keep
    /// the original order of their images. The same seed always gives the same split.
    /// </summary>
    public static (Dataset Train, Dataset Validation) TrainValidation(Dataset data, int validationCount, int seed)
    {
        if (validationCount < 0 || validationCount > data.Count)
            throw new ArgumentOutOfRangeException(nameof(validationCount), $"dataset '{data.Name}': validation size must lie in 0..{data.Count}, got {validationCount}");
        var order = Seeds.Permutation(data.Count, Seeds.Derive(seed, Seeds.Split));
        var validation = order.AsSpan(0, validationCount).ToArray();
        var train = order.AsSpan(validationCount).ToArray();
        Array.Sort(validation);
        Array.Sort(train);
        return (data.Select(train, $"{data.Name} (train part)"), data.Select(validation, $"{data.Name} (validation part)"));
    }

    /// <summary>As above with the validation size given as a fraction in [0, 1) of the images, rounded.</summary>
    public static (Dataset Train, Dataset Validation) TrainValidation(Dataset data, double validationFraction, int seed)
    {
        if (!(validationFraction >= 0 && validationFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(validationFraction), $"validation fraction must lie in [0, 1), got {validationFraction}");
        return TrainValidation(data, (int)Math.Round(data.Count * validationFraction), seed);
    }
}
