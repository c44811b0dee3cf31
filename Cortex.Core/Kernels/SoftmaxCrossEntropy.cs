using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Tensors;
using ILGPU;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Cortex.Core.Kernels;

/// <summary>
/// Softmax cross-entropy on integer class labels, weighted over the reads of a readout (the network's one loss): per row
/// of logits z, p = softmax(z) and ℓ = −log p_label = log Σ_k e^(z_k − max z) − (z_label − max z), computed after
/// subtracting the row maximum so that it never overflows; its gradient is dℓ/dz = p − onehot(label). A coarse term
/// adds the cross-entropy of the label's group under the same softmax.
/// <para>
/// Labels are a [B] tensor of class indices held as exact integers (0, 1, …, K − 1) in T. On the CPU path a
/// label outside [0, K) or not an integer throws <see cref="ArgumentOutOfRangeException"/> naming the op,
/// the sample and K. On a GPU that check would need a round trip to the host, so the kernels do not throw:
/// a bad label gives a NaN loss (and a NaN gradient row), which the loss value shows at once; loaders
/// should check labels once on the host with <see cref="ValidateLabels{T}(ReadOnlySpan{T}, int)"/> before uploading them.
/// </para>
/// </summary>
public static class SoftmaxCrossEntropy
{
    /// <summary>
    /// The loss of one readout under a loss schedule, and its gradient, in one pass per read s and image b: with
    /// p = softmax(z[s, b]), y the label and G = groups[y] its coarse group,
    /// <code>
    /// imageLosses[s, b] = fine[s]·(−log p_y) + coarse[s]·(−log P_G),   P_G = Σ_{c: groups[c] = G} p_c
    /// dlogits[s, b, c]  = scale·(fine[s]·(p_c − [c = y]) + coarse[s]·(p_c − [groups[c] = G]·p_c / P_G))
    /// </code>
    /// (the coarse term is the cross-entropy of the group probabilities the fine softmax implies). Groups are only read
    /// where a coarse weight is non-zero. Probabilities are written too, for accuracy and confidence.
    /// </summary>
    /// <param name="logits">[S, B, K].</param>
    /// <param name="labels">[B] or [B, 1] class indices in [0, K), exact integers.</param>
    /// <param name="groups">[K]: the coarse group of each class, exact integers.</param>
    /// <param name="fine">[S] weights of the fine cross-entropy.</param>
    /// <param name="coarse">[S] weights of the coarse cross-entropy.</param>
    /// <param name="probabilities">[S, B, K] (written).</param>
    /// <param name="imageLosses">[S, B] or [S, B, 1] (written).</param>
    /// <param name="dlogits">[S, B, K] (written).</param>
    /// <param name="scale">Multiplies the gradient: 1/B for a batch mean.</param>
    public static void Scheduled<T>(Tensor<T> logits, Tensor<T> labels, Tensor<T> groups, Tensor<T> fine, Tensor<T> coarse,
        Tensor<T> probabilities, Tensor<T> imageLosses, Tensor<T> dlogits, T scale) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const string op = "scheduled cross-entropy";
        var backend = Check.SameBackend(op, logits, labels, groups, fine, coarse, probabilities, imageLosses, dlogits);
        Check.Rank(op, "logits", logits, 3, "[S, B, K]");
        int s = logits.Shape[0], b = logits.Shape[1], k = logits.Shape[2];
        if (labels.Length != b) throw new ArgumentException($"{op}: labels must hold one class index per image ({b}), got shape {labels.Shape}");
        if (groups.Length != k) throw new ArgumentException($"{op}: groups must hold one coarse group per class ({k}), got shape {groups.Shape}");
        if (fine.Length != s || coarse.Length != s)
            throw new ArgumentException($"{op}: fine and coarse weights must hold one weight per read ({s}), got {fine.Shape} and {coarse.Shape}");
        Check.SameShape(op, "logits", logits, "probabilities", probabilities);
        Check.SameShape(op, "logits", logits, "dlogits", dlogits);
        if (imageLosses.Length != (long)s * b) throw new ArgumentException($"{op}: imageLosses must hold S·B = {s * b} values, got shape {imageLosses.Shape}");

        if (backend is IlgpuBackend<T> gpu)
        {
            gpu.Launch(ScheduledKernel, s * b, logits.View, labels.View, groups.View, fine.View, coarse.View, probabilities.View, imageLosses.View,
                dlogits.View, b, k, scale);
            return;
        }

        var cpu = (CpuBackend<T>)backend;
        ValidateLabels(op, labels.Span, k);
        NormStatistics.For(cpu, s * b, logits.Length, row =>
        {
            var z = logits.Span.Slice(row * k, k);
            var p = probabilities.Span.Slice(row * k, k);
            var d = dlogits.Span.Slice(row * k, k);
            var g = groups.Span;
            int label = int.CreateTruncating(labels.Span[row % b]);
            T wf = fine.Span[row / b], wc = coarse.Span[row / b];
            T max = TensorPrimitives.Max<T>(z);
            T zLabel = z[label] - max;
            TensorPrimitives.Subtract(z, max, p);
            TensorPrimitives.Exp<T>(p, p);
            T sum = T.CreateTruncating(Reduce.HostSum<T>(p));
            TensorPrimitives.Divide(p, sum, p);
            T loss = wf * Loss(T.Log(sum), zLabel), mass = T.One;
            if (wc != T.Zero)
            {
                mass = T.Zero;
                for (int c = 0; c < k; c++) if (g[c] == g[label]) mass += p[c];
                loss -= wc * T.Log(mass);
            }
            imageLosses.Span[row] = loss;
            for (int c = 0; c < k; c++)
                d[c] = ScheduledGradient(p[c], c == label, wc != T.Zero && g[c] == g[label], mass, wf, wc, scale);
        });
    }

    /// <summary>∂ℓ/∂z_c for one class: scale·(fine·(p_c − [c = y]) + coarse·(p_c − [c ∈ G]·p_c / P_G)).</summary>
    public static T ScheduledGradient<T>(T p, bool isLabel, bool inGroup, T groupMass, T fine, T coarse, T scale) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T g = fine * (isLabel ? p - T.One : p);
        if (coarse != T.Zero) g += coarse * (inGroup ? p - p / groupMass : p);
        return scale * g;
    }

    /// <summary>
    /// Throws <see cref="ArgumentOutOfRangeException"/> unless every label is an integer in [0, classes):
    /// the host-side check for loaders that upload labels to a GPU, whose kernels cannot throw.
    /// </summary>
    public static void ValidateLabels<T>(ReadOnlySpan<T> labels, int classes) where T : unmanaged, IFloatingPointIeee754<T>
        => ValidateLabels("softmax cross-entropy labels", labels, classes);

    private static void ValidateLabels<T>(string op, ReadOnlySpan<T> labels, int classes) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Check.Positive(op, "classes", classes);
        for (int i = 0; i < labels.Length; i++)
        {
            double v = double.CreateTruncating(labels[i]);
            if (!(v >= 0 && v < classes && v == Math.Floor(v)))
                throw new ArgumentOutOfRangeException(nameof(labels),
                    $"{op}: sample {i} has label {v}, which is not a class index in [0, K) for K = {classes}");
        }
    }

    /// <summary>−log p_label = log Σ e^(z − max) − (z_label − max).</summary>
    private static T Loss<T>(T logSum, T shiftedLabelLogit) where T : unmanaged, IFloatingPointIeee754<T>
        => logSum - shiftedLabelLogit;

    // One thread per (read, image) row; the label is matched by counting classes in T, as in ForwardKernel.
    private static void ScheduledKernel<T>(Index1D row, ArrayView<T> logits, ArrayView<T> labels, ArrayView<T> groups, ArrayView<T> fine,
        ArrayView<T> coarse, ArrayView<T> probabilities, ArrayView<T> imageLosses, ArrayView<T> dlogits, int batch, int classes, T scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        long at = (long)row.X * classes;
        T label = labels[row.X % batch], wf = fine[row.X / batch], wc = coarse[row.X / batch];
        T max = logits[at];
        for (int k = 1; k < classes; k++) max = T.Max(max, logits[at + k]);
        T sum = T.Zero, zLabel = T.NaN, index = T.Zero;
        int target = -1;
        for (int k = 0; k < classes; k++)
        {
            T shifted = logits[at + k] - max;
            if (index == label) { zLabel = shifted; target = k; }
            index += T.One;
            T e = T.Exp(shifted);
            probabilities[at + k] = e;
            sum += e;
        }
        T inverse = T.One / sum;
        for (int k = 0; k < classes; k++) probabilities[at + k] *= inverse;
        T loss = wf * Loss(T.Log(sum), zLabel), mass = T.One, group = target < 0 ? T.NaN : groups[target];
        if (wc != T.Zero)
        {
            mass = T.Zero;
            for (int k = 0; k < classes; k++) if (groups[k] == group) mass += probabilities[at + k];
            loss -= wc * T.Log(mass);
        }
        imageLosses[row] = loss;
        for (int k = 0; k < classes; k++)
        {
            T g = ScheduledGradient(probabilities[at + k], k == target, wc != T.Zero && groups[k] == group, mass, wf, wc, scale);
            dlogits[at + k] = target < 0 ? T.NaN : g;
        }
    }
}
