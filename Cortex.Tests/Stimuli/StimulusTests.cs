using Cortex.Connectivity.Spec;
using Cortex.Core.Simulation;
using Cortex.Core.Tensors;
using Cortex.Experiments.Data;
using Cortex.Experiments.Stimuli;

namespace Cortex.Tests.Stimuli;

public sealed class StimulusTests
{
    private static readonly Shape Batch = new(6, 1, 28, 28);

    private static float[] Ones(Shape shape) => Enumerable.Repeat(1f, shape.Size).ToArray();

    [TestCase(0.1)]
    [TestCase(0.3)]
    [TestCase(0.6)]
    public void PatchOcclusionCoversTheRequestedFraction(double coverage)
    {
        var source = Ones(Batch);
        var result = new Occlusion(coverage).Apply(source, Batch, seed: 4);
        Assert.That(source, Is.All.EqualTo(1f), "the source is not changed");
        for (int b = 0; b < Batch[0]; b++)
        {
            double covered = result.AsSpan(b * 784, 784).ToArray().Count(v => v == 0f) / 784.0;
            // Never under the target; over it by at most one 7×7 patch (49 of 784 pixels).
            Assert.That(covered, Is.InRange(coverage, coverage + 49 / 784.0 + 1e-9), $"image {b}");
        }
    }

    [Test]
    public void BlobOcclusionCoversTheRequestedFractionAndBlendsTowardsTheFill()
    {
        var occlusion = new Occlusion(0.4, OccluderShape.Blobs, Fill: 0.5f);
        var mask = occlusion.Mask(Batch, seed: 9);
        for (int b = 0; b < Batch[0]; b++)
        {
            double covered = mask.AsSpan(b * 784, 784).ToArray().Count(m => m >= 0.5f) / 784.0;
            Assert.That(covered, Is.InRange(0.4, 0.55), $"image {b}");
        }
        var result = occlusion.Apply(Ones(Batch), Batch, seed: 9);
        for (int i = 0; i < result.Length; i++)
            Assert.That(result[i], Is.EqualTo(1 - 0.5f * mask[i]).Within(1e-6));
    }

    [Test]
    public void OcclusionIsSeededPerImage()
    {
        var occlusion = new Occlusion(0.25);
        var a = occlusion.Mask(Batch, seed: 1);
        Assert.That(occlusion.Mask(Batch, seed: 1), Is.EqualTo(a));
        Assert.That(occlusion.Mask(Batch, seed: 2), Is.Not.EqualTo(a));
        var single = occlusion.Mask(new Shape(1, 1, 28, 28), seed: 1);
        Assert.That(single, Is.EqualTo(a.AsSpan(0, 784).ToArray()), "image 0's occluders do not depend on the batch size");
        Assert.That(new Occlusion(0).Apply(Ones(Batch), Batch, 3), Is.All.EqualTo(1f));
        Assert.That(new Occlusion(1).Apply(Ones(Batch), Batch, 3), Is.All.EqualTo(0f));
    }

    [Test]
    public void GaussianNoiseHasTheRequestedStatistics()
    {
        var shape = new Shape(40, 1, 28, 28);
        var source = Enumerable.Range(0, shape.Size).Select(i => (float)(i % 5) * 0.1f).ToArray();
        var result = new GaussianNoise(0.3).Apply(source, shape, seed: 6);
        var noise = result.Select((v, i) => (double)v - source[i]).ToArray();
        double mean = noise.Average(), std = Math.Sqrt(noise.Select(n => (n - mean) * (n - mean)).Average());
        // 31,360 samples: the mean's standard error is 0.3/177 ≈ 0.0017, the std's about 0.0012.
        Assert.That(mean, Is.EqualTo(0).Within(0.007));
        Assert.That(std, Is.EqualTo(0.3).Within(0.006));
        Assert.That(new GaussianNoise(0.3).Apply(source, shape, seed: 6), Is.EqualTo(result));
        var clamped = new GaussianNoise(2, Clamp: true).Apply(source, shape, seed: 6);
        Assert.That(clamped.Min(), Is.EqualTo(0f));
        Assert.That(clamped.Max(), Is.EqualTo(1f));
        Assert.That(new GaussianNoise(0).Apply(source, shape, seed: 1), Is.EqualTo(source));
    }

    [Test]
    public void ClutterOverlaysFragmentsOfOtherImages()
    {
        // Image 0 is blank, image 1 is all 0.7: every pixel of image 0 is then 0 or 0.7.
        var shape = new Shape(2, 1, 9, 9);
        var source = new float[shape.Size];
        source.AsSpan(81).Fill(0.7f);
        var result = new Clutter(0.5, FragmentSize: 3).Apply(source, shape, seed: 2);
        var first = result.AsSpan(0, 81).ToArray();
        Assert.That(first, Is.All.EqualTo(0f).Or.EqualTo(0.7f));
        int lit = first.Count(v => v > 0);
        // round(0.5·81/9) = 5 fragments of 9 pixels, possibly overlapping.
        Assert.That(lit, Is.InRange(9, 45));
        Assert.That(result.AsSpan(81).ToArray(), Is.All.EqualTo(0.7f), "a blank fragment never darkens (max)");
        Assert.That(new Clutter(0.5, 3).Apply(source, shape, seed: 2), Is.EqualTo(result));
    }

    [Test]
    public void ClutterFromAPoolAndItsErrors()
    {
        var pool = new Dataset("pool", Enumerable.Repeat(0.25f, 2 * 36).ToArray(), new Shape(1, 6, 6), [0, 1], DatasetKind.FashionMnist.ClassNames);
        var shape = new Shape(1, 1, 6, 6);
        var result = new Clutter(1.0, 2, pool).Apply(new float[36], shape, seed: 0);
        Assert.That(result.Count(v => v == 0.25f), Is.GreaterThan(0));
        Assert.That(Assert.Throws<ArgumentException>(() => new Clutter(0.5).Apply(new float[36], shape, 0))!.Message,
            Does.Contain("has only one"));
        Assert.That(Assert.Throws<ArgumentException>(() => new Clutter(0.5, 2, pool).Apply(new float[49], new Shape(1, 1, 7, 7), 0))!.Message,
            Does.Contain($"pool images {new Shape(1, 6, 6)} differ from the batch's {new Shape(1, 7, 7)}"));
    }

    [Test]
    public void PresentationWordsSayWhatEachStepShows()
    {
        var masked = Presentation.Parse("first-2-then-mask");
        Assert.Multiple(() =>
        {
            Assert.That(Enumerable.Range(0, 5).Select(Presentation.EveryStep.At), Is.EqualTo(new[] { StepInput.Blank, StepInput.Image, StepInput.Image, StepInput.Image, StepInput.Image }));
            Assert.That(Enumerable.Range(1, 4).Select(Presentation.Parse("first-2").At), Is.EqualTo(new[] { StepInput.Image, StepInput.Image, StepInput.Blank, StepInput.Blank }));
            Assert.That(Enumerable.Range(1, 4).Select(masked.At), Is.EqualTo(new[] { StepInput.Image, StepInput.Image, StepInput.Mask, StepInput.Mask }));
            Assert.That(masked.ToString(), Is.EqualTo("first-2-then-mask"));
            Assert.That(Presentation.Parse("first-3").ToString(), Is.EqualTo("first-3"));
            Assert.That(Presentation.Parse("every-step"), Is.EqualTo(Presentation.EveryStep));
            foreach (var bad in new[] { "first-0", "first-2-then-grey", "every", "first-k" })
                Assert.That(() => Presentation.Parse(bad), Throws.ArgumentException.With.Message.Contains($"unknown presentation '{bad}'").And.Message.Contains("first-k-then-mask"));
        });
    }

    [Test]
    public void TransformsCheckShapes()
    {
        var e = Assert.Throws<ArgumentException>(() => new GaussianNoise(0.1).Apply(new float[5], new Shape(1, 1, 2, 2), 0))!;
        Assert.That(e.Message, Does.StartWith("GaussianNoise: batch [1, 1, 2, 2] needs 4 values, got source 5"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new Occlusion(1.5).Mask(Batch, 0))!.Message, Does.Contain("coverage must lie in [0, 1], got 1.5"));
    }
}
