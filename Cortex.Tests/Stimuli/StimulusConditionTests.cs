using Cortex.Connectivity.Spec;
using Cortex.Core.Tensors;
using Cortex.Experiments.Data;
using Cortex.Experiments.Stimuli;
using Cortex.Tests.Connectivity;

namespace Cortex.Tests.Stimuli;

/// <summary>Stimulus conditions: their syntax, seeding by image index, the identity at level 0, the measured coverage and σ, and masks.</summary>
public sealed class StimulusConditionTests
{
    /// <summary>Seven 28×28 images with structure (a bright bar at a different row each, on a grey ramp), labels 0..6.</summary>
    private static Dataset Images(float background = 0f)
    {
        var shape = new Shape(1, 28, 28);
        var pixels = new float[7 * 784];
        for (int i = 0; i < 7; i++)
            for (int y = 0; y < 28; y++)
                for (int x = 0; x < 28; x++)
                    pixels[i * 784 + y * 28 + x] = y == 3 * i + 2 ? 1f : (x + y) / 112f + 0.1f * i;
        return new Dataset("bars", pixels, shape, [0, 1, 2, 3, 4, 5, 6], DatasetKind.FashionMnist.ClassNames, background: background);
    }

    [TestCase("occlusion:0.4", "occlusion:0.4")]
    [TestCase("occlusion:0.40:size=4", "occlusion:0.4:size=4")]
    [TestCase(" noise:0.3 + first-2-then-mask + mask:noise ", "noise:0.3+first-2-then-mask+mask:noise")]
    [TestCase("debris:10:size=7+seed:3", "debris:10:size=7+seed:3")]
    [TestCase("seed:3+clutter:0.5+occlusion:0.2:size=3-6:blobs", "clutter:0.5+occlusion:0.2:size=3-6:blobs+seed:3")]
    [TestCase("first-3", "first-3")]
    [TestCase("clean", "clean")]
    [TestCase("seed:0", "clean")]
    public void ConditionsAreReadAndWrittenBack(string text, string canonical)
    {
        var condition = StimulusCondition.Parse(text);
        Assert.That(condition.ToString(), Is.EqualTo(canonical));
        Assert.That(StimulusCondition.Parse(condition.ToString()).ToString(), Is.EqualTo(canonical));
    }

    [Test]
    public void AConditionsPartsAreWhatItSays()
    {
        var c = StimulusCondition.Parse("occlusion:0.3:size=4+noise:0.1+first-2-then-mask+mask:scramble:size=4+seed:9");
        Assert.Multiple(() =>
        {
            Assert.That(c.Transforms.Select(t => (t.Kind.Word, t.Level)), Is.EqualTo(new[] { ("occlusion", 0.3), ("noise", 0.1) }));
            Assert.That(c.Presentation, Is.EqualTo(new Presentation(2, ThenMask: true)));
            Assert.That(c.Mask.Maker, Is.EqualTo(new ScrambledPatches(4)));
            Assert.That(c.Seed, Is.EqualTo(9));
            Assert.That(c.IsClean, Is.False);
            Assert.That(c.WithoutTransforms().ToString(), Is.EqualTo("first-2-then-mask+mask:scramble:size=4+seed:9"));
            Assert.That(StimulusCondition.Clean.IsClean, Is.True);
            Assert.That(StimulusCondition.Parse("noise:0").IsClean, Is.True, "level 0 changes nothing");
            Assert.That(StimulusCondition.Clean.Mask.Kind, Is.EqualTo(MaskKinds.Default));
        });
    }

    [TestCase("", "stimulus '': it is empty")]
    [TestCase("occlusoin:0.3", "stimulus 'occlusoin:0.3': unknown kind 'occlusoin'; did you mean 'occlusion'?")]
    [TestCase("occlusion", "stimulus 'occlusion': a level is missing; write occlusion:F[:size=N|A-B][:blobs]")]
    [TestCase("occlusion:x", "stimulus 'occlusion:x': the level 'x' is not a number")]
    [TestCase("occlusion:1.5", "stimulus 'occlusion:1.5': the level must be a fraction F of the image covered, in [0, 1], got 1.5")]
    [TestCase("occlusion:0.3:size=0", "stimulus 'occlusion:0.3:size=0': 'size' must be a whole number ≥ 1 or a range a-b of them (a ≤ b), got '0'")]
    [TestCase("occlusion:0.3:size=6-3", "'size' must be a whole number ≥ 1 or a range a-b of them (a ≤ b), got '6-3'")]
    [TestCase("occlusion:0.3:colour=red", "stimulus 'occlusion:0.3:colour=red': unknown option 'colour'; its options: size=N or size=A-B")]
    [TestCase("occlusion:0.3:blobs=2", "'blobs' is a flag and takes no value, got 'blobs=2'")]
    [TestCase("noise:-1", "stimulus 'noise:-1': the level must be σ ≥ 0, got -1")]
    [TestCase("noise:NaN", "the level must be σ ≥ 0, got NaN")]
    [TestCase("debris:2.5", "stimulus 'debris:2.5': the level must be a whole number N of fragments ≥ 0, got 2.5")]
    [TestCase("noise:0.1+", "stimulus 'noise:0.1+': an item between '+' is empty")]
    [TestCase("clean+noise:0.1", "clean stands alone")]
    [TestCase("first-0", "stimulus 'first-0': unknown presentation 'first-0'; allowed: every-step, first-k")]
    [TestCase("first-2+every-step", "two presentations (first-2, every-step); give one")]
    [TestCase("first-2-then-mask+mask:grey", "stimulus 'mask:grey': unknown mask 'grey'; allowed: scramble, noise")]
    [TestCase("mask:noise:size=3", "stimulus 'mask:noise:size=3': unknown option 'size'; it takes none")]
    [TestCase("seed:x", "'seed:x' needs a whole number after 'seed:'")]
    public void MalformedConditionsSayWhatIsWrong(string text, string message)
        => Assert.That(() => StimulusCondition.Parse(text), Throws.ArgumentException.With.Message.Contains(message));

    /// <summary>
    /// Image i's stimulus depends on (seed, i) only: the whole set in order, and the same images in another order and in
    /// batches of 3 (with their indices), come out the same, image by image; another seed changes them.
    /// </summary>
    [TestCase("occlusion:0.3+noise:0.1")]
    [TestCase("occlusion:0.25:blobs")]
    [TestCase("clutter:0.6:size=5")]
    [TestCase("debris:4:size=6")]
    public void AnImageGetsTheSameStimulusWhateverItsBatchOrOrder(string text)
    {
        var data = Images();
        var condition = StimulusCondition.Parse(text);
        var whole = condition.Apply(data);
        int size = 784;
        int[] order = [5, 2, 6, 0, 3, 1, 4];
        for (int start = 0; start < order.Length; start += 3)
        {
            var indices = order.Skip(start).Take(3).ToArray();
            var batch = indices.SelectMany(i => data.Image(i).ToArray()).ToArray();
            condition.Apply(data, indices, batch);
            for (int b = 0; b < indices.Length; b++)
                Assert.That(batch.AsSpan(b * size, size).ToArray(), Is.EqualTo(whole.Image(indices[b]).ToArray()), $"image {indices[b]}");
        }
        Assert.That(whole.Images, Is.Not.EqualTo(data.Images), "the stimulus changes the images");
        Assert.That(StimulusCondition.Parse(text + "+seed:1").Apply(data).Images, Is.Not.EqualTo(whole.Images), "another seed, other stimuli");
    }

    [Test]
    public void TrainingDrawsFreshStimuliEachEpochReproducibly()
    {
        var data = Images();
        var condition = StimulusCondition.Parse("occlusion:0.3");
        float[] Round(int round)
        {
            var images = data.Images.ToArray();
            condition.Apply(data, [.. Enumerable.Range(0, data.Count)], images, round);
            return images;
        }
        Assert.That(Round(1), Is.EqualTo(Round(1)));
        Assert.That(Round(1), Is.Not.EqualTo(Round(2)));
        Assert.That(Round(0), Is.EqualTo(condition.Apply(data).Images), "testing is round 0");
    }

    [Test]
    public void LevelZeroIsTheIdentity()
    {
        var data = Images();
        foreach (var kind in StimulusKinds.All)
        {
            var item = StimulusItem.Parse($"{kind.Word}:0");
            var images = data.Images.ToArray();
            var result = new float[images.Length];
            item.Create(data).Apply(images, result, data.Shape, seed: 5, [.. Enumerable.Range(0, data.Count)]);
            Assert.That(result.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(images.Select(BitConverter.SingleToInt32Bits)), kind.Word);
        }
        Assert.That(StimulusCondition.Parse("occlusion:0+noise:0+clutter:0+debris:0").Apply(data), Is.SameAs(data));
    }

    /// <summary>Occluders cover the fraction asked for (never less, over by at most one 7×7 patch), in the dataset's background value.</summary>
    [TestCase(0.2)]
    [TestCase(0.5)]
    public void OcclusionCoversTheFractionAskedForInTheBackground(double coverage)
    {
        var data = new Dataset("ones", Enumerable.Repeat(1f, 20 * 784).ToArray(), new Shape(1, 28, 28), new int[20], DatasetKind.FashionMnist.ClassNames, background: -0.5f);
        var result = StimulusCondition.Parse($"occlusion:{coverage}").Apply(data);
        for (int i = 0; i < data.Count; i++)
        {
            var image = result.Image(i).ToArray();
            Assert.That(image, Is.All.EqualTo(1f).Or.EqualTo(-0.5f));
            Assert.That(image.Count(v => v == -0.5f) / 784.0, Is.InRange(coverage, coverage + 49 / 784.0), $"image {i}");
        }
    }

    [Test]
    public void NoiseHasTheStandardDeviationAskedFor()
    {
        var data = new Dataset("grey", Enumerable.Repeat(0.5f, 50 * 784).ToArray(), new Shape(1, 28, 28), new int[50], DatasetKind.FashionMnist.ClassNames);
        var noise = StimulusCondition.Parse("noise:0.25").Apply(data).Images.Select(v => v - 0.5).ToArray();
        double mean = noise.Average(), std = Math.Sqrt(noise.Select(n => (n - mean) * (n - mean)).Average());
        // 39,200 samples: the mean's standard error is 0.25/198 ≈ 0.0013, the standard deviation's about 0.0009.
        Assert.That(mean, Is.EqualTo(0).Within(0.006));
        Assert.That(std, Is.EqualTo(0.25).Within(0.005));
        var clamped = StimulusCondition.Parse("noise:2:clamp").Apply(data).Images;
        Assert.That((clamped.Min(), clamped.Max()), Is.EqualTo((0f, 1f)));
    }

    /// <summary>A scrambled mask holds the image's own 7×7 patches in another order; a noise mask has the image's mean and spread; both are seeded by image index.</summary>
    [Test]
    public void MasksAreMadeFromEachImageBySeedAndIndex()
    {
        var data = Images();
        var shown = data.Images.ToArray();
        int[] indices = [.. Enumerable.Range(0, data.Count)];
        var scrambled = new float[shown.Length];
        StimulusCondition.Clean.MakeMasks(shown, scrambled, data.ImageShape, indices);
        var noise = new float[shown.Length];
        StimulusCondition.Parse("mask:noise").MakeMasks(shown, noise, data.ImageShape, indices);
        var alone = new float[784];
        StimulusCondition.Clean.MakeMasks(data.Image(4), alone, data.ImageShape, [4]);
        Assert.That(new ScrambledPatches().Size(28, 28), Is.EqualTo(7));
        for (int i = 0; i < data.Count; i++)
        {
            var image = data.Image(i).ToArray();
            var mask = scrambled.AsSpan(i * 784, 784).ToArray();
            Assert.That(mask, Is.Not.EqualTo(image), $"image {i} is scrambled");
            var patches = Patches(image);
            Assert.That(Patches(mask), Is.EquivalentTo(patches).Using<float[]>((a, b) => a.SequenceEqual(b)), $"image {i}: the same patches");
            var n = noise.AsSpan(i * 784, 784).ToArray();
            double mean = image.Average(v => (double)v), std = Math.Sqrt(image.Average(v => (v - mean) * (v - mean)));
            double nMean = n.Average(v => (double)v), nStd = Math.Sqrt(n.Average(v => (v - nMean) * (v - nMean)));
            Assert.That(nMean, Is.EqualTo(mean).Within(4 * std / 28), $"image {i}: the noise mask's mean");
            Assert.That(nStd, Is.EqualTo(std).Within(0.1 * std), $"image {i}: its spread");
        }
        Assert.That(alone, Is.EqualTo(scrambled.AsSpan(4 * 784, 784).ToArray()), "image 4's mask does not depend on its batch");
    }

    private static List<float[]> Patches(float[] image)
    {
        var patches = new List<float[]>();
        for (int py = 0; py < 4; py++)
            for (int px = 0; px < 4; px++)
                patches.Add([.. Enumerable.Range(0, 49).Select(k => image[(py * 7 + k / 7) * 28 + px * 7 + k % 7])]);
        return patches;
    }

    [Test]
    public void AConditionThatDoesNotFitTheImagesSaysWhy()
    {
        var data = Images();
        Assert.Multiple(() =>
        {
            Assert.That(StimulusCondition.Parse("occlusion:0.3+mask:scramble:size=5").Problem(data),
                Does.Contain("scrambled patches: a patch side of 5 does not divide 28×28 images"));
            Assert.That(StimulusCondition.Parse("occlusion:0.3:size=40").Problem(data), Does.Contain("must be ordered and fit in 28×28"));
            Assert.That(StimulusCondition.Parse("debris:3:size=30").Problem(data), Does.Contain("fragments of 30×30 do not fit in 28×28 images"));
            Assert.That(StimulusCondition.Parse("occlusion:0.3+noise:0.2+debris:3").Problem(data), Is.Null);
        });
    }

    /// <summary>Every registered stimulus and mask kind has its row in docs/experiments.md, written as its syntax.</summary>
    [Test]
    public void EveryKindIsDocumented()
    {
        string docs = File.ReadAllText(Path.Combine(Networks.RepoRoot(), "docs", "experiments.md")).Replace("\\|", "|");
        Assert.Multiple(() =>
        {
            foreach (var kind in StimulusKinds.All) Assert.That(docs, Does.Contain($"| `{kind.Syntax}` |"), kind.Word);
            foreach (var kind in MaskKinds.All) Assert.That(docs, Does.Contain($"| `{kind.Syntax}` |"), kind.Word);
        });
    }

    [Test]
    public void APresentationReplacesTheNetworkFiles()
    {
        var blt = Networks.Config("blt");
        var masked = StimulusCondition.Parse("noise:0.1+first-2-then-mask").ApplyTo(blt);
        Assert.Multiple(() =>
        {
            Assert.That(masked.Spec.Input.Presentation.ToString(), Is.EqualTo("first-2-then-mask"));
            Assert.That(masked.Schedule.ToString(), Does.Contain("t=3   V1 ← image@3 feedforward (mask)"));
            Assert.That(StimulusCondition.Parse("noise:0.1").ApplyTo(blt), Is.SameAs(blt), "no presentation: the file's");
            Assert.That(StimulusCondition.Parse("first-2").ApplyTo(blt).Spec.Input.Presentation, Is.EqualTo(new Presentation(2)));
        });
    }
}
