using Cortex.Areas.Options;

namespace Cortex.Areas.Projections;

/// <summary>
/// The closed set of projection kinds (the <c>connectivity</c> key), one line each. Adding a kind touches its file,
/// this list, the conformance catalogue (Cortex.Tests/Conformance) and one docs row.
/// </summary>
public static class ProjectionKinds
{
    /// <summary>Every projection kind, in documentation order.</summary>
    public static readonly Registry<ProjectionKind> All = new("connectivity",
        new ConvProjection(),
        new TransposedConvProjection(),
        new DenseProjection());

    /// <summary>conv, the default.</summary>
    public static ProjectionKind Conv => All["conv"];
}
