using System.Text.Json;
using Cortex.Experiments.Training;

namespace Cortex.Experiments.Reports;

/// <summary>
/// Writes what <c>cortex eval --json</c> reports: accuracy and the other metrics at every read step of every readout and,
/// with lesions, the lesioned accuracy and the paired test at each step. Accuracies are fractions in [0, 1], differences
/// in percentage points (intact − lesioned). The schema (version <see cref="SchemaVersion"/>) is in docs/training.md,
/// section "Evaluation".
/// </summary>
public static class EvaluationJson
{
    /// <summary>The schema version written in the file's <c>schemaVersion</c>.</summary>
    public const int SchemaVersion = 1;

    /// <summary>The report's JSON settings, writing lesions and stimuli (<c>V2->V1</c>, <c>noise:0.3+first-2</c>) as typed rather than escaped.</summary>
    private static readonly JsonSerializerOptions Options = new(Reporting.Json) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The evaluation as JSON text.</summary>
    /// <param name="checkpoint">The checkpoint evaluated (its path).</param>
    /// <param name="network">The network's name.</param>
    /// <param name="testSet">The test set's name.</param>
    /// <param name="stimulus">The stimulus condition, in its syntax.</param>
    /// <param name="presentation">The presentation the network was run with.</param>
    /// <param name="intact">The evaluation of the intact network.</param>
    /// <param name="lesion">With lesions: the lesioned evaluation and the paired tests; null otherwise.</param>
    public static string ToJson(string checkpoint, string network, string testSet, string stimulus, string presentation, EvaluationResult intact, LesionResult? lesion)
    {
        ArgumentNullException.ThrowIfNull(intact);
        var document = new
        {
            schema = "cortex-evaluation",
            schemaVersion = SchemaVersion,
            checkpoint,
            network,
            testSet,
            images = intact.Images,
            stimulus,
            presentation,
            lesions = lesion?.Lesions.Select(l => l.ToString()).ToArray() ?? [],
            silenced = lesion?.Silenced.Select(s => new { projection = s.Projection, steps = s.Steps }).ToArray() ?? [],
            readouts = intact.Readouts.Select((r, k) => new
            {
                name = r.Readout,
                steps = r.Steps.Select((s, i) => new
                {
                    step = s.Step,
                    accuracy = s.Accuracy,
                    coarseAccuracy = double.IsNaN(s.CoarseAccuracy) ? (double?)null : s.CoarseAccuracy,
                    crossEntropy = s.CrossEntropy,
                    confidence = s.Confidence,
                    lesioned = lesion is null ? null : Lesioned(lesion, k, i),
                }),
            }),
        };
        return JsonSerializer.Serialize(document, Options);
    }

    /// <summary>Writes the evaluation to <paramref name="path"/> (whole, through a temporary file).</summary>
    public static void Write(string path, string checkpoint, string network, string testSet, string stimulus, string presentation, EvaluationResult intact, LesionResult? lesion)
        => Reporting.WriteText(path, ToJson(checkpoint, network, testSet, stimulus, presentation, intact, lesion));

    private static object Lesioned(LesionResult lesion, int readout, int step)
    {
        var metrics = lesion.Lesioned.Readouts[readout].Steps[step];
        var test = lesion.Readouts[readout].Steps[step];
        return new
        {
            accuracy = metrics.Accuracy,
            coarseAccuracy = double.IsNaN(metrics.CoarseAccuracy) ? (double?)null : metrics.CoarseAccuracy,
            crossEntropy = metrics.CrossEntropy,
            confidence = metrics.Confidence,
            differencePoints = test.Pooled.DifferencePoints,
            b = test.Pooled.B,
            c = test.Pooled.C,
            p = test.Pooled.PValue,
            pHolm = test.AdjustedP,
        };
    }
}
