using Cortex.Core.Tensors;

namespace Cortex.Experiments.Data;

/// <summary>Where an iteration stands: the next batch to be served is batch <see cref="Batch"/> of epoch <see cref="Epoch"/> (both from 0).</summary>
public readonly record struct DataPosition(int Epoch, int Batch)
{
    /// <summary>The position as messages print it: <c>epoch 2, batch 17</c>.</summary>
    public override string ToString() => $"epoch {Epoch}, batch {Batch}";
}

/// <summary>
/// How batches are drawn: size, seed, whether each epoch is shuffled (a fresh seeded permutation per
/// epoch), whether a final partial batch is dropped, and the largest random shift (0: no augmentation).
/// </summary>
public sealed record BatchOptions(int BatchSize, int Seed, bool Shuffle = true, bool DropLast = false, int MaxShift = 0);

/// <summary>
/// One minibatch. Its arrays belong to the iterator and are overwritten by the next batch. The first
/// <see cref="Count"/> images of <see cref="Images"/> ([B, C, H, W]) are valid.
/// </summary>
public sealed class Batch
{
    internal Batch(int capacity, Shape imageShape, bool coarse)
    {
        ImageShape = imageShape;
        Images = new float[capacity * imageShape.Size];
        Labels = new int[capacity];
        CoarseLabels = coarse ? new int[capacity] : null;
        Indices = new int[capacity];
    }

    /// <summary>[capacity, C, H, W]; the first <see cref="Count"/> images are this batch.</summary>
    public float[] Images { get; }

    /// <summary>[capacity]; fine labels.</summary>
    public int[] Labels { get; }

    /// <summary>[capacity]; coarse labels, where the dataset has coarse groups.</summary>
    public int[]? CoarseLabels { get; }

    /// <summary>[capacity]; each image's index in the dataset.</summary>
    public int[] Indices { get; }

    /// <summary>One image's shape, [C, H, W].</summary>
    public Shape ImageShape { get; }

    /// <summary>Images in this batch: the batch size, or fewer for the last batch of an epoch.</summary>
    public int Count { get; internal set; }

    /// <summary>The position this batch was served from.</summary>
    public DataPosition Position { get; internal set; }

    /// <summary>[Count, C, H, W].</summary>
    public Shape Shape => ImageShape.Prepend(Count);

    /// <summary>The valid pixels of this batch, [Count, C, H, W] row-major.</summary>
    public ReadOnlySpan<float> ImageValues => Images.AsSpan(0, Count * ImageShape.Size);
}

/// <summary>
/// Minibatches over a dataset, epoch after epoch, from a position that can be saved and restored. Every
/// random choice derives from (seed, epoch, batch): the order of epoch e is the permutation seeded by
/// (seed, e), the shifts of batch b by (seed, e, b). So seeking to a saved position and continuing serves
/// exactly the batches an uninterrupted run would have served.
/// </summary>
public sealed class BatchIterator
{
    private readonly Batch batch;
    private int[]? order;
    private int orderEpoch = -1;

    /// <summary>Batches of <paramref name="data"/> drawn as <paramref name="options"/> say, starting at <paramref name="start"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The batch size is ≤ 0, the largest shift &lt; 0, or <paramref name="start"/> is outside the epoch.</exception>
    /// <exception cref="ArgumentException">The dataset holds fewer images than one batch (with <see cref="BatchOptions.DropLast"/>) or none.</exception>
    public BatchIterator(Dataset data, BatchOptions options, DataPosition start = default)
    {
        if (options.BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(options), $"batch size must be positive, got {options.BatchSize}");
        if (options.MaxShift < 0) throw new ArgumentOutOfRangeException(nameof(options), $"largest shift must be ≥ 0, got {options.MaxShift}");
        Data = data;
        Options = options;
        BatchesPerEpoch = options.DropLast ? data.Count / options.BatchSize : (data.Count + options.BatchSize - 1) / options.BatchSize;
        if (BatchesPerEpoch == 0)
            throw new ArgumentException($"dataset '{data.Name}' has {data.Count} images, fewer than one batch of {options.BatchSize}");
        batch = new Batch(options.BatchSize, data.ImageShape, data.Coarse is not null);
        Seek(start);
    }

    /// <summary>The dataset batches are drawn from.</summary>
    public Dataset Data { get; }

    /// <summary>How batches are drawn.</summary>
    public BatchOptions Options { get; }

    /// <summary>Batches in one epoch: ⌈N / batch size⌉, or ⌊N / batch size⌋ when the last partial batch is dropped.</summary>
    public int BatchesPerEpoch { get; }

    /// <summary>The position of the next batch <see cref="Next"/> serves; save it with a checkpoint.</summary>
    public DataPosition Position { get; private set; }

    /// <summary>Makes <paramref name="position"/> the next batch to serve (as a resume does).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The epoch is negative or the batch outside 0 … <see cref="BatchesPerEpoch"/> − 1.</exception>
    public void Seek(DataPosition position)
    {
        if (position.Epoch < 0 || position.Batch < 0 || position.Batch >= BatchesPerEpoch)
            throw new ArgumentOutOfRangeException(nameof(position), $"position ({position}) is outside epochs ≥ 0 and batches 0..{BatchesPerEpoch - 1} of '{Data.Name}'");
        Position = position;
    }

    /// <summary>The dataset indices in epoch <paramref name="epoch"/>'s order.</summary>
    public int[] Order(int epoch)
    {
        if (orderEpoch == epoch && order is not null) return order;
        if (Options.Shuffle) order = Seeds.Permutation(Data.Count, Seeds.Derive(Options.Seed, Seeds.Shuffle, epoch));
        else
        {
            order = new int[Data.Count];
            for (int i = 0; i < order.Length; i++) order[i] = i;
        }
        orderEpoch = epoch;
        return order;
    }

    /// <summary>Serves the batch at <see cref="Position"/> and moves to the next one (the first of the next epoch after the last).</summary>
    public Batch Next()
    {
        var (epoch, index) = Position;
        var indices = Order(epoch);
        int start = index * Options.BatchSize, count = Math.Min(Options.BatchSize, Data.Count - start);
        int size = Data.ImageShape.Size;
        for (int i = 0; i < count; i++)
        {
            int source = indices[start + i];
            batch.Indices[i] = source;
            batch.Labels[i] = Data.Labels[source];
            if (batch.CoarseLabels is { } coarse) coarse[i] = Data.Coarse!.CoarseOf(Data.Labels[source]);
            Data.Image(source).CopyTo(batch.Images.AsSpan(i * size, size));
        }
        batch.Count = count;
        batch.Position = Position;
        if (Options.MaxShift > 0)
            Augmentation.RandomShifts(batch.Images, Data.ImageShape, count, Options.MaxShift, Data.Background,
                new Random(Seeds.Derive(Options.Seed, Seeds.Augment, epoch, index)));
        Position = index + 1 < BatchesPerEpoch ? new DataPosition(epoch, index + 1) : new DataPosition(epoch + 1, 0);
        return batch;
    }

    /// <summary>The batches left in the current epoch, from <see cref="Position"/> to the epoch's end.</summary>
    public IEnumerable<Batch> RestOfEpoch()
    {
        int epoch = Position.Epoch;
        while (Position.Epoch == epoch) yield return Next();
    }
}
