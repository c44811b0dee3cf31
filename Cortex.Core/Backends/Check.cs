using System.Numerics;
using Cortex.Core.Tensors;

namespace Cortex.Core.Backends;

/// <summary>Argument checks shared by every kernel family. Messages name the operation, the argument, and the expected and actual values.</summary>
public static class Check
{
    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="tensor"/> has exactly the shape <paramref name="expected"/>; the message names the operation <paramref name="op"/> and the argument <paramref name="name"/>.</summary>
    public static void Shape<T>(string op, string name, Tensor<T> tensor, Shape expected) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (tensor.Shape != expected)
            throw new ArgumentException($"{op}: {name} must have shape {expected}, got {tensor.Shape}");
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="tensor"/> has rank <paramref name="rank"/>; <paramref name="layout"/> says the expected layout in the message (e.g. <c>[B, C, H, W]</c>).</summary>
    public static void Rank<T>(string op, string name, Tensor<T> tensor, int rank, string layout) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (tensor.Shape.Rank != rank)
            throw new ArgumentException($"{op}: {name} must be {layout} (rank {rank}), got shape {tensor.Shape}");
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="a"/> and <paramref name="b"/> have the same shape.</summary>
    public static void SameShape<T>(string op, string nameA, Tensor<T> a, string nameB, Tensor<T> b) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (a.Shape != b.Shape)
            throw new ArgumentException($"{op}: {nameA} {a.Shape} and {nameB} {b.Shape} must have the same shape");
    }

    /// <summary>Every tensor must live on the backend of the first.</summary>
    public static IBackend<T> SameBackend<T>(string op, params ReadOnlySpan<Tensor<T>?> tensors) where T : unmanaged, IFloatingPointIeee754<T>
    {
        IBackend<T>? first = null;
        foreach (var t in tensors)
        {
            if (t is null) continue;
            first ??= t.Backend;
            if (!ReferenceEquals(t.Backend, first))
                throw new ArgumentException($"{op}: tensors live on different devices ({first.Description} and {t.Backend.Description}); copy them to one backend first");
        }
        return first ?? throw new ArgumentException($"{op}: no tensors given");
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> unless <paramref name="value"/> &gt; 0.</summary>
    public static void Positive(string op, string name, int value)
    {
        if (value <= 0) throw new ArgumentOutOfRangeException(name, $"{op}: {name} must be positive, got {value}");
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> unless <paramref name="value"/> ≥ 0.</summary>
    public static void NonNegative(string op, string name, int value)
    {
        if (value < 0) throw new ArgumentOutOfRangeException(name, $"{op}: {name} must be ≥ 0, got {value}");
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> unless <paramref name="min"/> ≤ <paramref name="value"/> ≤ <paramref name="max"/> (NaN fails).</summary>
    public static void InRange(string op, string name, double value, double min, double max)
    {
        if (!(value >= min && value <= max))
            throw new ArgumentOutOfRangeException(name, $"{op}: {name} must lie in [{min}, {max}], got {value}");
    }
}
