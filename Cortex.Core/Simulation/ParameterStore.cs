using System.Numerics;
using Cortex.Core.Backends;
using Cortex.Core.Optimisers;
using Cortex.Core.Tensors;

namespace Cortex.Core.Simulation;

/// <summary>
/// The one owner of a network's parameter memory: trainable parameters (value and gradient, in the order they
/// were added) and non-trainable buffers (running normalisation statistics, sign-constrained effective weights
/// and their gradients). Kinds receive views of these; they never allocate or dispose device memory.
/// </summary>
public sealed class ParameterStore<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly List<Parameter<T>> parameters = [];
    private readonly List<Tensor<T>> owned = [];
    private readonly HashSet<string> names = [];
    private readonly List<(string Name, Tensor<T> Tensor)> buffers = [];
    private Tensor<T>[]? saved;

    /// <summary>An empty store whose tensors will live on <paramref name="backend"/>.</summary>
    public ParameterStore(IBackend<T> backend) => Backend = backend;

    /// <summary>The backend every parameter and buffer is allocated on.</summary>
    public IBackend<T> Backend { get; }

    /// <summary>The trainable parameters, in the order they were added.</summary>
    public IReadOnlyList<Parameter<T>> Parameters => parameters;

    /// <summary>A new zero-filled parameter (and gradient) named <paramref name="name"/>, unique in the store.</summary>
    public Parameter<T> Add(string name, Shape shape, bool applyWeightDecay = true)
    {
        if (!names.Add(name)) throw new ArgumentException($"parameter store: a parameter or buffer named '{name}' already exists");
        var p = new Parameter<T>(name, Own(shape), Own(shape), applyWeightDecay);
        parameters.Add(p);
        return p;
    }

    /// <summary>A new zero-filled non-trainable buffer (running statistics, effective weights).</summary>
    public Tensor<T> Buffer(string name, Shape shape)
    {
        if (!names.Add(name)) throw new ArgumentException($"parameter store: a parameter or buffer named '{name}' already exists");
        var t = Own(shape);
        buffers.Add((name, t));
        return t;
    }

    /// <summary>Every non-trainable buffer by name (running statistics, …), for checkpoints.</summary>
    public IReadOnlyList<(string Name, Tensor<T> Tensor)> Buffers => buffers;

    /// <summary>
    /// Copies every buffer aside (on the device; the copies are made on first use and owned here), for
    /// <see cref="RestoreBuffers"/>: backward under checkpointing in time recomputes forward steps, which would update
    /// running statistics a second time.
    /// </summary>
    public void SaveBuffers()
    {
        saved ??= [.. buffers.Select(b => Own(b.Tensor.Shape))];
        for (int i = 0; i < buffers.Count; i++) Backend.Copy(buffers[i].Tensor, saved[i]);
    }

    /// <summary>Puts back every buffer as <see cref="SaveBuffers"/> found it.</summary>
    public void RestoreBuffers()
    {
        if (saved is null) throw new InvalidOperationException("parameter store: no buffers were saved");
        for (int i = 0; i < buffers.Count; i++) Backend.Copy(saved[i], buffers[i].Tensor);
    }

    /// <summary>Σ elements of every parameter (not counting gradients or buffers).</summary>
    public long ParameterCount => parameters.Sum(p => (long)p.Value.Length);

    /// <summary>Sets every parameter's gradient to zero (before a batch: backward passes accumulate).</summary>
    public void ZeroGradients()
    {
        foreach (var p in parameters) Backend.Fill(p.Gradient, T.Zero);
    }

    private Tensor<T> Own(Shape shape)
    {
        var t = Backend.Allocate(shape);
        owned.Add(t);
        return t;
    }

    /// <summary>Frees every parameter, gradient and buffer of the store.</summary>
    public void Dispose()
    {
        foreach (var t in owned) t.Dispose();
        owned.Clear();
    }
}
