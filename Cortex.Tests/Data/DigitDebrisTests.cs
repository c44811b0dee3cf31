using Cortex.Experiments.Data;

namespace Cortex.Tests.Datasets;

public sealed class DigitDebrisTests
{
    /// <summary>Pixels of image i that no longer hold its own value n (TinyData.Numbered fills image n with n).</summary>
    private static bool[] Covered(Dataset debris, int i)
    {
        var image = debris.Image(i);
        var covered = new bool[image.Length];
        for (int p = 0; p < image.Length; p++) covered[p] = image[p] != i;
        return covered;
    }

    [Test]
    public void FragmentsComeFromOtherImagesAndReplaceThePixelsTheyCover()
    {
        var clean = TinyData.Numbered(5, size: 7);
        var debris = new DigitDebris(Fragments: 1, FragmentSize: 3).Apply(clean, seed: 4);
        Assert.That(debris.Labels, Is.EqualTo(clean.Labels));
        Assert.That(debris.ClassNames, Is.EqualTo(clean.ClassNames));
        for (int i = 0; i < 5; i++)
        {
            // One 3×3 fragment of a constant image j ≠ i: exactly 9 pixels, all equal to j.
            var image = debris.Image(i).ToArray();
            var changed = image.Where(v => v != i).ToArray();
            Assert.That(changed, Has.Length.EqualTo(9), $"image {i}");
            Assert.That(changed.Distinct().Count(), Is.EqualTo(1), $"image {i}: one source image");
            Assert.That(changed[0], Is.Not.EqualTo(i).And.InRange(0, 4));
            // The covered pixels form a 3×3 square.
            var rows = Enumerable.Range(0, 49).Where(p => image[p] != i).Select(p => p / 7).Distinct().ToArray();
            var columns = Enumerable.Range(0, 49).Where(p => image[p] != i).Select(p => p % 7).Distinct().ToArray();
            Assert.That((rows.Length, columns.Length, rows.Max() - rows.Min(), columns.Max() - columns.Min()), Is.EqualTo((3, 3, 2, 2)));
        }
        Assert.That(clean.Image(0).ToArray(), Is.All.EqualTo(0f), "the source is not changed");
    }

    [Test]
    public void SameSeedSameImagesAndHigherLevelsAddFragments()
    {
        var clean = TinyData.Numbered(6, size: 9);
        var a = new DigitDebris(4, 3).Apply(clean, seed: 7);
        var b = new DigitDebris(4, 3).Apply(clean, seed: 7);
        var other = new DigitDebris(4, 3).Apply(clean, seed: 8);
        Assert.That(a.Images, Is.EqualTo(b.Images));
        Assert.That(a.Images, Is.Not.EqualTo(other.Images));
        Assert.That(new DigitDebris(0, 3).Apply(clean, seed: 7).Images, Is.EqualTo(clean.Images));

        var more = new DigitDebris(10, 3).Apply(clean, seed: 7);
        for (int i = 0; i < 6; i++)
        {
            bool[] low = Covered(a, i), high = Covered(more, i);
            Assert.That(Enumerable.Range(0, low.Length).All(p => !low[p] || high[p]), Is.True, $"image {i}: level 10 covers what level 4 covers");
            Assert.That(high.Count(c => c), Is.GreaterThan(low.Count(c => c)), $"image {i}: more debris at level 10");
        }
    }

    [Test]
    public void ImpossibleDebrisIsRefused()
    {
        var clean = TinyData.Numbered(3, size: 4);
        Assert.That(() => new DigitDebris(1, 5).Apply(clean, 1), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("do not fit in 4×4"));
        Assert.That(() => new DigitDebris(-1).Apply(clean, 1), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("≥ 0"));
        Assert.That(() => new DigitDebris(2, 2).Apply(TinyData.Numbered(1, size: 4), 1), Throws.ArgumentException.With.Message.Contains("other images"));
    }
}
