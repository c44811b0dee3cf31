using System.Numerics;
using System.Runtime.CompilerServices;
using Cortex.Areas;
using Cortex.Connectivity.Graph;
using Cortex.Connectivity.Projections;
using Cortex.Connectivity.Spec;
using Cortex.Core.Backends;
using Cortex.Core.Simulation;

namespace Cortex.Connectivity.Building;

/// <summary>
/// Turns a validated network spec into a runnable <see cref="Network{T}"/> on a backend: area kinds, projection
/// kinds and readouts over one parameter store, compiled with the graph's update order and the schedule's time
/// axis. The ledger's memory estimate is checked against the device before anything is allocated (at batch 1
/// here, and again at each new batch size when the network reserves its arena).
/// </summary>
public static class NetworkBuilder
{
    /// <summary>
    /// Builds <paramref name="validated"/> (a spec that passed <see cref="Validation.NetworkValidator"/>) on
    /// <paramref name="backend"/>; weights are drawn from <paramref name="seed"/>. Throws
    /// <see cref="DeviceMemoryException"/> when the estimate at batch 1 exceeds the device.
    /// </summary>
    public static Network<T> Build<T>(NetworkSpec validated, IBackend<T> backend, int seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var graph = NetworkGraph.Build(validated);
        var ledger = Ledger.Of(graph);
        int bytes = Unsafe.SizeOf<T>();
        long Estimate(int batch) => ledger.Memory(batch, bytes).TotalBytes;
        DeviceMemory.Ensure(validated.Name, 1, Estimate(1), backend);

        var spec = graph.Spec;
        int steps = spec.Time.Steps;
        var store = new ParameterStore<T>(backend);
        try
        {
            var areas = graph.Areas.Select(node => (IAreaOp<T>)new Area<T>(Dynamics(graph, node), steps, store)).ToList();
            var projections = graph.Projections.Select(p =>
            {
                var weights = new ProjectionWeights<T>(p.Name, ProjectionKinds.WeightShape(p), spec.WeightCopies, p.Spec.Sign, store);
                weights.Initialise(p.Spec.Init, p.Spec.Gain, Seed(seed, p.Index));
                return ProjectionKinds.Create(p, new Wiring(p.Name, p.From.Index, p.To.Index, p.Delay, p.IsMultiplicative), weights);
            }).ToList();
            var readouts = graph.Readouts.Select((r, i) => (IReadoutOp<T>)new Readout<T>(
                new ReadoutKind(r.Spec.Name, r.From.Index, r.From.Shape.Dimensions, r.Spec.Classes,
                    [.. Enumerable.Range(1, steps).Where(t => r.Spec.IsReadAt(t, steps))], r.Spec.Pooling == ReadoutPooling.GlobalAverage),
                store, Seed(seed, 10_000 + i))).ToList();
            var program = new CompiledProgram<T>
            {
                Name = spec.Name,
                Steps = steps,
                InputShape = spec.Input.Shape.Dimensions,
                InputShown = [.. Enumerable.Range(0, steps + 1).Select(spec.Input.IsPresentedAt)],
                WeightCopy = [.. Enumerable.Range(0, steps + 1).Select(t => t == 0 ? 0 : spec.WeightCopyAt(t))],
                Areas = areas,
                UpdateOrder = [.. graph.UpdateOrder.Select(n => n.Index)],
                Projections = projections,
                Readouts = readouts,
                Store = store,
            };
            return new Network<T>(program, Estimate);
        }
        catch
        {
            store.Dispose();
            throw;
        }
    }

    /// <summary>The dynamics of an area node, from its spec and the projections into it.</summary>
    public static AreaDynamics Dynamics(NetworkGraph graph, GraphNode node)
    {
        var a = node.Area!;
        return new AreaDynamics(a.Name, a.Shape.Dimensions, a.Activation, a.Norm, a.Tau, graph.Spec.Time.Dt, a.TauTrainable, a.Bias,
            a.InitialState, graph.Into(node).Any(p => p.IsMultiplicative));
    }

    /// <summary>A distinct, reproducible seed per parameter group (weight copies add 0, 1, … to it).</summary>
    private static int Seed(int seed, int index) => unchecked(seed * 1_000_003 + index * 7_919);
}
