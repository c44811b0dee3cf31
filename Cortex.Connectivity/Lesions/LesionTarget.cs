namespace Cortex.Connectivity.Lesions;

/// <summary>The projections a lesion silences: a projection, a type, or every projection into or out of an area.</summary>
/// <param name="Scope">What <paramref name="Name"/> names.</param>
/// <param name="Name">The projection's name, the type's word, or the area's (or input's) name.</param>
public sealed record LesionTarget(LesionScope Scope, string Name)
{
    /// <summary>The target in the lesion syntax: <c>V2->V1</c>, <c>feedback</c>, <c>in:V1</c>, <c>out:IT</c>.</summary>
    public override string ToString() => Scope switch
    {
        LesionScope.Into => $"in:{Name}",
        LesionScope.OutOf => $"out:{Name}",
        _ => Name,
    };
}
