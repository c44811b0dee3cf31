using System.Text;
using Cortex.Experiments.Data;
using Cortex.Experiments.Recording;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Recording;

public sealed class NpyFileTests
{
    private DirectoryInfo folder = null!;

    [SetUp]
    public void MakeFolder() => folder = Directory.CreateTempSubdirectory("cortex-npy");

    [TearDown]
    public void RemoveFolder() => folder.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(folder.FullName, name);

    [Test]
    public void HeaderIsVersion1WithTheDictPaddedTo64Bytes()
    {
        string path = PathOf("a.npy");
        NpyFile.Write<float>(path, [0f, 1f, 2f, 3f, 4f, 5f], 2, 3);
        var bytes = File.ReadAllBytes(path);
        // 6 magic + 2 version + 2 length + 118 header = 128 bytes, then 6 float32 = 24 bytes.
        Assert.That(bytes, Has.Length.EqualTo(128 + 24));
        Assert.That(bytes[..8], Is.EqualTo(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 }));
        Assert.That(bytes[8] | bytes[9] << 8, Is.EqualTo(118));
        string dict = Encoding.ASCII.GetString(bytes, 10, 118);
        Assert.That(dict, Does.StartWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }   "));
        Assert.That(dict[^1], Is.EqualTo('\n'));
        Assert.That(BitConverter.ToSingle(bytes, 128 + 4 * 5), Is.EqualTo(5f));
    }

    [Test]
    public void OneDimensionalShapesAreTuplesOfOne()
    {
        string path = PathOf("labels.npy");
        NpyFile.Write<int>(path, [7, 1, 9], 3);
        Assert.That(Encoding.ASCII.GetString(File.ReadAllBytes(path), 10, 60), Does.Contain("'descr': '<i4'").And.Contain("'shape': (3,)"));
        var (values, shape) = NpyFile.Read<int>(path);
        Assert.That(values, Is.EqualTo(new[] { 7, 1, 9 }));
        Assert.That(shape, Is.EqualTo(new long[] { 3 }));
    }

    [Test]
    public void BytesEqualNumpysOwnSave()
    {
        string ours = PathOf("ours.npy"), theirs = PathOf("theirs.npy");
        NpyFile.Write<float>(ours, [0.5f, -1.25f, 3f, 1e-7f, 2f, 7f], 2, 3);
        Python.Run("import numpy, sys; numpy.save(sys.argv[1], numpy.array([[0.5, -1.25, 3], [1e-7, 2, 7]], dtype='<f4'))", ["numpy"], theirs);
        Assert.That(File.ReadAllBytes(ours), Is.EqualTo(File.ReadAllBytes(theirs)));
    }

    [Test]
    public void HeadersPast64KiBUseVersion2()
    {
        // A shape of 30,000 ones needs a header of about 90,000 characters: more than version 1.0's uint16 length.
        string path = PathOf("wide.npy");
        var shape = Enumerable.Repeat(1L, 30_000).ToArray();
        NpyFile.Write<float>(path, [42f], shape);
        var bytes = File.ReadAllBytes(path);
        Assert.That(bytes[6], Is.EqualTo(2));
        Assert.That((12 + BitConverter.ToUInt32(bytes, 8)) % 64, Is.EqualTo(0));
        var (values, read) = NpyFile.Read<float>(path);
        Assert.That(values, Is.EqualTo(new[] { 42f }));
        Assert.That(read, Has.Length.EqualTo(30_000));
    }

    [Test]
    public void BadFilesAreNamedErrors()
    {
        string path = PathOf("bad.npy");
        File.WriteAllText(path, "not numpy");
        Assert.That(() => NpyFile.Read<float>(path), Throws.TypeOf<DataError>().With.Message.Contains("not a .npy file"));

        NpyFile.Write<float>(path, [1f, 2f, 3f, 4f], 2, 2);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^4]);
        Assert.That(() => NpyFile.Read<float>(path), Throws.TypeOf<DataError>().With.Message.Contains("truncated"));

        Assert.That(() => NpyFile.Read<int>(PathOf("missing.npy")), Throws.TypeOf<DataError>().With.Message.Contains("cannot be read"));

        File.WriteAllBytes(path, bytes);
        Assert.That(() => NpyFile.Read<int>(path), Throws.TypeOf<DataError>().With.Message.Contains("holds <f4 elements, expected <i4"));

        var fortran = Encoding.Latin1.GetBytes(Encoding.Latin1.GetString(bytes).Replace("'fortran_order': False", "'fortran_order': True "));
        File.WriteAllBytes(path, fortran);
        Assert.That(() => NpyFile.Read<float>(path), Throws.TypeOf<DataError>().With.Message.Contains("Fortran order"));
    }
}
