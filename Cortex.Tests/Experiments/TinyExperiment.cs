using System.Text.Json;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Experiments;

/// <summary>
/// A small experiment file over a <see cref="Workspace"/>'s tiny data: a two-area network with lateral and feedback
/// projections and its generated feedforward control, two training conditions (the loss on the last step; the loss on
/// every step with V2's normalisation changed by a <c>set</c> edit), two seeds, and three tests (clean, occluded, feedback
/// silenced from the second step on) — 8 trainings and 20 evaluations, each a fraction of a second.
/// </summary>
public static class TinyExperiment
{
    public const string NetworkFile = "blt-tiny.yaml";

    public const string Network = """
        name: blt-tiny
        time: { steps: 3 }
        input: { shape: [1, 28, 28] }
        areas:
          - { name: V1, level: 1, shape: [3, 14, 14], activation: relu, norm: per-step }
          - { name: V2, level: 2, shape: [4, 7, 7], activation: relu, norm: per-step }
        projections:
          - { from: image, to: V1, type: feedforward, kernel: 3, resample: maxpool, factor: 2 }
          - { from: V1, to: V1, type: lateral, kernel: 3 }
          - { from: V1, to: V2, type: feedforward, kernel: 3, resample: maxpool, factor: 2 }
          - { from: V2, to: V1, type: feedback, kernel: 3, resample: upsample-nearest, factor: 2 }
        readout: { from: V2, classes: 10, steps: all }
        """;

    public const string Experiment = """
        name: tiny-study
        description: Does feedback help a tiny network, and does a loss on every step change that?
        data: { dataset: fashion-mnist, path: data }
        training: { epochs: 3, batch: 16, lr: 0.01, schedule: constant, checkpoint_every: 1 }
        seeds: [1, 2]
        networks:
          - { name: blt, file: blt-tiny.yaml }
          - { name: b, file: blt-tiny.yaml, variant: feedforward }
        conditions:
          - { name: final, loss: final }
          - { name: every, loss: every-step, set: { areas.V2.norm: shared } }
        tests:
          - { name: clean }
          - { name: occluded, stimulus: "occlusion:0.4+seed:5" }
          - { name: no-feedback, lesions: ["feedback@2-"] }
        report: { thresholds: [0.3, 0.9], coarse: true }
        """;

    /// <summary>Writes the network and the experiment into <paramref name="w"/>; returns the experiment file's path.</summary>
    public static string WriteInto(Workspace w, string experiment = Experiment)
    {
        w.Write(NetworkFile, Network);
        return w.Write("tiny-study.yaml", experiment);
    }

    /// <summary>The report files that must be the same however the sweep was run.</summary>
    public static readonly string[] DeterministicReportFiles = ["summary.json", "report.md", "accuracy.csv", "accuracy-per-seed.csv", "paired-tests.csv"];

    public static JsonElement Summary(string reportFolder) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(reportFolder, "summary.json"))).RootElement;
}
