using Cortex.Areas;
using Cortex.Areas.Dynamics;
using Cortex.Areas.Modes;
using Cortex.Areas.Projections;
using Cortex.Connectivity.Spec;
using Cortex.Connectivity.Validation;

namespace Cortex.Connectivity.Variants;

/// <summary>The edits variant kinds make to specs: new projections, channel counts, names, and defaults that follow from them.</summary>
internal static class SpecEdits
{
    /// <summary>
    /// Resolves again the defaults that depend on an area's channels and on the modes of the projections into it (a
    /// standard area's bias, when the file did not set it), after projections or channels changed.
    /// </summary>
    public static NetworkSpec Recomplete(NetworkSpec spec) => spec with
    {
        Areas = [.. spec.Areas.Select(a => a.Options is StandardArea.Options s && !a.Declares("bias")
            ? a with { Options = (s with { Bias = null }).Complete(a.Shape.Channels, [.. spec.Projections.Where(p => p.To == a.Name).Select(p => p.Mode)]) }
            : a)],
    };

    /// <summary>The spec with area i given <paramref name="channels"/>[i] channels (units of a vector area); defaults resolved again.</summary>
    public static NetworkSpec WithChannels(NetworkSpec spec, IReadOnlyList<int> channels) => Recomplete(spec with
    {
        Areas = [.. spec.Areas.Select((a, i) => a with { Shape = WithChannels(a.Shape, channels[i]) })],
    });

    /// <summary>The shape with <paramref name="channels"/> channels (N units for a vector).</summary>
    public static AreaShape WithChannels(AreaShape shape, int channels) =>
        shape.IsSpatial ? AreaShape.Spatial(channels, shape.Height, shape.Width) : AreaShape.Vector(channels);

    /// <summary>A convolution that keeps an odd-sized map's size: k×k, stride 1, padding ⌊k/2⌋, no resampling.</summary>
    public static ConvProjection.Options SameConv(int kernel) => new(kernel, 1, kernel / 2, SourceResampling.None);

    /// <summary>A new projection (additive unless given a mode; Kaiming initialisation, gain 1, no sign unless copied from <paramref name="like"/>).</summary>
    public static ProjectionSpec Projection(string name, string from, string to, ProjectionType type, int delay, ProjectionOptions options, ProjectionSpec? like = null) =>
        new()
        {
            Name = name, From = from, To = to, Type = type, Delay = delay, Options = options,
            Mode = like?.Mode ?? ProjectionModes.Additive, Init = like?.Init ?? WeightInit.Kaiming, Gain = like?.Gain ?? 1.0, Sign = like?.Sign ?? WeightSign.None,
        };

    /// <summary>Whether a projection carries the name a file gives it by default: <c>from->to</c>.</summary>
    public static bool HasDefaultName(ProjectionSpec p) => p.Name == $"{p.From}->{p.To}";

    /// <summary>The ledger of a spec, or null when it is not a valid network (a candidate of a search that a kind refuses).</summary>
    public static LoadedNetwork? TryValidate(NetworkSpec spec)
    {
        try
        {
            return NetworkLoader.Validate(spec);
        }
        catch (ConfigErrors)
        {
            return null;
        }
    }

    /// <summary>"V1 32 → 68, V2 64 → 135": the areas whose channels changed.</summary>
    public static string ChannelChanges(NetworkSpec before, IReadOnlyList<int> channels) =>
        string.Join(", ", before.Areas.Select((a, i) => (a, i)).Where(x => x.a.Shape.Channels != channels[x.i])
            .Select(x => $"{x.a.Name} {x.a.Shape.Channels} → {channels[x.i]}"));

    /// <summary>"V1->V1 (9,216), V2->V2 (36,864)": projections with their synapses per copy.</summary>
    public static string Listed(IEnumerable<ProjectionSpec> projections, LoadedNetwork network) =>
        string.Join(", ", projections.Select(p => $"{p.Name} ({Matching.Count(WeightsPerCopy(network, p.Name))})"));

    /// <summary>The weights of one copy of the named projection.</summary>
    public static long WeightsPerCopy(LoadedNetwork network, string projection) => network.Graph.Projections.First(p => p.Name == projection).Model.WeightsPerCopy;

    /// <summary>"is" or "are".</summary>
    public static string Is(int count) => count == 1 ? "is" : "are";
}
