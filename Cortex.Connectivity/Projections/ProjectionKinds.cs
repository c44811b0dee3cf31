using System.Numerics;
using Cortex.Connectivity.Graph;
using Cortex.Connectivity.Spec;
using Cortex.Core.Simulation;

namespace Cortex.Connectivity.Projections;

/// <summary>The closed set of projection kinds (how a projection computes), independent of its type (feedforward, lateral, feedback).</summary>
public enum ProjectionKind { Conv, TransposedConv, Dense }

/// <summary>One kind: its name, the kernel family it runs, and what it does.</summary>
public sealed record ProjectionKindInfo(ProjectionKind Kind, string Name, string KernelFamily, string Does);

/// <summary>
/// The closed set of projection kinds, one line each. Adding a kind touches its file, this list, the conformance
/// tests (Cortex.Tests/Simulation) and one row of docs/adding-a-kind.md.
/// </summary>
public static class ProjectionKinds
{
    public static readonly IReadOnlyList<ProjectionKindInfo> All =
    [
        new(ProjectionKind.Conv,           "conv",            "Conv2d (+ Pool2d / Upsample of the source)", "k×k convolution with stride and padding, after optional max/avg pooling or nearest/bilinear upsampling of the source"),
        new(ProjectionKind.TransposedConv, "transposed-conv", "ConvTranspose2d",                            "learned upsampling: k×k transposed convolution with stride = factor"),
        new(ProjectionKind.Dense,          "dense",           "Dense (+ Pool2d of the source)",             "all-to-all, after optional max/avg pooling of the source"),
    ];

    /// <summary>The kind of a resolved projection.</summary>
    public static ProjectionKind Of(ProjectionSpec p) =>
        p.Connectivity == ConnectivityKind.Dense ? ProjectionKind.Dense
        : p.Resampling == Resampling.TransposedConv ? ProjectionKind.TransposedConv
        : ProjectionKind.Conv;

    /// <summary>The projection op of <paramref name="p"/>, with its weights (already in the parameter store).</summary>
    public static IProjectionOp<T> Create<T>(GraphProjection p, Wiring wiring, ProjectionWeights<T> weights) where T : unmanaged, IFloatingPointIeee754<T>
        => Of(p.Spec) switch
        {
            ProjectionKind.Conv => new ConvProjection<T>(p, wiring, weights),
            ProjectionKind.TransposedConv => new TransposedConvProjection<T>(p, wiring, weights),
            _ => new DenseProjection<T>(p, wiring, weights),
        };

    /// <summary>The weight shape of one copy: conv [Co, Ci, k, k]; transposed conv [Ci, Co, k, k]; dense [target units, source features].</summary>
    public static int[] WeightShape(GraphProjection p)
    {
        var g = p.Geometry;
        int k = p.Spec.Kernel;
        return Of(p.Spec) switch
        {
            ProjectionKind.Conv => [g.Target.Channels, g.Resampled.Channels, k, k],
            ProjectionKind.TransposedConv => [g.Source.Channels, g.Target.Channels, k, k],
            _ => [checked((int)g.Target.Size), checked((int)g.Resampled.Size)],
        };
    }
}
