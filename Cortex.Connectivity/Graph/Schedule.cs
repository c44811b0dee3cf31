using System.Text;
using Cortex.Connectivity.Spec;
using Cortex.Core.Simulation;

namespace Cortex.Connectivity.Graph;

/// <summary>What a projection's source holds at the step it reads.</summary>
public enum SourceRead
{
    /// <summary>An area's state computed at a step ≥ 1.</summary>
    State,

    /// <summary>An area's state before step 1 (t − delay &lt; 1): zero or learned.</summary>
    InitialState,

    /// <summary>The input, while the image is shown.</summary>
    Image,

    /// <summary>The input after the image is taken away (zeros), or before step 1.</summary>
    Blank,

    /// <summary>The input after the image is taken away, when a mask takes its place (<c>first-k-then-mask</c>).</summary>
    Mask,
}

/// <summary>
/// One read in the unrolled graph: at <see cref="Step"/> the projection's target reads its source at
/// <see cref="SourceStep"/> = Step − delay, through weight copy <see cref="WeightCopy"/>.
/// </summary>
/// <param name="Step">t, the target's step.</param>
/// <param name="Projection">The projection.</param>
/// <param name="SourceStep">t − delay.</param>
/// <param name="Reads">What the source holds then.</param>
/// <param name="WeightCopy">The weight copy step t uses.</param>
public readonly record struct ScheduledRead(int Step, GraphProjection Projection, int SourceStep, SourceRead Reads, int WeightCopy)
{
    /// <summary>
    /// Whether the read can carry a nonzero signal, and so costs synaptic operations: a computed state, the image
    /// while shown, a mask, or a learned initial state. A zero initial state and a blank input are skipped.
    /// </summary>
    public bool IsActive => Reads switch
    {
        SourceRead.State or SourceRead.Image or SourceRead.Mask => true,
        SourceRead.InitialState => Projection.From.Area?.Options.LearnedInitialState == true,
        _ => false,
    };
}

/// <summary>One area's update at one step: the reads that make up its drive.</summary>
/// <param name="Step">t.</param>
/// <param name="Area">The area updated.</param>
/// <param name="Reads">The reads of the projections into it, in file order.</param>
public sealed record ScheduledUpdate(int Step, GraphNode Area, IReadOnlyList<ScheduledRead> Reads);

/// <summary>
/// The unrolled schedule over t = 1..T: at each step, areas in update order, each with the step of the source
/// every one of its projections reads. Printable (<see cref="ToString"/>), so time is never implicit.
/// </summary>
public sealed class Schedule
{
    /// <summary>The graph it unrolls.</summary>
    public NetworkGraph Graph { get; }

    /// <summary>Updates[t − 1] holds the updates of step t, in update order.</summary>
    public IReadOnlyList<IReadOnlyList<ScheduledUpdate>> Updates { get; }

    /// <summary>Unrolls <paramref name="graph"/> over its T steps.</summary>
    public Schedule(NetworkGraph graph)
    {
        Graph = graph;
        var spec = graph.Spec;
        var steps = new List<IReadOnlyList<ScheduledUpdate>>();
        for (int t = 1; t <= spec.Time.Steps; t++)
        {
            var updates = new List<ScheduledUpdate>();
            foreach (var area in graph.UpdateOrder)
            {
                var reads = graph.Into(area).Select(p =>
                {
                    int s = t - p.Delay;
                    var what = p.From.IsInput
                        ? spec.Input.At(s) switch { StepInput.Image => SourceRead.Image, StepInput.Mask => SourceRead.Mask, _ => SourceRead.Blank }
                        : s >= 1 ? SourceRead.State : SourceRead.InitialState;
                    return new ScheduledRead(t, p, s, what, spec.WeightCopyAt(t));
                }).ToList();
                updates.Add(new ScheduledUpdate(t, area, reads));
            }
            steps.Add(updates);
        }
        Updates = steps;
    }

    /// <summary>Every read of every step, in schedule order.</summary>
    public IEnumerable<ScheduledRead> Reads => Updates.SelectMany(u => u).SelectMany(u => u.Reads);

    /// <summary>The steps (1-based) at which <paramref name="projection"/> is active.</summary>
    public IEnumerable<int> ActiveSteps(GraphProjection projection) => Reads.Where(r => r.Projection == projection && r.IsActive).Select(r => r.Step);

    /// <summary>
    /// The schedule as text, one line per area and step:
    /// <c>t=2  V1 ← image@2 feedforward, V1@1 lateral, V2@1 feedback</c>; inactive reads say why.
    /// </summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        var spec = Graph.Spec;
        text.AppendLine($"{spec.Name}: {spec.Time.Steps} steps, unroll {spec.Time.Unroll.ToString().ToLowerInvariant()}, weights {Tying(spec)}; the target at t reads its source at t − delay");
        int width = Graph.Areas.Max(a => a.Name.Length);
        foreach (var step in Updates)
            foreach (var update in step)
            {
                var reads = update.Reads.Select(r => $"{r.Projection.From.Name}@{r.SourceStep} {Type(r.Projection)}{Note(r)}");
                string copy = spec.WeightTying == WeightTying.Shared ? "" : $"  [weights #{spec.WeightCopyAt(update.Step) + 1}]";
                text.AppendLine($"t={update.Step,-3} {update.Area.Name.PadRight(width)} ← {(update.Reads.Count == 0 ? "(bias only)" : string.Join(", ", reads))}{copy}");
            }
        return text.ToString();
    }

    private static string Type(GraphProjection p) =>
        ProjectionTypes.Rule(p.Type).Word + (p.Mode.Modulatory ? $" ({p.Mode.Symbol} {p.Mode.Word})" : "");

    private static string Note(ScheduledRead r) => r.Reads switch
    {
        SourceRead.InitialState => r.IsActive ? " (learned initial state)" : " (zero initial state: inactive)",
        SourceRead.Blank => " (blank: inactive)",
        SourceRead.Mask => " (mask)",
        _ => "",
    };

    /// <summary>The weight_tying word of a spec.</summary>
    public static string Tying(NetworkSpec spec) => spec.WeightTying switch
    {
        WeightTying.Shared => "shared",
        WeightTying.Untied => "untied",
        _ => $"tied-every-{spec.TyingBlock}",
    };
}
