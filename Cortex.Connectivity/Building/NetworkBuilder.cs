using System.Numerics;
using System.Runtime.CompilerServices;
using Cortex.Areas.Projections;
using Cortex.Connectivity.Graph;
using Cortex.Core.Backends;
using Cortex.Core.Simulation;

namespace Cortex.Connectivity.Building;

/// <summary>
/// Turns a loaded network (its graph, every kind resolved) into a runnable <see cref="Network{T}"/> on a backend: each
/// area, projection and readout model makes its op over one parameter store, compiled with the graph's update order and
/// the schedule's time axis. The ledger's memory estimate is checked against the device before anything is allocated
/// (at batch 1 here, and again at each new batch size when the network reserves its arena).
/// </summary>
public static class NetworkBuilder
{
    /// <summary>
    /// Builds <paramref name="loaded"/> on <paramref name="backend"/>; weights are drawn from <paramref name="seed"/>.
    /// Throws <see cref="DeviceMemoryException"/> when the estimate at batch 1 exceeds the device.
    /// </summary>
    public static Network<T> Build<T>(LoadedNetwork loaded, IBackend<T> backend, int seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var graph = loaded.Graph;
        var ledger = loaded.Ledger;
        int bytes = Unsafe.SizeOf<T>();
        long Estimate(int batch, int keepEvery) => ledger.Memory(batch, bytes, keepEvery).TotalBytes;
        var spec = graph.Spec;
        DeviceMemory.Ensure(spec.Name, 1, Estimate(1, 0), backend);

        int steps = spec.Time.Steps;
        var store = new ParameterStore<T>(backend);
        try
        {
            var areas = graph.Areas.Select(node => node.Model!.Create(store, Seed(seed, 20_000 + node.Index))).ToList();
            var projections = graph.Projections.Select(p =>
            {
                var weights = new SynapseWeights<T>(p.Model.Weights, p.Spec.Sign, store).Initialise(p.Spec.Init, p.Spec.Gain, Seed(seed, p.Index));
                return p.Model.Create(new Wiring(p.Name, p.From.Index, p.To.Index, p.Input, p.Delay), weights);
            }).ToList();
            double shares = graph.Readouts.Sum(r => r.Spec.Options.LossWeight);
            var readouts = graph.Readouts.Select(r =>
            {
                var schedule = r.Spec.Options.Loss ?? Areas.Readouts.LossSchedule.Final;
                var (fine, coarse) = schedule.WeightsFor(r.Model.Steps.Count, r.Spec.Options.LossWeight / shares);
                return r.Model.Create(store, r.From.Index, new LossWeights(fine, coarse), Seed(seed, 10_000 + r.Index));
            }).ToList();
            var program = new CompiledProgram<T>
            {
                Name = spec.Name,
                Steps = steps,
                InputShape = spec.Input.Shape.Dimensions,
                InputAt = [.. Enumerable.Range(0, steps + 1).Select(spec.Input.At)],
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

    /// <summary>A distinct, reproducible seed per parameter group (weight copies add 0, 1, … to it).</summary>
    private static int Seed(int seed, int index) => unchecked(seed * 1_000_003 + index * 7_919);
}
