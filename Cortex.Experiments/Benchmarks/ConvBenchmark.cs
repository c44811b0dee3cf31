using System.Diagnostics;
using Cortex.Core.Backends;
using Cortex.Core.Kernels;
using Cortex.Core.Tensors;

namespace Cortex.Experiments.Benchmarks;

/// <summary>
/// The machine's sgemm rate and the achieved rate of every convolution pass of the reference network
/// (docs/performance.md), measured in one run so that ratios are meaningful on a noisy shared machine; on the CPU also
/// the FMA peak (<see cref="FmaPeak"/>), the physical limit. FLOPs are counted as 2·B·Co·Ho·Wo·Ci·Kh·Kw per pass (bias
/// and im2col work are not counted).
/// </summary>
internal static class ConvBenchmark
{
    public sealed record Layer(string Name, int InChannels, int OutChannels, int Size);

    /// <summary>The reference network's convolutions (3×3, stride 1, padding 1).</summary>
    public static readonly IReadOnlyList<Layer> ReferenceLayers =
    [
        new("image→V1", 1, 32, 28),
        new("V1→V1", 32, 32, 28),
        new("V1→V2", 32, 64, 14),
        new("V2→V2", 64, 64, 14),
        new("V2→V1 (upsampled)", 64, 32, 28),
    ];

    /// <summary>How long each sample of the FMA peak runs: about as long as one 1024³ product, or a convolution pass at batch 128.</summary>
    public const double FmaWindowMilliseconds = 10;

    /// <summary>One pass of one layer; <see cref="PercentOfFmaPeak"/> is null off the CPU.</summary>
    public sealed record Row(string Layer, string Channels, string Size, string Pass, double Gflop, double Milliseconds, double GflopPerSecond, double PercentOfSgemm,
        double? PercentOfFmaPeak = null);

    public sealed record Report(string Device, int Batch, int GemmSize, int Repeats, double SgemmGflopPerSecond, int SgemmSampleCount, IReadOnlyList<Row> Rows,
        double ForwardGflopPerSecond, double BackwardGflopPerSecond, double TotalGflop, double TotalMilliseconds, double TotalGflopPerSecond,
        double PercentOfSgemm, DateTime MeasuredUtc, string Machine)
    {
        /// <summary>The arithmetic of the convolutions (<see cref="ConvPrecisions.Describe"/>); the sgemm rate is always strict FP32.</summary>
        public string Precision { get; init; } = "";

        /// <summary>On the CPU: the best FMA-peak window (<see cref="FmaPeak.Window"/>, <see cref="FmaWindowMilliseconds"/> each), sampled with sgemm; else null.</summary>
        public double? FmaPeakGflopPerSecond { get; init; }

        /// <summary>The FMA-peak windows taken.</summary>
        public int FmaSampleCount { get; init; }

        /// <summary>Convolutions forward + backward as a percentage of <see cref="FmaPeakGflopPerSecond"/>.</summary>
        public double? PercentOfFmaPeak => 100 * TotalGflopPerSecond / FmaPeakGflopPerSecond;
    }

    public static Report Run(IBackend<float> backend, int batch, int gemmSize, int repeats, Action<string> progress)
    {
        progress($"sgemm {gemmSize}³ …");
        // The sgemm rate is sampled before the convolutions and again after each layer, and the best sample is
        // used, as each convolution pass's best time is: on a shared machine the load drifts and only slows
        // things down, so best against best estimates the idle machine, and interleaving keeps the two fair.
        var sgemmSamples = new List<double>(SgemmSamples(backend, gemmSize, repeats));
        // On the CPU the FMA peak is sampled alongside, in windows about as long as a product.
        var cpu = backend as CpuBackend<float>;
        var fmaSamples = new List<double>();
        if (cpu is not null) fmaSamples.AddRange(FmaWindows(cpu, repeats));
        var rows = new List<Row>();
        double fwdFlop = 0, fwdMs = 0, bwdFlop = 0, bwdMs = 0;
        foreach (var layer in ReferenceLayers)
        {
            progress($"{layer.Name} …");
            var shapeX = new Shape(batch, layer.InChannels, layer.Size, layer.Size);
            var shapeY = new Shape(batch, layer.OutChannels, layer.Size, layer.Size);
            var shapeW = new Shape(layer.OutChannels, layer.InChannels, 3, 3);
            using var x = Filled(backend, shapeX, 1);
            using var w = Filled(backend, shapeW, 2);
            using var bias = Filled(backend, new Shape(layer.OutChannels), 3);
            using var y = backend.Allocate(shapeY);
            using var dy = Filled(backend, shapeY, 4);
            using var dx = backend.Allocate(shapeX);
            using var dw = backend.Allocate(shapeW);
            using var dbias = backend.Allocate(new Shape(layer.OutChannels));
            double gflop = 2.0 * batch * layer.OutChannels * layer.Size * layer.Size * layer.InChannels * 9 / 1e9;
            double f = Time(backend, repeats, () => Conv2d.Forward(x, w, bias, y, stride: 1, padding: 1));
            double d = Time(backend, repeats, () => Conv2d.BackwardData(dy, w, dx, stride: 1, padding: 1, accumulate: false));
            double g = Time(backend, repeats, () => Conv2d.BackwardWeights(x, dy, dw, dbias, stride: 1, padding: 1));
            foreach (var (pass, ms) in new[] { ("forward", f), ("backward data", d), ("backward weights", g) })
                rows.Add(new Row(layer.Name, $"{layer.InChannels}→{layer.OutChannels}", $"{layer.Size}×{layer.Size}", pass, gflop, ms, gflop / ms * 1e3, 0));
            fwdFlop += gflop; fwdMs += f;
            bwdFlop += 2 * gflop; bwdMs += d + g;
            sgemmSamples.AddRange(SgemmSamples(backend, gemmSize, 1));
            if (cpu is not null) fmaSamples.AddRange(FmaWindows(cpu, 1));
        }
        double sgemm = sgemmSamples.Max();
        double? fma = fmaSamples.Count > 0 ? fmaSamples.Max() : null;
        for (int i = 0; i < rows.Count; i++)
            rows[i] = rows[i] with { PercentOfSgemm = 100 * rows[i].GflopPerSecond / sgemm, PercentOfFmaPeak = 100 * rows[i].GflopPerSecond / fma };
        double total = fwdFlop + bwdFlop, totalMs = fwdMs + bwdMs;
        return new Report(backend.Description, batch, gemmSize, repeats, sgemm, sgemmSamples.Count, rows, fwdFlop / fwdMs * 1e3, bwdFlop / bwdMs * 1e3,
            total, totalMs, total / totalMs * 1e3, 100 * total / totalMs * 1e3 / sgemm, DateTime.UtcNow, MachineDescription())
        {
            Precision = ConvPrecisions.Describe(backend),
            FmaPeakGflopPerSecond = fma,
            FmaSampleCount = fmaSamples.Count,
        };
    }

    private static IEnumerable<double> FmaWindows(CpuBackend<float> cpu, int count) =>
        Enumerable.Range(0, count).Select(_ => FmaPeak.Window(cpu, FmaWindowMilliseconds)).ToArray();

    /// <summary>GFLOP/s of <paramref name="count"/> timed n×n×n single-precision products on this backend.</summary>
    public static IEnumerable<double> SgemmSamples(IBackend<float> backend, int n, int count)
    {
        var shape = new Shape(n, n);
        using var a = Filled(backend, shape, 5);
        using var b = Filled(backend, shape, 6);
        using var c = backend.Allocate(shape);
        var times = Times(backend, count, () => backend.Gemm(false, false, n, n, n, 1f, a, n, b, n, 0f, c, n));
        return times.Select(ms => 2.0 * n * n * n / ms / 1e6).ToArray();
    }

    /// <summary>
    /// GFLOP/s of n×n×n single-precision products run back to back for at least <paramref name="milliseconds"/>: the sgemm
    /// rate sustained over a window as long as the work it is compared with (a short burst catches the quiet moments of a
    /// shared machine more easily than a long one does).
    /// </summary>
    public static double SgemmWindow(IBackend<float> backend, int n, double milliseconds)
    {
        var shape = new Shape(n, n);
        using var a = Filled(backend, shape, 5);
        using var b = Filled(backend, shape, 6);
        using var c = backend.Allocate(shape);
        backend.Gemm(false, false, n, n, n, 1f, a, n, b, n, 0f, c, n);
        backend.Synchronize();
        int products = 0;
        var clock = Stopwatch.StartNew();
        do
        {
            backend.Gemm(false, false, n, n, n, 1f, a, n, b, n, 0f, c, n);
            backend.Synchronize();
            products++;
        } while (clock.Elapsed.TotalMilliseconds < milliseconds);
        return 2.0 * n * n * n * products / clock.Elapsed.TotalMilliseconds / 1e6;
    }

    /// <summary>The best (smallest) milliseconds of <paramref name="repeats"/> timed runs after warm-up runs.</summary>
    public static double Time(IBackend<float> backend, int repeats, Action action) => Times(backend, repeats, action).Min();

    private static double[] Times(IBackend<float> backend, int repeats, Action action)
    {
        for (int i = 0; i < 2; i++) action();
        backend.Synchronize();
        var times = new double[repeats];
        for (int i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            backend.Synchronize();
            times[i] = clock.Elapsed.TotalMilliseconds;
        }
        return times;
    }


    private static Tensor<float> Filled(IBackend<float> backend, Shape shape, int seed)
    {
        var random = new Random(seed);
        var values = new float[shape.Size];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() - 0.5);
        var t = backend.Allocate(shape);
        t.CopyFrom(values);
        return t;
    }

    public static string MachineDescription()
    {
        string cpu = "unknown CPU";
        try
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"))?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException) { }
        return $"{cpu}, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}";
    }
}
