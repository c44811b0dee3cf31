using Cortex.Connectivity;
using Cortex.Connectivity.Reading;

namespace Cortex.Tests.Connectivity;

/// <summary>Graph rules: names, endpoints, types against levels, delays, cycles, shapes; warnings apart from errors.</summary>
public sealed class ValidationTests
{
    private const string Time = "{ steps: 3 }";

    [Test]
    public void ProjectionTypesAgreeWithLevels()
    {
        var errors = Networks.Errors(Networks.Chain(Time, """
              - { from: C, to: A, type: feedforward }
              - { from: A, to: B, type: lateral, name: sideways }
              - { from: image, to: B, type: feedback, name: fromImage }
              - { from: B, to: image, type: feedback, name: toImage }
            """));
        Assert.That(errors, Has.Some.Contains("projections[3].type: feedforward goes up: to.level > from.level (or from the input), but C (level 3) → A (level 1) goes down; declare it feedback, or swap from and to"));
        Assert.That(errors, Has.Some.Contains("projections[4].type: lateral stays within one area: from = to, but A (level 1) → B (level 2) goes up; declare it feedforward, or swap from and to"));
        Assert.That(errors, Has.Some.Contains("projections[5].type: feedback goes down: to.level < from.level, but image (the input, level 0) → B (level 2) goes up"));
        Assert.That(errors, Has.Some.Contains("projections[6].to: the input 'image' cannot receive projections; allowed targets: A, B, C"));
    }

    [Test]
    public void LateralMeansWithinOneArea()
    {
        var yaml = Networks.Chain(Time, "  - { from: A, to: A2, type: lateral }").Replace("areas:\n", "areas:\n  - { name: A2, level: 1, shape: [2, 4, 4] }\n");
        Assert.That(Networks.Errors(yaml), Has.Some.Contains("lateral stays within one area: from = to, but A (level 1) → A2 (level 1) joins two areas at the same level; give the areas different levels (lateral projections connect an area to itself)"));
    }

    [Test]
    public void NamesAndEndpoints()
    {
        var yaml = Networks.Chain(Time, """
              - { from: A, to: Bb, type: feedforward }
              - { from: A, to: B, type: feedforward }
            """).Replace("  - { name: C,", "  - { name: B,").Replace("{ from: B, to: C, type: feedforward }", "{ from: B, to: B, type: lateral }")
            .Replace("readout: { from: C", "readout: { from: B");
        var errors = Networks.Errors(yaml);
        Assert.That(errors, Has.Some.Contains("areas[2].name: duplicate area name 'B' (first at line 6); area names must be unique"));
        Assert.That(errors, Has.Some.Contains("projections[3].to: unknown area 'Bb'; did you mean 'B'?"));
        Assert.That(errors, Has.Some.Contains("projections[4].name: duplicate projection name 'A->B' (first at line 10); give one of them a distinct 'name'"));
    }

    [Test]
    public void ZeroDelayCycleNamesItsPath()
    {
        var errors = Networks.Errors(Networks.Chain(Time, "  - { from: C, to: A, type: feedback, delay: 0 }"));
        Assert.That(errors, Has.Some.Contains("projections[1]: cycle of zero total delay A → B → C → A (projections[1] A->B, projections[2] B->C, projections[3] C->A); a step cannot read itself"));
        Assert.That(errors, Has.Some.Contains("projections[3].delay: feedback must read a past step (delay ≥ 1), got 0"));
    }

    [Test]
    public void MultiplicativeIsForLateralAndFeedback()
    {
        var errors = Networks.Errors(Networks.Chain(Time).Replace("{ from: A, to: B, type: feedforward }", "{ from: A, to: B, type: feedforward, mode: multiplicative }"));
        Assert.That(errors, Has.Some.Contains("projections[1].mode: multiplicative is a modulatory mode, for lateral and feedback projections (gain: drive ⊙ (1 + tanh u)); feedforward projections are additive"));
        Assert.That(Networks.Errors(Networks.Chain(Time, "  - { from: C, to: A, type: feedback, mode: multiplicative }")), Is.Empty);
    }

    [TestCase("resample: upsample-nearest", "B [2, 4, 4] → C [2, 8, 8]: conv 3×3 stride 1 padding 1 gives 4×4, C is 8×8",
        Description = "the fix is named when shapes grow")]
    public void ShapeMismatchSaysWhatWouldFit(string _, string expected)
    {
        var errors = Networks.Errors(Networks.Chain(Time).Replace("{ name: C, level: 3, shape: [2, 4, 4] }", "{ name: C, level: 3, shape: [2, 8, 8] }"));
        Assert.That(errors, Has.Some.Contains(expected + "; use resample: upsample-nearest or upsample-bilinear (factor 2) or connectivity: transposed-conv (factor 2)"));
    }

    [Test]
    public void TransposedConvAndPoolingGeometry()
    {
        // 4×4 → transposed conv 3×3, factor 2, padding 1: (4 − 1)·2 − 2 + 3 = 7, output padding 1 → 8 ✓.
        var ok = Networks.Chain(Time, "  - { from: C, to: A, type: feedback, connectivity: transposed-conv }")
            .Replace("{ name: A, level: 1, shape: [2, 4, 4] }", "{ name: A, level: 1, shape: [2, 8, 8] }")
            .Replace("{ from: A, to: B, type: feedforward }", "{ from: A, to: B, type: feedforward, resample: avgpool }")
            .Replace("shape: [1, 4, 4]", "shape: [1, 8, 8]");
        Assert.That(Networks.Errors(ok), Is.Empty);
        var bad = ok.Replace("shape: [2, 8, 8]", "shape: [2, 9, 9]");
        Assert.That(Networks.Errors(bad), Has.Some.Contains("C [2, 4, 4] → A [2, 9, 9]: transposed-conv 3×3 factor 2 padding 1 gives 7×7 to 8×8, A is 9×9"));
    }

    [Test]
    public void ConvNeedsSpatialAreas()
    {
        var yaml = Networks.Chain(Time).Replace("{ name: C, level: 3, shape: [2, 4, 4] }", "{ name: C, level: 3, shape: [10] }");
        Assert.That(Networks.Errors(yaml), Has.Some.Contains("B [2, 4, 4] → C [10]: a conv projection connects spatial areas [C, H, W]; C is a vector; use connectivity: dense"));
        Assert.That(Networks.Errors(yaml.Replace("{ from: B, to: C, type: feedforward }", "{ from: B, to: C, type: feedforward, connectivity: dense }")), Is.Empty);
    }

    [Test]
    public void WarningsAreNotErrors()
    {
        var yaml = Networks.Chain(Time).Replace("areas:\n", "areas:\n  - { name: Island, level: 2, shape: [3] }\n  - { name: Far, level: 4, shape: [2, 4, 4] }\n")
            .Replace("projections:\n", "projections:\n  - { from: C, to: Far, type: feedforward, delay: 3 }\n");
        var warnings = Networks.Warnings(yaml);
        Assert.That(warnings, Has.Some.EqualTo("test.yaml:5:5 areas[0]: warning: Island is never reached from the input 'image': no chain of projections leads to it"));
        Assert.That(warnings, Has.Some.Contains("Island reaches no readout"));
        Assert.That(warnings, Has.Some.Contains("Far first receives input at step 4, after the last step 3"));
        Assert.That(warnings, Has.Some.Contains("Far reaches no readout"));
    }

    [Test]
    public void AnAreaThatNormalisesHasNoBiasUnlessAGainScalesItsDrive()
    {
        // Normalisation subtracts each channel's mean, so a bias before it cancels: off by default there, and a warning
        // when asked for; with a multiplicative input the gain scales the bias, which then matters.
        var yaml = Networks.Chain(Time, areaExtra: ", norm: per-step").Replace("{ name: B, level: 2, shape: [2, 4, 4] }", "{ name: B, level: 2, shape: [2, 4, 4], norm: shared }")
            .Replace("projections:\n", "projections:\n  - { from: C, to: B, type: feedback, mode: multiplicative }\n");
        var spec = NetworkLoader.Parse(yaml).Spec;
        Assert.That(spec.Areas.Select(a => (a.Name, Bias(a))), Is.EqualTo(new[] { ("A", false), ("B", true), ("C", true) }));
        Assert.That(Networks.Warnings(yaml), Has.None.Contains("bias"));
        var asked = yaml.Replace(", norm: per-step", ", norm: per-step, bias: true");
        Assert.That(Bias(NetworkLoader.Parse(asked).Spec.Areas[0]), Is.True);
        Assert.That(Networks.Warnings(asked), Has.Some.Contains("A's bias has no effect: normalisation subtracts each channel's mean"));
    }

    private static bool? Bias(Cortex.Connectivity.Spec.AreaSpec area) => ((Cortex.Areas.Dynamics.StandardArea.Options)area.Options).Bias;

    [Test]
    public void SuggestionDistance()
    {
        Assert.That(Suggestions.Distance("shpe", "shape"), Is.EqualTo(1));
        Assert.That(Suggestions.Distance("kitten", "sitting"), Is.EqualTo(3));
        Assert.That(Suggestions.Nearest("projektions", NetworkReader.TopKeys), Is.EqualTo("projections"));
        Assert.That(Suggestions.Nearest("zzz", NetworkReader.TopKeys), Is.Null);
    }
}
