using System.CommandLine;
using System.Globalization;
using Cortex.Connectivity;
using Cortex.Connectivity.Building;
using Cortex.Core.Backends;
using Cortex.Core.Simulation;
using Cortex.Experiments.Checkpoints;
using Cortex.Experiments.Recording;
using Cortex.Experiments.Training;

namespace Cortex.Experiments.Cli;

/// <summary>
/// <c>cortex record checkpoint --images 0:500 --areas V1,IT --steps all --format npy|hdf5 -o PATH</c>: runs a trained
/// network on test images and writes the states of chosen areas at chosen steps (docs/analysis.md).
/// </summary>
internal static class RecordCommand
{
    /// <summary>The <c>record</c> command.</summary>
    public static Command Create()
    {
        var file = new Argument<FileInfo>("checkpoint") { Description = "a checkpoint written by cortex train" };
        var images = new Option<string?>("--images") { Description = "test images: a count N (the first N) or a range A:B (images A … B−1); default: the first 500, or all when fewer" };
        var areas = new Option<string?>("--areas") { Description = "areas to record, comma-separated (default: all)" };
        var steps = new Option<string>("--steps") { Description = "time steps to record: all, or a list such as 1,2,4 or a range 1:4 (0: the initial state)", DefaultValueFactory = _ => "all" };
        var format = new Option<string?>("--format") { Description = $"{RecordingFiles.Allowed} (default: hdf5 when the output ends in .h5 or .hdf5, else npy)" };
        var output = new Option<string>("--out", "-o") { Description = "where to write: a folder (npy) or a file (hdf5)", Required = true };
        var batch = new Option<int>("--batch") { Description = "images per forward pass", DefaultValueFactory = _ => 100 };
        var data = TrainCommand.DataOption();
        var dataset = new Option<string>("--dataset") { Description = "the dataset the checkpoint was trained on (see cortex train --help)", DefaultValueFactory = _ => "fashion-mnist" };
        var device = CortexCommandLine.DeviceOption();
        var command = new Command("record", "Run a trained network on test images and record the states of chosen areas at chosen steps (NumPy or HDF5)")
        {
            file, images, areas, steps, format, output, batch, data, dataset, device,
        };
        command.SetAction(r =>
        {
            string path = r.GetValue(output)!;
            var kind = Parse(() => r.GetValue(format) is { } f ? RecordingFiles.Parse(f)
                : path.EndsWith(".h5", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".hdf5", StringComparison.OrdinalIgnoreCase) ? RecordingFormat.Hdf5 : RecordingFormat.Npy, "--format");
            int batchSize = r.GetValue(batch) > 0 ? r.GetValue(batch) : throw new UserError($"--batch must be positive, got {r.GetValue(batch)}");
            var checkpoint = TrainCommand.ReadCheckpoint(r.GetValue(file)!);
            var deviceKind = CortexCommandLine.ResolveDevice(r.GetValue(device), Console.Out);
            var (_, _, test, source) = TrainCommand.LoadData(r.GetValue(dataset)!, r.GetValue(data), 0, strictLimit: false);
            Console.WriteLine(source);
            var chosen = Parse(() => ImageSelection(r.GetValue(images) ?? $"{Math.Min(500, test.Count)}", test.Count), "--images");
            using var backend = Devices.Create<float>(deviceKind);
            var (loaded, network) = BuildTrainedNetwork(checkpoint, backend);
            using (network)
            {
                var areaNames = r.GetValue(areas) is { } list ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null;
                var stepList = Parse(() => StepSelection(r.GetValue(steps)!, network.Steps), "--steps");
                var layout = Parse(() => StateRecorder.Plan(network, loaded, test, chosen, areaNames, stepList), "record");
                using (var writer = Parse(() => RecordingFiles.Create(kind, path, layout), "--out"))
                    StateRecorder.Run(network, test, layout, writer, batchSize, RunSettings.TestCondition(checkpoint));
                Console.WriteLine($"recorded {string.Join(", ", layout.Areas.Select(a => $"{a.Name} [{string.Join(", ", a.Shape)}]"))} at steps " +
                    $"{string.Join(", ", layout.Steps)} of {layout.Count} images of {test.Name} ({kind.ToString().ToLowerInvariant()}): {Path.GetFullPath(path)}");
            }
            return 0;
        });
        return command;
    }

    /// <summary>
    /// The network stored in a checkpoint, built on <paramref name="backend"/> with the checkpoint's weights (<c>param/…</c>) and
    /// buffers (<c>buffer/…</c>, running normalisation statistics) and no optimiser.
    /// </summary>
    private static (LoadedNetwork Loaded, Network<float> Network) BuildTrainedNetwork(Checkpoint checkpoint, IBackend<float> backend)
    {
        LoadedNetwork loaded;
        try { loaded = NetworkLoader.Parse(checkpoint.Metadata.Config, checkpoint.Path ?? "checkpoint"); }
        catch (Cortex.Connectivity.Validation.ConfigErrors e)
        {
            throw new UserError($"{checkpoint.Path}: the network stored in the checkpoint does not validate:\n{string.Join("\n", e.Errors)}");
        }
        var network = NetworkBuilder.Build(loaded, backend, checkpoint.Metadata.Seed);
        try
        {
            WeightLoader.Load(checkpoint, network);
        }
        catch
        {
            network.Dispose();
            throw;
        }
        return (loaded, network);
    }

    /// <summary>"N" → images 0 … N−1; "A:B" → images A … B−1; both within the <paramref name="count"/> test images.</summary>
    public static int[] ImageSelection(string text, int count)
    {
        int start, end;
        var parts = text.Split(':');
        if (parts.Length == 1 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out end)) start = 0;
        else if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out start)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out end)) { }
        else throw new ArgumentException($"'{text}' is neither a count N nor a range A:B");
        if (end <= start) throw new ArgumentException($"'{text}' selects no images");
        if (end > count) throw new ArgumentException($"'{text}' runs past the {count} test images (0 … {count - 1})");
        return [.. Enumerable.Range(start, end - start)];
    }

    /// <summary>"all" → 1 … T; "1,2,4" → those; "2:4" → 2, 3, 4 (inclusive: steps are counted from 1).</summary>
    public static int[] StepSelection(string text, int steps)
    {
        if (text.Trim().Equals("all", StringComparison.OrdinalIgnoreCase)) return [.. Enumerable.Range(1, steps)];
        var chosen = new SortedSet<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var ends = part.Split(':');
            if (ends.Length is < 1 or > 2 || !ends.All(e => int.TryParse(e, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
                throw new ArgumentException($"'{part}' is not a step or a range A:B");
            int from = int.Parse(ends[0], CultureInfo.InvariantCulture), to = int.Parse(ends[^1], CultureInfo.InvariantCulture);
            if (to < from) throw new ArgumentException($"range '{part}' is empty");
            if (to > steps) throw new ArgumentException($"step {to} is past the network's {steps} steps");
            for (int t = from; t <= to; t++) chosen.Add(t);
        }
        return chosen.Count > 0 ? [.. chosen] : throw new ArgumentException($"'{text}' names no steps");
    }

    private static T Parse<T>(Func<T> parse, string name)
    {
        try { return parse(); }
        catch (ArgumentException e) { throw new UserError($"{name}: {e.Message}"); }
    }
}
