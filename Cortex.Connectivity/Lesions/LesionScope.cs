namespace Cortex.Connectivity.Lesions;

/// <summary>What a lesion's target names.</summary>
public enum LesionScope
{
    /// <summary>One projection, by its name (<c>V2->V1</c>, or the file's <c>name:</c>).</summary>
    Projection,

    /// <summary>Every projection of one type: <c>feedforward</c>, <c>lateral</c> or <c>feedback</c>.</summary>
    Type,

    /// <summary>Every projection into an area (<c>in:V1</c>): the area's inputs.</summary>
    Into,

    /// <summary>Every projection out of an area or the input (<c>out:IT</c>, <c>out:image</c>): its output to other areas (readouts are not projections and keep reading it).</summary>
    OutOf,
}
