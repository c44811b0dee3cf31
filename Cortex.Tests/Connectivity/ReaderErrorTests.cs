using Cortex.Connectivity;
using Cortex.Connectivity.Validation;

namespace Cortex.Tests.Connectivity;

/// <summary>Reading mistakes: every one reported with file, line, column and YAML path, all in one pass.</summary>
public sealed class ReaderErrorTests
{
    /// <summary>A file with four kinds of mistake; each line's column is counted in the comments.</summary>
    public const string SeveralMistakes = """
        name: broken
        time: { steps: 3 }
        input: { name: image, shape: [1, 8, 8] }
        areas:
          - name: V1
            level: 1
            shape: [4, 8, 8]
            activaton: relu
          - name: V2
            level: 2
            shape: [8, 4, 4]
        projections:
          - { from: image, to: V1, type: feedforward }
          - { from: V1, to: V2, type: feedforward }
          - { from: V1, to: V2, type: feedback, resample: maxpool, name: up }
          - { from: V2, to: V2, type: lateral, delay: 0 }
        readout: { from: V2, classes: 10 }
        """;

    [Test]
    public void SeveralMistakesAreListedTogetherWithPositions()
    {
        var errors = Networks.Errors(SeveralMistakes, "broken.yaml");
        Assert.That(errors, Is.EqualTo(new[]
        {
            // line 8, column 5: the typo'd key
            "broken.yaml:8:5 areas[0].activaton: unknown key; did you mean 'activation'?",
            // line 14: V1 [4, 8, 8] → V2 [8, 4, 4] at stride 1; `to:` starts at column 17
            "broken.yaml:14:17 projections[1].to: V1 [4, 8, 8] → V2 [8, 4, 4]: conv 3×3 stride 1 padding 1 gives 8×8, V2 is 4×4; use resample: maxpool (factor 2) or stride: 2",
            // line 15: feedback that goes up; `type:` starts at column 25
            "broken.yaml:15:25 projections[2].type: feedback goes down: to.level < from.level, but V1 (level 1) → V2 (level 2) goes up; declare it feedforward, or swap from and to",
            // line 16: the zero-delay loop: the mapping starts at column 5, `delay:` at column 40
            "broken.yaml:16:5 projections[3]: cycle of zero total delay V2 → V2 (projections[3] V2->V2); a step cannot read itself: give one of these projections delay ≥ 1",
            "broken.yaml:16:40 projections[3].delay: lateral must read a past step (delay ≥ 1), got 0",
        }));
    }

    [Test]
    public void LoadThrowsConfigErrorsWithEveryMessage()
    {
        var e = Assert.Throws<ConfigErrors>(() => NetworkLoader.Parse(SeveralMistakes, "broken.yaml"))!;
        Assert.That(e.Errors, Has.Count.EqualTo(5));
        Assert.That(e.Message.Split('\n'), Has.Length.EqualTo(5));
    }

    [Test]
    public void UnknownKeysSuggestTheNearestOrListTheAllowed()
    {
        var errors = Networks.Errors(Networks.Chain("{ steps: 2, unrol: biological }").Replace("shape: [2, 4, 4] }\n  - { name: B", "shpe: [2, 4, 4] }\n  - { name: B")
            + "\nwibble: 3\n");
        Assert.That(errors, Has.Some.EqualTo("test.yaml:2:19 time.unrol: unknown key; did you mean 'unroll'?"));
        Assert.That(errors, Has.Some.Contains("areas[0].shpe: unknown key; did you mean 'shape'?"));
        Assert.That(errors, Has.None.Contains("areas[0].shape: missing required key"), "a misspelt required key is reported once");
        Assert.That(errors, Has.Some.Contains("wibble: unknown key; allowed: name, time, input, areas, projections, readouts, readout, weight_tying, precision"));
    }

    [Test]
    public void UnknownWordsSuggestTheNearest()
    {
        var errors = Networks.Errors(Networks.Chain("{ steps: 2 }").Replace("type: feedforward }\n  - { from: B", "type: feedfoward }\n  - { from: B")
            .Replace("shape: [2, 4, 4] }\n  - { name: C", "shape: [2, 4, 4], activation: rleu }\n  - { name: C"));
        Assert.That(errors, Has.Some.Contains("projections[1].type: unknown type 'feedfoward'; did you mean 'feedforward'?"));
        Assert.That(errors, Has.Some.Contains("areas[1].activation: unknown activation 'rleu'; did you mean 'relu'?"));
    }

    [Test]
    public void MalformedYamlIsPositioned()
    {
        var errors = Networks.Errors("name: x\ntime: { steps: 2\ninput: [\n", "bad.yaml");
        Assert.That(errors, Has.Count.EqualTo(1));
        Assert.That(errors[0], Does.Match(@"^bad\.yaml:\d+:\d+ \(document\): malformed YAML: "));
    }

    [Test]
    public void DuplicateKeysAreMalformed()
    {
        var errors = Networks.Errors("name: x\nname: y\n", "dup.yaml");
        Assert.That(errors.Single(), Does.StartWith("dup.yaml:2:1 (document): malformed YAML:").And.Contains("name"));
    }

    [TestCase("")]
    [TestCase("   \n# only a comment\n")]
    public void EmptyFilesSayWhatIsExpected(string yaml)
    {
        Assert.That(Networks.Errors(yaml, "empty.yaml"), Is.EqualTo(new[]
        {
            "empty.yaml:1:1 (document): empty file; expected a mapping with the keys name, time, input, areas, projections, readouts, weight_tying, precision",
        }));
    }

    [Test]
    public void WrongTypesAndSizes()
    {
        var yaml = """
            name: sizes
            time: { steps: 0, dt: fast }
            input: { shape: 28 }
            areas:
              - { name: V1, level: one, shape: [32, 0, 28], bias: maybe }
              - { name: V2, level: 0, shape: [8, 8], tau: 0.5 }
              - just a word
            projections: { from: image }
            readout: { from: V1, classes: 1 }
            """;
        var errors = Networks.Errors(yaml, "sizes.yaml");
        Assert.That(errors, Is.SupersetOf(new[]
        {
            "sizes.yaml:2:9 time.steps: steps must be ≥ 1, got 0",
            "sizes.yaml:2:19 time.dt: expected a number, found 'fast'",
            "sizes.yaml:3:10 input.shape: expected a list [C, H, W] or [N], found '28'",
            "sizes.yaml:5:17 areas[0].level: expected an integer, found 'one'",
            "sizes.yaml:5:29 areas[0].shape: sizes must be positive, found [32, 0, 28]",
            "sizes.yaml:5:49 areas[0].bias: expected true or false, found 'maybe'",
            "sizes.yaml:6:17 areas[1].level: level (the input is level 0; areas start at 1) must be ≥ 1, got 0",
            "sizes.yaml:6:27 areas[1].shape: expected [C, H, W] (spatial) or [N] (vector), found 2 sizes [8, 8]",
            "sizes.yaml:6:42 areas[1].tau: tau must be ≥ dt so that α = dt/τ ≤ 1, got tau 0.5 with dt 1",
            "sizes.yaml:7:5 areas[2]: expected a mapping (name, level, shape, kind, activation, norm, tau, tau_trainable, bias, initial_state), found 'just a word'",
            "sizes.yaml:8:1 projections: expected a list of mappings (name, from, to, type, connectivity, delay, mode, init, gain, sign, kernel, stride, padding, resample, factor, pool_window, pool_padding), found a mapping",
            "sizes.yaml:9:22 readout.classes: classes (at least two) must be ≥ 2, got 1",
        }));
    }

    [Test]
    public void MissingRequiredKeys()
    {
        var errors = Networks.Errors("name: x\nareas:\n  - { level: 1 }\n", "missing.yaml");
        Assert.That(errors, Is.SupersetOf(new[]
        {
            "missing.yaml:1:1 time: missing required key",
            "missing.yaml:1:1 input: missing required key",
            "missing.yaml:1:1 readouts: missing required key",
            "missing.yaml:3:5 areas[0].name: missing required key",
            "missing.yaml:3:5 areas[0].shape: missing required key",
        }));
    }

    [Test]
    public void NoAreas()
    {
        Assert.That(Networks.Errors("name: x\ntime: { steps: 1 }\ninput: { shape: [4] }\nareas: []\nreadout: { from: A, classes: 2 }\n"),
            Has.Some.EqualTo("test.yaml:4:1 areas: no areas; give at least one (name, level, shape)"));
    }

    [Test]
    public void MissingFileIsAConfigError()
    {
        var e = Assert.Throws<ConfigErrors>(() => NetworkLoader.Load("/nonexistent/net.yaml"))!;
        Assert.That(e.Errors.Single().ToString(), Does.StartWith("net.yaml:1:1 (document): cannot read the file"));
    }
}
