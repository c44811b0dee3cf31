using Cortex.Core.Backends;
using Cortex.Core.Tensors;
using Cortex.Experiments.Checkpoints;
using Cortex.Experiments.Data;
using Cortex.Tests.Datasets;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Checkpoints;

public sealed class CheckpointTests
{
    private TinyData folder = null!;

    [SetUp]
    public void Create() => folder = new TinyData();

    [TearDown]
    public void Delete() => folder.Dispose();

    private static Checkpoint Sample(string fingerprint = "sha256:0123456789abcdef", float scale = 1) => new(
        new CheckpointMetadata
        {
            Fingerprint = fingerprint,
            Config = "name: blt\ntime: { steps: 4 }\n",
            Seed = 17,
            Step = 1234,
            Data = new DataPosition(2, 35),
            Properties = new Dictionary<string, string> { ["optimiser"] = "AdamW", ["lr"] = "0.003" },
        },
        [
            new NamedArray("V1.weight", new Shape(3, 1, 3, 3), Enumerable.Range(0, 27).Select(i => scale * (i - 13) / 7f).ToArray()),
            new NamedArray("V1.bias", new Shape(3), [0.5f * scale, -1e-30f, float.MaxValue]),
            new NamedArray("adamw.m/V1.weight", new Shape(1, 7), Data.Cast<float>(Data.Random(7, seed: 3))),
        ]);

    [Test]
    public void RoundTripKeepsEveryArrayAndTheMetadata()
    {
        string path = folder.PathOf("run/checkpoint.ckpt");
        var written = Sample();
        CheckpointFile.Write(path, written);
        var read = CheckpointFile.Read(path);
        Assert.That(read.Path, Is.EqualTo(Path.GetFullPath(path)));
        Assert.That(read.Arrays.Select(a => a.Name), Is.EqualTo(written.Arrays.Select(a => a.Name)));
        for (int i = 0; i < written.Arrays.Count; i++)
        {
            Assert.That(read.Arrays[i].Shape, Is.EqualTo(written.Arrays[i].Shape));
            Assert.That(read.Arrays[i].Values, Is.EqualTo(written.Arrays[i].Values), "bit-exact");
        }
        var m = read.Metadata;
        Assert.That((m.FormatVersion, m.Fingerprint, m.Seed, m.Step, m.Data), Is.EqualTo((1, "sha256:0123456789abcdef", 17, 1234L, new DataPosition(2, 35))));
        Assert.That(m.Config, Is.EqualTo(written.Metadata.Config));
        Assert.That(m.Properties["optimiser"], Is.EqualTo("AdamW"));
        Assert.That(m.CreatedUtc, Is.EqualTo(written.Metadata.CreatedUtc));
    }

    [Test]
    public void CopyIntoFillsATensorAndChecksItsShape()
    {
        var cpu = TestBackends.Get<float>(DeviceKind.Cpu);
        string path = folder.PathOf("c.ckpt");
        CheckpointFile.Write(path, Sample());
        var read = CheckpointFile.Read(path);
        using var bias = cpu.Allocate(new Shape(3));
        read.CopyInto("V1.bias", bias);
        Assert.That(bias.ToArray(), Is.EqualTo(read.Get("V1.bias").Values));
        using var wrong = cpu.Allocate(new Shape(4));
        Assert.That(Assert.Throws<CheckpointError>(() => read.CopyInto("V1.bias", wrong))!.Message,
            Does.Contain($"array 'V1.bias' has shape {new Shape(3)}, but the network's tensor has shape {new Shape(4)}"));
        Assert.That(Assert.Throws<CheckpointError>(() => read.Get("V2.weight"))!.Message,
            Does.Contain("no array 'V2.weight'; it holds 'V1.weight', 'V1.bias', 'adamw.m/V1.weight'"));
        Assert.That(NamedArray.From("b", bias).Values, Is.EqualTo(bias.ToArray()));
    }

    [Test]
    public void AFailedWriteLeavesTheOldCheckpointAndNoTemporaryFile()
    {
        string path = folder.PathOf("checkpoint.ckpt");
        CheckpointFile.Write(path, Sample(scale: 1));
        byte[] before = File.ReadAllBytes(path);
        var e = Assert.Throws<CheckpointError>(() => CheckpointFile.Write(path, Sample(scale: 2), s => new FailingStream(s, failAfter: 100)))!;
        Assert.That(e.Message, Does.StartWith($"checkpoint {path}: cannot be written (disk full, simulated)").And.Contain("previous checkpoint there is unchanged"));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(before));
        Assert.That(CheckpointFile.Read(path).Get("V1.bias").Values[0], Is.EqualTo(0.5f));
        Assert.That(Directory.GetFiles(folder.Directory), Is.EqualTo(new[] { path }), "the temporary file is removed");
        CheckpointFile.Write(path, Sample(scale: 2));
        Assert.That(CheckpointFile.Read(path).Get("V1.bias").Values[0], Is.EqualTo(1f), "a later write replaces it");
    }

    [Test]
    public void FingerprintMismatchNamesBoth()
    {
        string path = folder.PathOf("c.ckpt");
        CheckpointFile.Write(path, Sample("sha256:aaaa"));
        var read = CheckpointFile.Read(path);
        read.EnsureFingerprint("sha256:aaaa");
        var e = Assert.Throws<CheckpointError>(() => read.EnsureFingerprint("sha256:bbbb", "B"))!;
        Assert.That(e.Message, Is.EqualTo($"checkpoint {path} belongs to a different network: it was written by a network with fingerprint sha256:aaaa, " +
                                          "but the network 'B' it is being loaded into has fingerprint sha256:bbbb"));
    }

    [Test]
    public void FingerprintsFollowNamesAndShapes()
    {
        var a = Fingerprints.OfParameters([("V1.weight", new Shape(32, 1, 3, 3)), ("V1.bias", new Shape(32))]);
        Assert.That(a, Does.Match("^sha256:[0-9a-f]{16}$"));
        Assert.That(Fingerprints.OfParameters([("V1.weight", new Shape(32, 1, 3, 3)), ("V1.bias", new Shape(32))]), Is.EqualTo(a));
        Assert.That(Fingerprints.OfParameters([("V1.weight", new Shape(32, 1, 5, 5)), ("V1.bias", new Shape(32))]), Is.Not.EqualTo(a));
        Assert.That(Fingerprints.OfParameters([("V1.bias", new Shape(32)), ("V1.weight", new Shape(32, 1, 3, 3))]), Is.Not.EqualTo(a));
    }

    private string Corrupt(Action<byte[]> change, Func<byte[], byte[]>? resize = null)
    {
        string path = folder.PathOf("c.ckpt");
        CheckpointFile.Write(path, Sample());
        var bytes = File.ReadAllBytes(path);
        change(bytes);
        File.WriteAllBytes(path, resize is null ? bytes : resize(bytes));
        return path;
    }

    [Test]
    public void CorruptedFilesNameTheFileAndTheProblem()
    {
        string Message(string path) => Assert.Throws<CheckpointError>(() => CheckpointFile.Read(path))!.Message;

        string path = Corrupt(_ => { }, b => b[..^40]);
        Assert.That(Message(path), Does.StartWith($"checkpoint {path}: truncated: the header promises").And.Contain($"the file has {new FileInfo(path).Length}"));

        path = Corrupt(b => b[0] = (byte)'X');
        Assert.That(Message(path), Does.StartWith($"checkpoint {path}: not a Cortex checkpoint"));

        path = Corrupt(b => b[8] = 9);
        Assert.That(Message(path), Is.EqualTo($"checkpoint {path}: format version 9, but this Cortex reads version 1"));

        path = Corrupt(b => b[b.Length / 2] ^= 0x10);
        Assert.That(Message(path), Is.EqualTo($"checkpoint {path}: corrupted: the SHA-256 checksum of its contents does not match the one stored in it"));

        path = Corrupt(_ => { }, b => [.. b, 0]);
        Assert.That(Message(path), Does.StartWith($"checkpoint {path}: corrupted: the header promises"));

        path = Corrupt(_ => { }, b => b[..10]);
        Assert.That(Message(path), Does.Contain("truncated: 10 bytes, shorter than the 24-byte header"));

        Assert.That(Message(folder.PathOf("absent.ckpt")), Does.StartWith($"checkpoint {folder.PathOf("absent.ckpt")}: cannot be read"));
    }

    /// <summary>Passes writes through until <c>failAfter</c> bytes, then fails as a full disk would.</summary>
    private sealed class FailingStream(Stream inner, int failAfter) : Stream
    {
        private int written;

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (written + buffer.Length > failAfter) throw new IOException("disk full, simulated");
            written += buffer.Length;
            inner.Write(buffer);
        }

        public override void Flush() => inner.Flush();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
