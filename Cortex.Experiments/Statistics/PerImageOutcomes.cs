namespace Cortex.Experiments.Statistics;

/// <summary>
/// What one trained run did on every test image: for each readout, at each read step, each image's predicted
/// class, confidence and correctness, with the labels. The paired tests between conditions and the early-exit
/// analysis are computed from it, and it is saved beside the run (<see cref="PerImageOutcomesFile"/>).
/// </summary>
public sealed class PerImageOutcomes
{
    /// <summary>Outcomes of <paramref name="readouts"/> (unique names, the same number of images each).</summary>
    /// <param name="readouts">One record per readout.</param>
    /// <param name="testSet">What the test images were (dataset, split, stimulus), for people reading the file; not checked.</param>
    public PerImageOutcomes(IReadOnlyList<ReadoutOutcomes> readouts, string testSet = "")
    {
        ArgumentNullException.ThrowIfNull(readouts);
        ArgumentNullException.ThrowIfNull(testSet);
        if (readouts.Count == 0) throw new ArgumentException("per-image outcomes need at least one readout", nameof(readouts));
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in readouts)
        {
            if (!names.Add(r.Name)) throw new ArgumentException($"readout '{r.Name}' appears twice", nameof(readouts));
            if (r.Images != readouts[0].Images)
                throw new ArgumentException($"readout '{r.Name}' has {r.Images} images, readout '{readouts[0].Name}' {readouts[0].Images}; all readouts see the same test images", nameof(readouts));
        }
        Readouts = [.. readouts];
        TestSet = testSet;
    }

    /// <summary>The readouts, in the order given.</summary>
    public IReadOnlyList<ReadoutOutcomes> Readouts { get; }

    /// <summary>What the test images were, as the caller described them.</summary>
    public string TestSet { get; }

    /// <summary>How many test images.</summary>
    public int Images => Readouts[0].Images;

    /// <summary>The readout named <paramref name="name"/>.</summary>
    public ReadoutOutcomes Readout(string name) =>
        Readouts.FirstOrDefault(r => r.Name == name)
        ?? throw new ArgumentException($"no readout '{name}' in these outcomes; they have {string.Join(", ", Readouts.Select(r => $"'{r.Name}'"))}", nameof(name));

    /// <summary>Writes the outcomes to <paramref name="path"/> (atomically; see <see cref="PerImageOutcomesFile"/>).</summary>
    public void Write(string path) => PerImageOutcomesFile.Write(path, this);

    /// <summary>Reads outcomes written by <see cref="Write"/>; a damaged file is an <see cref="OutcomesFileError"/> naming the file and the problem.</summary>
    public static PerImageOutcomes Read(string path) => PerImageOutcomesFile.Read(path);
}
