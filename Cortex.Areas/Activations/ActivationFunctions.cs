using Cortex.Areas.Options;
using Cortex.Core.Kernels;
using Cortex.Core.Optimisers;

namespace Cortex.Areas.Activations;

/// <summary>The closed set of activations an area may name, one line each. Adding one touches its struct in Core (Activations.cs) and this list.</summary>
public static class ActivationFunctions
{
    /// <summary>Every activation, in documentation order.</summary>
    public static readonly Registry<ActivationFunction> All = new("activation",
        new ActivationOf<Relu<float>, Relu<double>>("relu", "max(0, x)", Nonlinearity.Relu),
        new ActivationOf<Tanh<float>, Tanh<double>>("tanh", "tanh x", Nonlinearity.Tanh),
        new ActivationOf<Sigmoid<float>, Sigmoid<double>>("sigmoid", "1 / (1 + e^−x)", Nonlinearity.Linear),
        new ActivationOf<Softplus<float>, Softplus<double>>("softplus", "log(1 + e^x)", Nonlinearity.Relu),
        new ActivationOf<Identity<float>, Identity<double>>("identity", "x", Nonlinearity.Linear));

    /// <summary>relu, the default of most area kinds.</summary>
    public static ActivationFunction Relu => All["relu"];

    /// <summary>tanh.</summary>
    public static ActivationFunction Tanh => All["tanh"];

    /// <summary>sigmoid.</summary>
    public static ActivationFunction Sigmoid => All["sigmoid"];
}
