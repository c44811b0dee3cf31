using System.Numerics;
using Cortex.Core.Tensors;

namespace Cortex.Core.Optimisers;

/// <summary>
/// What every optimiser shares: the checked parameter list, the host-side step count, zeroing gradients,
/// and ownership of the state tensors. A concrete optimiser implements <see cref="Update"/>: one fused
/// kernel per parameter on the GPU, one SIMD-friendly loop on the CPU.
/// </summary>
public abstract class Optimiser<T> : IOptimiser<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly List<(string Name, Tensor<T> Tensor)> state = [];
    private bool disposed;

    /// <summary>Checks the parameter list: <paramref name="name"/> names the optimiser in messages.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="parameters"/> is null.</exception>
    /// <exception cref="ArgumentException">A parameter is null or listed twice.</exception>
    protected Optimiser(string name, IReadOnlyList<Parameter<T>> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Name = name;
        var seen = new HashSet<Tensor<T>>(ReferenceEqualityComparer.Instance);
        foreach (var p in parameters)
        {
            if (p is null) throw new ArgumentException($"{name}: the parameter list contains null");
            if (!seen.Add(p.Value)) throw new ArgumentException($"{name}: parameter '{p.Name}' {p.Shape} is listed twice");
        }
        Parameters = [.. parameters];
    }

    /// <summary>The optimiser's name, used in messages.</summary>
    public string Name { get; }

    /// <inheritdoc/>
    public IReadOnlyList<Parameter<T>> Parameters { get; }

    /// <inheritdoc/>
    public int StepCount { get; private set; }

    /// <inheritdoc/>
    public IReadOnlyList<(string Name, Tensor<T> Tensor)> State => state;

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stepCount"/> &lt; 0.</exception>
    public void Restore(int stepCount)
    {
        if (stepCount < 0) throw new ArgumentOutOfRangeException(nameof(stepCount), $"{Name}: step count must be ≥ 0, got {stepCount}");
        StepCount = stepCount;
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentOutOfRangeException">The learning rate is negative, NaN or infinite.</exception>
    /// <exception cref="ObjectDisposedException">The optimiser was disposed.</exception>
    public void Step(T learningRate)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (!(learningRate >= T.Zero) || T.IsInfinity(learningRate))
            throw new ArgumentOutOfRangeException(nameof(learningRate), $"{Name}: learning rate must be finite and ≥ 0, got {learningRate}");
        StepCount++;
        Update(learningRate);
    }

    /// <inheritdoc/>
    public void ZeroGradients()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        foreach (var p in Parameters) p.Gradient.Backend.Fill(p.Gradient, T.Zero);
    }

    /// <summary>Updates every parameter; <see cref="StepCount"/> already counts this step.</summary>
    protected abstract void Update(T learningRate);

    /// <summary>Index of the guard among the device scalars; the learning rate follows it.</summary>
    public const int GuardIndex = 0, LearningRateIndex = 1;

    /// <inheritdoc/>
    public abstract int ScalarCount { get; }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException"><paramref name="scalars"/> is not <see cref="ScalarCount"/> long.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The learning rate is negative, NaN or infinite.</exception>
    public void WriteScalars(Span<T> scalars, T learningRate)
    {
        if (scalars.Length != ScalarCount)
            throw new ArgumentException($"{Name}: {scalars.Length} scalars given, {ScalarCount} needed");
        if (!(learningRate >= T.Zero) || T.IsInfinity(learningRate))
            throw new ArgumentOutOfRangeException(nameof(learningRate), $"{Name}: learning rate must be finite and ≥ 0, got {learningRate}");
        scalars[GuardIndex] = T.One;
        scalars[LearningRateIndex] = learningRate;
        WriteStepScalars(scalars, learningRate, StepCount + 1);
    }

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException"><paramref name="scalars"/> is not on an ILGPU backend (the CPU path updates with <see cref="Step"/>).</exception>
    public void EnqueueUpdate(Tensor<T> scalars)
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (scalars.Length != ScalarCount)
            throw new ArgumentException($"{Name}: the scalars tensor {scalars.Shape} must hold {ScalarCount} values");
        if (scalars.Backend is not Backends.IlgpuBackend<T> gpu)
            throw new NotSupportedException($"{Name}: the device-resident update runs on the ILGPU backends; the CPU path updates with Step");
        foreach (var p in Parameters) Backends.Check.SameBackend(Name, scalars, p.Value);
        EnqueueUpdate(gpu, scalars);
    }

    /// <inheritdoc/>
    public void Advance()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        StepCount++;
    }

    /// <summary>Writes the values of step <paramref name="step"/> past the guard and the learning rate.</summary>
    protected abstract void WriteStepScalars(Span<T> scalars, T learningRate, int step);

    /// <summary>Queues the update kernels, each reading the step's values from <paramref name="scalars"/> and skipping where the guard is not 1.</summary>
    protected abstract void EnqueueUpdate(Backends.IlgpuBackend<T> gpu, Tensor<T> scalars);

    /// <summary>
    /// A zeroed state tensor shaped like the parameter, on its backend, freed with this optimiser; listed in
    /// <see cref="State"/> as "<paramref name="kind"/>/parameter name" so that checkpoints can save and restore it.
    /// </summary>
    protected Tensor<T> AllocateState(string kind, Parameter<T> p)
    {
        var t = p.Value.Backend.Allocate(p.Shape);
        state.Add(($"{kind}/{p.Name}", t));
        return t;
    }

    /// <summary>Checks a hyperparameter in [0, 1) (momentum, β).</summary>
    protected static void CheckUnitInterval(string optimiser, string name, double value)
    {
        if (!(value >= 0 && value < 1))
            throw new ArgumentOutOfRangeException(name, $"{optimiser}: {name} must lie in [0, 1), got {value}");
    }

    /// <summary>Checks a hyperparameter that must be finite and ≥ 0 (weight decay), or &gt; 0 when <paramref name="strict"/> (ε).</summary>
    protected static void CheckNonNegative(string optimiser, string name, double value, bool strict = false)
    {
        if (!(strict ? value > 0 : value >= 0) || double.IsInfinity(value))
            throw new ArgumentOutOfRangeException(name, $"{optimiser}: {name} must be finite and {(strict ? "> 0" : "≥ 0")}, got {value}");
    }

    /// <summary>Frees the state tensors (momenta, second moments); the parameters belong to their owner and are left alone.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        foreach (var (_, t) in state) t.Dispose();
        state.Clear();
        GC.SuppressFinalize(this);
    }
}
