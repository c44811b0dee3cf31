using System.Collections.Concurrent;
using System.Diagnostics;
using System.Numerics;
using System.Reflection;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;
using ILGPU;
using ILGPU.Runtime;

namespace Cortex.Core.Kernels;

/// <summary>How the GPU half computes a convolution pass (see <see cref="IlgpuBackend{T}.ConvAlgorithm"/>).</summary>
public enum ConvAlgorithm
{
    /// <summary>
    /// Chosen per pass and shape: on CUDA with autotuning on, by measuring both once (logged); otherwise by rule — TF32
    /// takes the implicit GEMM, FP32 the column matrix and a matrix product (and few input channels the direct kernels).
    /// </summary>
    Auto,

    /// <summary>Unfold into a column matrix (im2col), one matrix product per chunk (cuBLAS on CUDA), gather.</summary>
    Im2colGemm,

    /// <summary>The tiled implicit-GEMM kernel (tensor cores for TF32 on CUDA), no column matrix.</summary>
    ImplicitGemm,
}

/// <summary>The three passes of a convolution, for choosing and reporting how each is computed.</summary>
internal enum ConvPass
{
    Forward,
    BackwardData,
    BackwardWeights,
}

/// <summary>The fragment product an implicit-GEMM launch uses (Conv2d.Gpu.Fragments.cs).</summary>
internal enum FragmentProduct
{
    /// <summary><see cref="StrictProduct{T}"/>: FP32 (or FP64) sums.</summary>
    Strict,

    /// <summary><see cref="Tf32Emulated"/>: TF32 operands, exact emulation (any accelerator).</summary>
    Tf32Emulated,

    /// <summary><see cref="Tf32TensorCores"/>: mma.sync on tensor cores (CUDA, one thread per lane).</summary>
    Tf32TensorCores,
}

// The host side of the implicit GEMM: tiles, slices, the fragment product, the launch; and the choice between it and
// the column-matrix path.
public static partial class Conv2d
{
    /// <summary>
    /// Whether this pass takes the implicit GEMM: forced by <see cref="IlgpuBackend{T}.ConvAlgorithm"/>; else, on CUDA with
    /// autotuning, the faster of the two as measured once per pass, shape and precision by <paramref name="measure"/>
    /// (which runs the pass into scratch outputs, implicit or not); else TF32 takes it and FP32 does not.
    /// </summary>
    private static bool UseImplicit<T>(IlgpuBackend<T> gpu, ConvPass pass, Conv2dGeometry g, Action<bool> measure)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (gpu.ConvAlgorithm)
        {
            case ConvAlgorithm.ImplicitGemm: return true;
            case ConvAlgorithm.Im2colGemm: return false;
        }
        var precision = gpu.ConvPrecision;
        bool rule = precision == ConvPrecision.Tf32;
        if (!gpu.Autotune || gpu.Capturing) return rule;
        var key = new ConvChoiceKey(pass, g, precision);
        if (gpu.ConvChoices.TryGetValue(key, out bool known)) return known;
        double implicitMs = BestOf(gpu, () => measure(true)), im2colMs = BestOf(gpu, () => measure(false));
        bool choice = implicitMs < im2colMs;
        gpu.ConvChoices[key] = choice;
        Log.Info($"conv autotune: {Describe(pass, g)} {precision.Name()}: implicit GEMM {implicitMs:F3} ms, im2col + " +
            $"{(gpu.Kind == DeviceKind.Cuda ? "cuBLAS" : "GEMM")} {im2colMs:F3} ms → {(choice ? "implicit GEMM" : "im2col")}");
        return choice;
    }

    /// <summary>The best of three timed runs after one warm-up (which also loads the kernels).</summary>
    private static double BestOf<T>(IlgpuBackend<T> gpu, Action run) where T : unmanaged, IFloatingPointIeee754<T>
    {
        run();
        gpu.Synchronize();
        double best = double.MaxValue;
        for (int i = 0; i < 3; i++)
        {
            var clock = Stopwatch.StartNew();
            run();
            gpu.Synchronize();
            best = Math.Min(best, clock.Elapsed.TotalMilliseconds);
        }
        return best;
    }

    internal static string Describe(ConvPass pass, Conv2dGeometry g) =>
        $"{pass switch { ConvPass.Forward => "forward", ConvPass.BackwardData => "backward data", _ => "backward weights" }} " +
        $"x [{g.Batch}, {g.InChannels}, {g.InHeight}, {g.InWidth}] w [{g.OutChannels}, {g.InChannels}, {g.KernelHeight}, {g.KernelWidth}] " +
        $"stride {g.Stride} padding {g.Padding}";

    private static void ImplicitForward<T>(IlgpuBackend<T> gpu, Conv2dGeometry g, Tensor<T> x, Tensor<T> w, Tensor<T>? bias, Tensor<T> y, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var p = new ForwardGemm<T>(x.View, w.View, (bias ?? w).View, y.View, Lowering.Of(g), g.OutChannels, g.Batch, bias is not null, accumulate);
        LaunchImplicit(gpu, p, TilingOf(p.M, p.N, p.K, slices: 1));
    }

    private static void ImplicitBackwardData<T>(IlgpuBackend<T> gpu, Conv2dGeometry g, Tensor<T> dy, Tensor<T> w, Tensor<T> dx, bool accumulate)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var p = new DataGemm<T>(dy.View, w.View, dx.View, Lowering.Of(g), g.OutChannels, g.Batch, accumulate);
        LaunchImplicit(gpu, p, TilingOf(p.M, p.N, p.K, slices: 1));
    }

    /// <summary>dw += …, dbias += Σ dy: the reduction over images and pixels cut into slices (partial sums), added in slice order.</summary>
    private static void ImplicitBackwardWeights<T>(IlgpuBackend<T> gpu, Conv2dGeometry g, Tensor<T> x, Tensor<T> dy, Tensor<T> dw, Tensor<T>? dbias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var l = Lowering.Of(g);
        int co = g.OutChannels, rows = dbias is null ? l.K : l.K + 1, reduction = g.Batch * l.N;
        var tiling = TilingOf(co, rows, reduction, SlicesOf<T>(co, rows, reduction));
        var partials = gpu.Workspace("conv.partials", (long)tiling.Slices * co * rows);
        LaunchImplicit(gpu, new WeightGemm<T>(x.View, dy.View, partials, l, co, g.Batch, rows), tiling);
        gpu.Launch(AddSlicesKernel, co * rows, partials, dw.View, (dbias ?? dw).View, new Slices(tiling.Slices, co * rows, l.K, rows));
    }

    /// <summary>
    /// Blocks of 32 × 128 for products of at most 32 rows (the output channels of a small layer), else 64 × 64; the
    /// reduction in <paramref name="slices"/> slices of a whole number of staging steps.
    /// </summary>
    internal static GemmTiling TilingOf(int m, int n, int k, int slices)
    {
        var (warpsM, warpsN) = m <= 32 ? (1, 4) : (2, 2);
        int length = (k + slices - 1) / slices;
        length = Math.Max(TileK, (length + TileK - 1) / TileK * TileK);
        slices = Math.Max(1, (k + length - 1) / length);
        return new GemmTiling(warpsM, warpsN, (m + 32 * warpsM - 1) / (32 * warpsM), (n + 32 * warpsN - 1) / (32 * warpsN), length, slices);
    }

    /// <summary>
    /// Slices of the weight gradient's reduction: enough for about TargetBlocks blocks, none shorter than MinSliceColumns,
    /// partial sums within <see cref="PartialBytes"/>.
    /// </summary>
    private static int SlicesOf<T>(int m, int n, int k) where T : unmanaged
    {
        var t = Tuning;
        var tiling = TilingOf(m, n, k, 1);
        long tiles = (long)tiling.TilesM * tiling.TilesN;
        long slices = Math.Max(1, t.TargetBlocks / tiles);
        slices = Math.Min(slices, Math.Max(1, k / Math.Max(1, t.MinSliceColumns)));
        slices = Math.Min(slices, Math.Max(1, PartialBytes / System.Runtime.CompilerServices.Unsafe.SizeOf<T>() / ((long)m * n)));
        return (int)slices;
    }

    /// <summary>
    /// Launches the implicit GEMM on <paramref name="gpu"/>: one thread per lane on CUDA, else as many as a group may hold
    /// (a divisor of the lanes); TF32 on tensor cores where every lane has its thread on CUDA, emulated elsewhere; strict
    /// sums for FP32 and FP64.
    /// </summary>
    private static void LaunchImplicit<T, TProblem>(IlgpuBackend<T> gpu, TProblem p, GemmTiling tiling)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TProblem : struct, IImplicitGemm<T>
    {
        int threads = GroupSize(gpu.Kind, gpu.Accelerator.MaxNumThreadsPerGroup, tiling.Lanes);
        var product = ProductFor(gpu.Kind, gpu.ConvPrecision, typeof(T), threads == tiling.Lanes);
        var kernel = ImplicitKernel<T, TProblem>(product);
        gpu.LaunchGrouped(kernel, new KernelConfig(tiling.Blocks, threads), p, tiling);
    }

    /// <summary>Threads per group: every lane on CUDA; elsewhere the largest power of two up to the device's limit that divides the lanes.</summary>
    internal static int GroupSize(DeviceKind kind, int maxThreadsPerGroup, int lanes)
    {
        if (kind == DeviceKind.Cuda) return lanes;
        int threads = 1;
        while (threads * 2 <= Math.Min(maxThreadsPerGroup, lanes) && lanes % (threads * 2) == 0) threads *= 2;
        return threads;
    }

    /// <summary>
    /// The fragment product: strict unless TF32 is asked of single precision; then tensor cores on CUDA when every lane has
    /// its own thread, the exact emulation otherwise.
    /// </summary>
    internal static FragmentProduct ProductFor(DeviceKind kind, ConvPrecision precision, Type element, bool wholeWarps)
    {
        if (precision != ConvPrecision.Tf32 || element != typeof(float)) return FragmentProduct.Strict;
        return kind == DeviceKind.Cuda && wholeWarps ? FragmentProduct.Tf32TensorCores : FragmentProduct.Tf32Emulated;
    }

    private static readonly ConcurrentDictionary<(Type, Type, FragmentProduct), Delegate> ImplicitKernels = new();

    /// <summary>
    /// The implicit-GEMM kernel closed over T, the problem and the fragment product. The TF32 products exist for float
    /// only, so the kernel is closed at run time (once per combination) rather than named in generic code over T.
    /// </summary>
    internal static Action<TProblem, GemmTiling> ImplicitKernel<T, TProblem>(FragmentProduct product)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TProblem : struct, IImplicitGemm<T>
        => (Action<TProblem, GemmTiling>)ImplicitKernels.GetOrAdd((typeof(T), typeof(TProblem), product),
            _ => ImplicitKernelMethod(typeof(T), typeof(TProblem), product).CreateDelegate(typeof(Action<TProblem, GemmTiling>)));

    internal static MethodInfo ImplicitKernelMethod(Type element, Type problem, FragmentProduct product)
    {
        var productType = product switch
        {
            FragmentProduct.Tf32TensorCores => typeof(Tf32TensorCores),
            FragmentProduct.Tf32Emulated => typeof(Tf32Emulated),
            _ => typeof(StrictProduct<>).MakeGenericType(element),
        };
        var open = typeof(Conv2d).GetMethod(nameof(ImplicitGemmKernel), BindingFlags.Static | BindingFlags.NonPublic)!;
        return open.MakeGenericMethod(element, problem, productType);
    }

    /// <summary>
    /// Every implicit-GEMM kernel Cortex launches, closed: each pass's problem over float with each fragment product and
    /// over double with the strict one (for the PTX compilation tests).
    /// </summary>
    internal static IEnumerable<MethodInfo> ImplicitKernelMethods()
    {
        foreach (var problem in new[] { typeof(ForwardGemm<>), typeof(DataGemm<>), typeof(WeightGemm<>) })
        {
            foreach (var product in Enum.GetValues<FragmentProduct>())
                yield return ImplicitKernelMethod(typeof(float), problem.MakeGenericType(typeof(float)), product);
            yield return ImplicitKernelMethod(typeof(double), problem.MakeGenericType(typeof(double)), FragmentProduct.Strict);
        }
    }
}

/// <summary>What an autotuned choice is remembered by: the pass, its geometry and the precision.</summary>
internal readonly record struct ConvChoiceKey(ConvPass Pass, Conv2dGeometry Geometry, ConvPrecision Precision);
