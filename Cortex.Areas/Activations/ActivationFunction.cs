using System.Numerics;
using Cortex.Areas.Options;
using Cortex.Core.Kernels;
using Cortex.Core.Simulation;
using Cortex.Core.Tensors;

namespace Cortex.Areas.Activations;

/// <summary>
/// A nonlinearity f as a network file names it (the <c>activation</c> key), dispatched to Core's kernels generic over
/// its <see cref="IActivation{T}"/> struct — alone, or fused with batch normalisation, which the CPU path runs in one pass.
/// </summary>
public abstract class ActivationFunction : IRegistryEntry
{
    /// <inheritdoc/>
    public abstract string Word { get; }

    /// <inheritdoc/>
    public abstract string Summary { get; }

    /// <summary>The initialisation gain that suits weights feeding it (Kaiming's √2 for relu).</summary>
    public abstract Cortex.Core.Optimisers.Nonlinearity Nonlinearity { get; }

    /// <summary>y = f(x).</summary>
    public abstract void Forward<T>(Tensor<T> x, Tensor<T> y) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>dx = f'(x)·dy (or += when <paramref name="accumulate"/>), given the forward input x and output y.</summary>
    public abstract void Backward<T>(Tensor<T> x, Tensor<T> y, Tensor<T> dy, Tensor<T> dx, bool accumulate = false) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// Training batch normalisation of x into n, then a = f(n), in one pass (<see cref="BatchNorm.ForwardTraining{T, TAct}(Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T}, T, T)"/>);
    /// with <paramref name="replicas"/> of more than one, x is one replica's slice and the statistics are the global batch's.
    /// </summary>
    public abstract void BatchNormTraining<T>(Tensor<T> x, Tensor<T> gamma, Tensor<T> beta, Tensor<T> n, Tensor<T> a, Tensor<T> mean, Tensor<T> invStd,
        Tensor<T> runningMean, Tensor<T> runningVar, T momentum, T epsilon, IReplicas? replicas = null) where T : unmanaged, IFloatingPointIeee754<T>;

    /// <summary>
    /// Backward through a = f(BN(x)) from da: dx is overwritten, dγ and dβ accumulate (<see cref="BatchNorm.Backward{T, TAct}(Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T}, Tensor{T}, bool)"/>);
    /// with <paramref name="replicas"/> of more than one, through the global batch's statistics.
    /// </summary>
    public abstract void BatchNormBackward<T>(Tensor<T> x, Tensor<T> gamma, Tensor<T> mean, Tensor<T> invStd, Tensor<T> n, Tensor<T> a, Tensor<T> da,
        Tensor<T> scratch, Tensor<T> dx, Tensor<T> dgamma, Tensor<T> dbeta, IReplicas? replicas = null) where T : unmanaged, IFloatingPointIeee754<T>;
}

/// <summary>
/// An activation bound to its <see cref="IActivation{T}"/> struct at both precisions, so one registry line
/// (<c>new ActivationOf&lt;Relu&lt;float&gt;, Relu&lt;double&gt;&gt;(…)</c>) is all an activation needs beside its struct.
/// </summary>
/// <typeparam name="TSingle">The struct closed over float.</typeparam>
/// <typeparam name="TDouble">The same struct closed over double (gradient checks).</typeparam>
internal sealed class ActivationOf<TSingle, TDouble>(string word, string summary, Cortex.Core.Optimisers.Nonlinearity nonlinearity) : ActivationFunction
    where TSingle : struct, IActivation<float> where TDouble : struct, IActivation<double>
{
    public override string Word => word;
    public override string Summary => summary;
    public override Cortex.Core.Optimisers.Nonlinearity Nonlinearity => nonlinearity;

    public override void Forward<T>(Tensor<T> x, Tensor<T> y)
    {
        if (Precision.IsSingle<T>()) Activation.Forward<float, TSingle>(F(x), F(y));
        else Activation.Forward<double, TDouble>(D(x), D(y));
    }

    public override void Backward<T>(Tensor<T> x, Tensor<T> y, Tensor<T> dy, Tensor<T> dx, bool accumulate = false)
    {
        if (Precision.IsSingle<T>()) Activation.Backward<float, TSingle>(F(x), F(y), F(dy), F(dx), accumulate);
        else Activation.Backward<double, TDouble>(D(x), D(y), D(dy), D(dx), accumulate);
    }

    public override void BatchNormTraining<T>(Tensor<T> x, Tensor<T> gamma, Tensor<T> beta, Tensor<T> n, Tensor<T> a, Tensor<T> mean, Tensor<T> invStd,
        Tensor<T> runningMean, Tensor<T> runningVar, T momentum, T epsilon, IReplicas? replicas = null)
    {
        if (replicas is { Count: > 1 })
        {
            if (Precision.IsSingle<T>())
                BatchNorm.ForwardTraining<float, TSingle>(F(x), F(gamma), F(beta), F(n), F(a), F(mean), F(invStd), F(runningMean), F(runningVar),
                    float.CreateChecked(momentum), float.CreateChecked(epsilon), replicas);
            else
                BatchNorm.ForwardTraining<double, TDouble>(D(x), D(gamma), D(beta), D(n), D(a), D(mean), D(invStd), D(runningMean), D(runningVar),
                    double.CreateChecked(momentum), double.CreateChecked(epsilon), replicas);
        }
        else if (Precision.IsSingle<T>())
            BatchNorm.ForwardTraining<float, TSingle>(F(x), F(gamma), F(beta), F(n), F(a), F(mean), F(invStd), F(runningMean), F(runningVar),
                float.CreateChecked(momentum), float.CreateChecked(epsilon));
        else
            BatchNorm.ForwardTraining<double, TDouble>(D(x), D(gamma), D(beta), D(n), D(a), D(mean), D(invStd), D(runningMean), D(runningVar),
                double.CreateChecked(momentum), double.CreateChecked(epsilon));
    }

    public override void BatchNormBackward<T>(Tensor<T> x, Tensor<T> gamma, Tensor<T> mean, Tensor<T> invStd, Tensor<T> n, Tensor<T> a, Tensor<T> da,
        Tensor<T> scratch, Tensor<T> dx, Tensor<T> dgamma, Tensor<T> dbeta, IReplicas? replicas = null)
    {
        if (replicas is { Count: > 1 })
        {
            if (Precision.IsSingle<T>())
                BatchNorm.Backward<float, TSingle>(F(x), F(gamma), F(mean), F(invStd), F(n), F(a), F(da), F(dx), F(dgamma), F(dbeta), accumulate: false, replicas);
            else
                BatchNorm.Backward<double, TDouble>(D(x), D(gamma), D(mean), D(invStd), D(n), D(a), D(da), D(dx), D(dgamma), D(dbeta), accumulate: false, replicas);
        }
        else if (Precision.IsSingle<T>())
            BatchNorm.Backward<float, TSingle>(F(x), F(gamma), F(mean), F(invStd), F(n), F(a), F(da), F(scratch), F(dx), F(dgamma), F(dbeta), accumulate: false);
        else
            BatchNorm.Backward<double, TDouble>(D(x), D(gamma), D(mean), D(invStd), D(n), D(a), D(da), D(scratch), D(dx), D(dgamma), D(dbeta), accumulate: false);
    }

    private static Tensor<float> F<T>(Tensor<T> t) where T : unmanaged, IFloatingPointIeee754<T> => Precision.Single(t);

    private static Tensor<double> D<T>(Tensor<T> t) where T : unmanaged, IFloatingPointIeee754<T> => Precision.Double(t);
}
