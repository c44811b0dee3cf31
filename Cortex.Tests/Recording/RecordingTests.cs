using System.Text.Json;
using Cortex.Connectivity;
using Cortex.Connectivity.Building;
using Cortex.Core.Backends;
using Cortex.Core.Simulation;
using Cortex.Core.Tensors;
using Cortex.Experiments.Data;
using Cortex.Experiments.Recording;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Recording;

/// <summary>Recording area states and writing them as NumPy and HDF5, checked against the network and against numpy and h5py.</summary>
public sealed class RecordingTests
{
    /// <summary>A spatial area with lateral and feedback input and a vector area: both kinds of state shape.</summary>
    public const string TinyNetwork = """
        name: tiny
        time: { steps: 3 }
        input: { shape: [1, 6, 5] }
        areas:
          - { name: V1, level: 1, shape: [2, 6, 5], activation: relu }
          - { name: IT, level: 2, shape: [3], activation: tanh }
        projections:
          - { from: image, to: V1, type: feedforward, kernel: 3 }
          - { from: V1, to: V1, type: lateral, kernel: 3 }
          - { from: V1, to: IT, type: feedforward, connectivity: dense }
          - { from: IT, to: V1, type: feedback, connectivity: dense }
        readout: { from: IT, classes: 4 }
        """;

    private static readonly int[] Chosen = [6, 0, 3, 2, 5];

    private DirectoryInfo folder = null!;
    private CpuBackend<float> backend = null!;
    private LoadedNetwork loaded = null!;
    private Network<float> network = null!;
    private Dataset data = null!;

    [SetUp]
    public void Build()
    {
        folder = Directory.CreateTempSubdirectory("cortex-recording");
        backend = new CpuBackend<float>();
        loaded = NetworkLoader.Parse(TinyNetwork, "tiny.yaml");
        network = NetworkBuilder.Build(loaded, backend, seed: 5);
        data = Images(7);
    }

    [TearDown]
    public void Release()
    {
        network.Dispose();
        backend.Dispose();
        folder.Delete(recursive: true);
    }

    /// <summary><paramref name="count"/> seeded images [1, 6, 5] in [0, 1], labels n mod 4.</summary>
    public static Dataset Images(int count)
    {
        var random = new Random(11);
        var pixels = new float[count * 30];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (float)random.NextDouble();
        return new Dataset("seeded", pixels, new Shape(1, 6, 5), [.. Enumerable.Range(0, count).Select(n => n % 4)], ["a", "b", "c", "d"]);
    }

    [Test]
    public void RecordedStatesAreTheNetworksStatesImageByImage()
    {
        // Batches of 2 over 5 images: the last batch is padded; the order of the chosen images is kept.
        var recording = StateRecorder.Record(network, loaded, data, Chosen, batchSize: 2);
        Assert.That(recording.Layout.Areas.Select(a => a.Name), Is.EqualTo(new[] { "V1", "IT" }));
        Assert.That(recording.Layout.Areas[0].Shape, Is.EqualTo(new[] { 2, 6, 5 }));
        Assert.That(recording.Layout.Areas[1].Shape, Is.EqualTo(new[] { 3 }));
        Assert.That(recording.Layout.Steps, Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(recording.Layout.Labels, Is.EqualTo(new[] { 2, 0, 3, 2, 1 }));
        Assert.That(recording.Layout.Config, Does.Contain("name: 'tiny'"));
        Assert.That(JsonDocument.Parse(recording.Layout.Ledger).RootElement.GetProperty("synapses").GetInt64(), Is.EqualTo(loaded.Ledger.Synapses));
        for (int i = 0; i < Chosen.Length; i++)
        {
            network.Forward(data.Image(Chosen[i]), 1, training: false);
            foreach (var area in new[] { "V1", "IT" })
                for (int t = 1; t <= 3; t++)
                    Assert.That(recording.State(area, i, t).ToArray(), Is.EqualTo(network.State(area, t).ToArray()).Within(1e-5f), $"{area} image {i} t={t}");
        }
        Assert.That(recording.State("V1", 0, 3).ToArray(), Has.Some.Not.EqualTo(0f), "a state that is not all zeros");
    }

    [Test]
    public void ChosenAreasAndStepsOnly()
    {
        var recording = StateRecorder.Record(network, loaded, data, [1, 2], areas: ["IT"], steps: [3, 0]);
        Assert.That(recording.Layout.Areas.Select(a => a.Name), Is.EqualTo(new[] { "IT" }));
        Assert.That(recording.Layout.Steps, Is.EqualTo(new[] { 0, 3 }));
        Assert.That(recording.State("IT", 1, 0).ToArray(), Is.All.EqualTo(0f), "the initial state is zero");
        Assert.That(() => recording.State("V1", 0, 1), Throws.ArgumentException.With.Message.Contains("recorded: IT"));
        Assert.That(() => StateRecorder.Plan(network, loaded, data, [0], areas: ["V4"]), Throws.ArgumentException.With.Message.Contains("no area 'V4'"));
        Assert.That(() => StateRecorder.Plan(network, loaded, data, [0], steps: [4]), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("0..3"));
        Assert.That(() => StateRecorder.Plan(network, loaded, data, [7]), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("0..6"));
    }

    [TestCase(RecordingFormat.Npy, "rec")]
    [TestCase(RecordingFormat.Hdf5, "rec.h5")]
    public void FilesReadBackExactly(RecordingFormat format, string name)
    {
        var expected = StateRecorder.Record(network, loaded, data, Chosen);
        string path = Path.Combine(folder.FullName, name);
        using (var writer = RecordingFiles.Create(format, path, expected.Layout))
            StateRecorder.Run(network, data, expected.Layout, writer, batchSize: 2);
        var read = RecordingFiles.Read(path);
        Assert.That(read.Layout.Network, Is.EqualTo("tiny"));
        Assert.That(read.Layout.Dataset, Is.EqualTo("seeded"));
        Assert.That(read.Layout.Images, Is.EqualTo(Chosen));
        Assert.That(read.Layout.Labels, Is.EqualTo(expected.Layout.Labels));
        Assert.That(read.Layout.Steps, Is.EqualTo(expected.Layout.Steps));
        Assert.That(read.Layout.ClassNames, Is.EqualTo(expected.Layout.ClassNames));
        Assert.That(read.Layout.Config, Is.EqualTo(expected.Layout.Config));
        Assert.That(JsonDocument.Parse(read.Layout.Ledger).RootElement.GetProperty("synapses").GetInt64(), Is.EqualTo(loaded.Ledger.Synapses));
        Assert.That(read.Layout.Areas.Select(a => (a.Name, string.Join("x", a.Shape))), Is.EquivalentTo(new[] { ("V1", "2x6x5"), ("IT", "3") }));
        foreach (var area in new[] { "V1", "IT" })
            Assert.That(read.Values(area), Is.EqualTo(expected.Values(area)), area);
    }

    [Test]
    public void NumpyReadsTheNpyFolder()
    {
        var expected = StateRecorder.Record(network, loaded, data, Chosen);
        string path = Path.Combine(folder.FullName, "rec");
        using (var writer = NpyRecording.Create(path, expected.Layout))
            StateRecorder.Run(network, data, expected.Layout, writer, batchSize: 3);
        var output = Python.Run("""
            import json, sys, numpy
            d = sys.argv[1]
            v1, it = numpy.load(d + '/V1.npy'), numpy.load(d + '/IT.npy')
            meta = json.load(open(d + '/meta.json'))
            print(json.dumps({
                'v1_shape': list(v1.shape), 'it_shape': list(it.shape), 'dtype': str(v1.dtype), 'contiguous': bool(v1.flags.c_contiguous),
                'labels': numpy.load(d + '/labels.npy').tolist(), 'images': numpy.load(d + '/images.npy').tolist(),
                'steps': numpy.load(d + '/steps.npy').tolist(),
                'v1_at': float(v1[3, 1, 1, 4, 2]), 'it_at': float(it[4, 2, 1]),
                'v1_sums': v1.astype('f8').sum(axis=(2, 3, 4)).tolist(), 'it_sums': it.astype('f8').sum(axis=2).tolist(),
                'network': meta['network'], 'synapses': meta['ledger']['synapses'], 'config': meta['config'], 'classes': meta['class_names'],
            }))
            """, ["numpy"], path);
        Check(JsonDocument.Parse(output).RootElement, expected);
    }

    [Test]
    public void H5pyReadsTheHdf5File()
    {
        var expected = StateRecorder.Record(network, loaded, data, Chosen);
        string path = Path.Combine(folder.FullName, "rec.h5");
        using (var writer = Hdf5Recording.Create(path, expected.Layout))
            StateRecorder.Run(network, data, expected.Layout, writer, batchSize: 3);
        var output = Python.Run("""
            import json, sys, numpy, h5py
            with h5py.File(sys.argv[1], 'r') as f:
                v1, it = f['states/V1'][:], f['states/IT'][:]
                text = lambda v: v.decode() if isinstance(v, bytes) else str(v)
                print(json.dumps({
                    'v1_shape': list(v1.shape), 'it_shape': list(it.shape), 'dtype': str(v1.dtype), 'contiguous': bool(v1.flags.c_contiguous),
                    'labels': f['labels'][:].tolist(), 'images': f['images'][:].tolist(), 'steps': f['steps'][:].tolist(),
                    'v1_at': float(v1[3, 1, 1, 4, 2]), 'it_at': float(it[4, 2, 1]),
                    'v1_sums': v1.astype('f8').sum(axis=(2, 3, 4)).tolist(), 'it_sums': it.astype('f8').sum(axis=2).tolist(),
                    'network': text(f.attrs['network']), 'synapses': json.loads(text(f.attrs['ledger']))['synapses'],
                    'config': text(f.attrs['config']), 'classes': [text(c) for c in f['class_names'][:]],
                    'area_steps': f['states/V1'].attrs['steps'].tolist(),
                }))
            """, ["numpy", "h5py"], path);
        var json = JsonDocument.Parse(output).RootElement;
        Check(json, expected);
        Assert.That(json.GetProperty("area_steps").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 1, 2, 3 }));
    }

    /// <summary>Shapes, dtype, metadata, one element by index and the sum of every (image, step) block, as numpy or h5py saw them.</summary>
    private void Check(JsonElement json, RecordedStates expected)
    {
        int[] Ints(string key) => [.. json.GetProperty(key).EnumerateArray().Select(e => e.GetInt32())];
        Assert.That(Ints("v1_shape"), Is.EqualTo(new[] { 5, 3, 2, 6, 5 }));
        Assert.That(Ints("it_shape"), Is.EqualTo(new[] { 5, 3, 3 }));
        Assert.That(json.GetProperty("dtype").GetString(), Is.EqualTo("float32"));
        Assert.That(json.GetProperty("contiguous").GetBoolean(), Is.True);
        Assert.That(Ints("labels"), Is.EqualTo(expected.Layout.Labels));
        Assert.That(Ints("images"), Is.EqualTo(Chosen));
        Assert.That(Ints("steps"), Is.EqualTo(new[] { 1, 2, 3 }));
        // v1[3, 1, 1, 4, 2]: image 3, the second recorded step (t = 2), channel 1, row 4, column 2.
        Assert.That(json.GetProperty("v1_at").GetDouble(), Is.EqualTo((double)expected.State("V1", 3, 2)[1 * 30 + 4 * 5 + 2]));
        Assert.That(json.GetProperty("it_at").GetDouble(), Is.EqualTo((double)expected.State("IT", 4, 3)[1]));
        foreach (var (area, key) in new[] { ("V1", "v1_sums"), ("IT", "it_sums") })
        {
            var sums = json.GetProperty(key).EnumerateArray().Select(row => row.EnumerateArray().Select(e => e.GetDouble()).ToArray()).ToArray();
            for (int i = 0; i < 5; i++)
                for (int k = 0; k < 3; k++)
                {
                    double sum = 0;
                    foreach (float v in expected.State(area, i, k + 1)) sum += v;
                    Assert.That(sums[i][k], Is.EqualTo(sum).Within(1e-9).Percent, $"{area} image {i} step {k + 1}");
                }
        }
        Assert.That(json.GetProperty("network").GetString(), Is.EqualTo("tiny"));
        Assert.That(json.GetProperty("synapses").GetInt64(), Is.EqualTo(loaded.Ledger.Synapses));
        Assert.That(json.GetProperty("config").GetString(), Is.EqualTo(expected.Layout.Config));
        Assert.That(json.GetProperty("classes").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "a", "b", "c", "d" }));
    }
}
