using Cortex.Experiments.Data;

namespace Cortex.Tests.Datasets;

public sealed class BatchIteratorTests
{
    /// <summary>The image numbers (first pixel) of the next <paramref name="batches"/> batches, copied.</summary>
    private static List<float[]> Take(BatchIterator iterator, int batches)
    {
        var result = new List<float[]>();
        for (int i = 0; i < batches; i++)
        {
            var b = iterator.Next();
            result.Add(Enumerable.Range(0, b.Count).Select(j => b.Images[j * b.ImageShape.Size]).ToArray());
        }
        return result;
    }

    [Test]
    public void EachEpochIsAFreshSeededPermutation()
    {
        var data = TinyData.Numbered(7);
        var iterator = new BatchIterator(data, new BatchOptions(3, Seed: 11));
        Assert.That(iterator.BatchesPerEpoch, Is.EqualTo(3));
        var epoch0 = Take(iterator, 3);
        Assert.That(epoch0.Select(b => b.Length), Is.EqualTo(new[] { 3, 3, 1 }), "the last batch is partial");
        Assert.That(epoch0.SelectMany(b => b).Order(), Is.EqualTo(Enumerable.Range(0, 7).Select(i => (float)i)));
        Assert.That(iterator.Position, Is.EqualTo(new DataPosition(1, 0)));
        var epoch1 = Take(iterator, 3);
        Assert.That(epoch1.SelectMany(b => b), Is.Not.EqualTo(epoch0.SelectMany(b => b)), "epochs are shuffled differently");
        var again = Take(new BatchIterator(data, new BatchOptions(3, Seed: 11)), 6);
        Assert.That(again, Is.EqualTo(epoch0.Concat(epoch1)), "the same seed gives the same batches");
        var other = Take(new BatchIterator(data, new BatchOptions(3, Seed: 12)), 3);
        Assert.That(other.SelectMany(b => b), Is.Not.EqualTo(epoch0.SelectMany(b => b)));
    }

    [Test]
    public void LabelsIndicesAndCoarseLabelsFollowTheImages()
    {
        var iterator = new BatchIterator(TinyData.Numbered(13), new BatchOptions(5, Seed: 2));
        var batch = iterator.Next();
        for (int i = 0; i < batch.Count; i++)
        {
            int n = (int)batch.Images[i * 4];
            Assert.That(batch.Indices[i], Is.EqualTo(n));
            Assert.That(batch.Labels[i], Is.EqualTo(n % 10));
            Assert.That(batch.CoarseLabels![i], Is.EqualTo(DatasetKind.FashionMnist.Coarse!.CoarseOf(n % 10)));
        }
        Assert.That(batch.Shape.ToString(), Is.EqualTo(new Cortex.Core.Tensors.Shape(5, 1, 2, 2).ToString()));
    }

    [Test]
    public void ResumingFromASavedPositionServesTheSameBatches()
    {
        var data = TinyData.Numbered(19);
        var options = new BatchOptions(4, Seed: 5, MaxShift: 1);
        var uninterrupted = new BatchIterator(data, options);
        var all = Take(uninterrupted, 12);

        var first = new BatchIterator(data, options);
        var before = Take(first, 7);
        var saved = first.Position;
        Assert.That(saved, Is.EqualTo(new DataPosition(1, 2)));
        var resumed = new BatchIterator(data, options, saved);
        var after = Take(resumed, 5);
        Assert.That(before.Concat(after), Is.EqualTo(all));
    }

    [Test]
    public void ResumedAugmentedPixelsMatchExactly()
    {
        var data = TinyData.Numbered(9, size: 5);
        var options = new BatchOptions(2, Seed: 8, MaxShift: 2);
        var a = new BatchIterator(data, options);
        for (int i = 0; i < 6; i++) a.Next();
        var expected = a.Next().ImageValues.ToArray();
        var b = new BatchIterator(data, options, new DataPosition(1, 1));
        Assert.That(b.Next().ImageValues.ToArray(), Is.EqualTo(expected));
    }

    [Test]
    public void DropLastAndNoShuffle()
    {
        var iterator = new BatchIterator(TinyData.Numbered(7), new BatchOptions(3, Seed: 0, Shuffle: false, DropLast: true));
        Assert.That(iterator.BatchesPerEpoch, Is.EqualTo(2));
        Assert.That(iterator.RestOfEpoch().Select(b => b.Images[0]).ToArray(), Is.EqualTo(new[] { 0f, 3f }));
        Assert.That(iterator.Position, Is.EqualTo(new DataPosition(1, 0)));
    }

    [Test]
    public void ShiftsMoveContentButKeepItsValues()
    {
        // One bright pixel in the middle of a 5×5 image moves by at most 2 in each direction.
        var images = new float[25];
        images[12] = 1;
        var data = new Dataset("dot", images, new Cortex.Core.Tensors.Shape(1, 5, 5), [0], DatasetKind.FashionMnist.ClassNames);
        var seen = new HashSet<int>();
        var iterator = new BatchIterator(data, new BatchOptions(1, Seed: 1, MaxShift: 2));
        for (int i = 0; i < 60; i++)
        {
            var pixels = iterator.Next().ImageValues.ToArray();
            Assert.That(pixels.Sum(), Is.EqualTo(1f));
            seen.Add(Array.IndexOf(pixels, 1f));
        }
        Assert.That(seen.Count, Is.GreaterThan(15), "shifts in −2..2 reach most of the 25 places");
    }

    [Test]
    public void BadPositionsAndSizesAreRejected()
    {
        var data = TinyData.Numbered(5);
        Assert.That(Assert.Throws<ArgumentException>(() => new BatchIterator(data, new BatchOptions(6, 0, DropLast: true)))!.Message,
            Does.Contain("fewer than one batch of 6"));
        var iterator = new BatchIterator(data, new BatchOptions(2, 0));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => iterator.Seek(new DataPosition(0, 3)))!.Message,
            Does.Contain("batches 0..2"));
    }
}
