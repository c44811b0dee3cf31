using Cortex.Experiments.Data;
using Cortex.Tests.Checkpoints;
using Cortex.Tests.Infrastructure;

namespace Cortex.Tests.Experiments;

/// <summary>
/// One mistake a user can make: its class (cli, path, config, data, checkpoint), a name, the command line that makes
/// it in a fresh <see cref="Workspace"/> (after setting up whatever bad file it needs), and a piece of the one message
/// it must give — naming the option, file or key at fault ({root}, {data}, {out} and {network} stand for the
/// workspace's paths).
/// </summary>
public sealed record BadInput(string Class, string Case, Func<Workspace, string[]> Arguments, string Message)
{
    public override string ToString() => $"{Class}: {Case}";
}

/// <summary>The mistakes, by class. Every one must end with exit code 2, its message, no stack trace and no run folder.</summary>
public static class BadInputCorpus
{
    private static BadInput Cli(string name, Func<Workspace, string[]> args, string message) => new("cli", name, args, message);

    private static BadInput Path(string name, Func<Workspace, string[]> args, string message) => new("path", name, args, message);

    private static BadInput Config(string name, Func<Workspace, string[]> args, string message) => new("config", name, args, message);

    private static BadInput Data(string name, Func<Workspace, string[]> args, string message) => new("data", name, args, message);

    private static BadInput Checkpoint(string name, Func<Workspace, string[]> args, string message) => new("checkpoint", name, args, message);

    /// <summary>The tiny network with a piece changed (pairs of what and what to).</summary>
    private static string Network(Workspace w, params string[] changes)
    {
        string text = Workspace.NetworkText;
        for (int i = 0; i < changes.Length; i += 2) text = text.Replace(changes[i], changes[i + 1]);
        return w.Write("changed.yaml", text);
    }

    /// <summary>Training data with the tiny network's shape but a different number of training images.</summary>
    private static string DataWith(Workspace w, int train, int test, int size = 28)
    {
        string folder = w.PathOf($"data-{train}-{test}-{size}");
        Workspace.WriteData(folder, train, test, size);
        return folder;
    }

    private static string Forged(Workspace w, string metadata, params int[] arrays)
    {
        string path = w.PathOf("forged.ckpt");
        ForgedCheckpoint.Write(path, metadata, arrays);
        return path;
    }

    public static IEnumerable<BadInput> All =>
    [
        // every number argument: out of range, not a number, too large for its type
        Cli("epochs 0", w => w.Train(null, "--epochs", "0"), "--epochs must be a whole number from 1 to 1,000,000, got 0"),
        Cli("epochs not a number", w => w.Train(null, "--epochs", "x"), "cortex train: --epochs: 'x' is not a whole number"),
        Cli("epochs beyond int", w => w.Train(null, "--epochs", "99999999999"), "--epochs: 99999999999 is out of range"),
        Cli("batch 0", w => w.Train(null, "--batch", "0"), "--batch must be a positive whole number, got 0"),
        Cli("batch larger than the training set", w => w.Train(null, "--batch", "49"), "--batch 49 is larger than the 48 training images"),
        Cli("lr 0", w => w.Train(null, "--lr", "0"), "--lr must be a finite number > 0, got 0"),
        Cli("lr negative", w => w.Train(null, "--lr", "-1"), "--lr must be a finite number > 0, got -1"),
        Cli("lr NaN", w => w.Train(null, "--lr", "NaN"), "--lr must be a finite number > 0, got NaN"),
        Cli("lr infinite", w => w.Train(null, "--lr", "1e999"), "--lr must be a finite number > 0"),
        Cli("momentum -5", w => w.Train(null, "--optimiser", "sgd", "--momentum", "-5"), "--momentum must lie in [0, 1), got -5"),
        Cli("momentum 1", w => w.Train(null, "--optimiser", "sgd", "--momentum", "1"), "--momentum must lie in [0, 1), got 1"),
        Cli("weight decay negative", w => w.Train(null, "--weight-decay", "-1"), "--weight-decay must be a finite number ≥ 0, got -1"),
        Cli("clip NaN", w => w.Train(null, "--clip", "NaN"), "--clip must be a finite number ≥ 0, got NaN"),
        Cli("warmup negative", w => w.Train(null, "--warmup", "-10"), "--warmup must be a whole number ≥ 0, got -10"),
        Cli("warmup longer than the run", w => w.Train(null, "--warmup", "1000"), "--warmup 1000 is longer than the whole run: 3 optimiser steps"),
        Cli("shift negative", w => w.Train(null, "--shift", "-1"), "--shift must be a whole number ≥ 0, got -1"),
        Cli("shift beyond the image", w => w.Train(null, "--shift", "1000"), "--shift 1000: at most 14 for images of 28×28"),
        Cli("limit negative", w => w.Train(null, "--limit", "-5"), "--limit must be a whole number ≥ 0, got -5"),
        Cli("limit beyond the training set", w => w.Train(null, "--limit", "1000"), "--limit 1000: Fashion-MNIST train has only 48 images"),
        Cli("seed not a number", w => w.Train(null, "--seed", "one"), "--seed: 'one' is not a whole number"),
        Cli("optimiser misspelt", w => w.Train(null, "--optimiser", "adam"), "--optimiser: unknown value 'adam'; did you mean 'adamw'?"),
        Cli("schedule misspelt", w => w.Train(null, "--schedule", "cosin"), "--schedule: unknown learning-rate schedule 'cosin'"),
        Cli("loss unknown", w => w.Train(null, "--loss", "sometimes"), "--loss: unknown loss schedule 'sometimes'"),
        Cli("loss weights for other steps", w => w.Train(null, "--loss", "every-step:1,2,3"), "--loss every-step:1,2,3: 3 weights, but readout 'readout' reads 2 steps (t = 1, 2)"),
        Cli("loss weight negative", w => w.Train(null, "--loss", "every-step:-1,1"), "--loss: loss schedule 'every-step:-1,1': weight 1 ('-1') must be a finite number ≥ 0"),
        Cli("dataset unknown", w => w.Train(null, "--dataset", "cifar"), "--dataset: unknown dataset 'cifar'"),
        Cli("device unknown", w => w.Train(null, "--device", "tpu"), "--device: unknown device 'tpu'"),
        Cli("option unknown", w => w.Train(null, "--bogus"), "cortex train: unknown option '--bogus'"),
        Cli("option misspelt", w => w.Train(null, "--bach", "3"), "cortex train: unknown option '--bach' (did you mean '--batch'?)"),
        Cli("option without its value", w => [.. w.Train(null), "--seed"], "cortex train: --seed needs a value"),
        Cli("network argument missing", _ => ["train"], "cortex train: missing the network argument"),
        Cli("argument too many", w => ["train", w.Network, "extra"], "cortex train: unexpected argument 'extra'"),
        Cli("allow-changes without resume", w => w.Train(null, "--allow-changes"), "--allow-changes only applies with --resume"),
        Cli("no command", _ => [], "cortex: a command is needed: bench, inspect, train, eval, quickstart"),
        Cli("command misspelt", _ => ["trian"], "cortex: unknown command 'trian' (did you mean 'train'?)"),
        Cli("eval batch 0", w => ["eval", w.PathOf("any.ckpt"), "--batch", "0"], "--batch must be a positive whole number, got 0"),
        Cli("lesion steps from 0", w => ["eval", w.PathOf("any.ckpt"), "--lesion", "feedback@0-"], "--lesion: lesion 'feedback@0-': steps are numbered from 1, got 0 in '@0-'"),
        Cli("lesion steps backwards", w => ["eval", w.PathOf("any.ckpt"), "--lesion", "in:V1@3-2"], "--lesion: lesion 'in:V1@3-2': the steps 3-2 run backwards"),
        Cli("eval statistics unknown", w => ["eval", w.PathOf("any.ckpt"), "--statistics", "mean"], "--statistics: unknown value 'mean'"),
        Cli("test stimulus unknown", w => ["eval", w.PathOf("any.ckpt"), "--test-stimulus", "blur:1"], "--test-stimulus: stimulus 'blur:1': unknown kind 'blur'; allowed: occlusion, noise, clutter, debris"),
        Cli("train stimulus level out of range", w => w.Train(null, "--train-stimulus", "occlusion:2"), "--train-stimulus: stimulus 'occlusion:2': the level must be a fraction F of the image covered, in [0, 1], got 2"),
        Cli("train stimulus option unknown", w => w.Train(null, "--train-stimulus", "noise:0.1:sigma=2"), "--train-stimulus: stimulus 'noise:0.1:sigma=2': unknown option 'sigma'"),
        Cli("bench batch 0", _ => ["bench", "--device", "cpu", "--batch", "0"], "--batch must be a whole number from 1 to 4,096, got 0"),
        Cli("bench repeats 0", _ => ["bench", "--device", "cpu", "--repeats", "0"], "--repeats must be a whole number from 1 to 1,000, got 0"),
        Cli("bench gemm size too large", _ => ["bench", "--device", "cpu", "--gemm-size", "100000"], "--gemm-size must be a whole number from 0 to 16,384, got 100000"),
        Cli("bench train batch 0", _ => ["bench", "train", "--device", "cpu", "--batch", "0"], "--batch must be a whole number from 1 to 4,096, got 0"),
        Cli("quickstart train images negative", w => ["quickstart", "--train-images", "-1", "--out", w.Out], "--train-images must be a whole number ≥ 0, got -1"),
        Cli("quickstart epochs 0", w => ["quickstart", "--epochs", "0", "--out", w.Out], "--epochs must be a whole number from 1 to 1,000,000, got 0"),

        // every path argument: missing, a folder for a file, a file for a folder, unwritable, a name that is not one
        Path("network file missing", w => w.Train(w.PathOf("absent.yaml")), "absent.yaml:1:1 (document): cannot read the file"),
        Path("network file is a folder", w => w.Train(w.Data), "cannot read the file"),
        Path("data folder missing", w => w.Train(null, "--data", w.PathOf("nowhere")), "--data {root}/nowhere: the folder does not exist"),
        Path("data is a file", w => w.Train(null, "--data", w.Network), "small.yaml: is a file; give the folder that holds the IDX files"),
        Path("data folder without IDX files", w => { w.Write("empty/notes.txt", ""); return w.Train(null, "--data", w.PathOf("empty")); },
            "--data {root}/empty: no Fashion-MNIST IDX files there; expected t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz]"),
        Path("out is a file", w => w.Train(null, "--out", w.Network), "--out {network}: is a file, not a folder"),
        Path("out below a file", w => w.Train(null, "--out", w.Network + "/runs"), "--out {network}/runs: the folder cannot be created ({network} is a file)"),
        Path("out cannot be created", w => w.Train(null, "--out", "/proc/cortex-runs"), "--out /proc/cortex-runs: the folder cannot be created (/proc is not writable"),
        Path("name with a slash", w => w.Train(null, "--name", "a/b"), "--name 'a/b': the run name contains a slash"),
        Path("name ..", w => w.Train(null, "--name", ".."), "--name '..': the run name is not a folder name"),
        Path("name empty", w => w.Train(null, "--name", ""), "--name '': the run name is empty"),
        Path("name hidden", w => w.Train(null, "--name", ".x"), "--name '.x': the run name starts with '.'"),
        Path("name too long", w => w.Train(null, "--name", new string('x', 300)), "the run name is 300 bytes long; the limit is 100"),
        Path("name of an existing run", w => { w.Write("runs/taken/metrics.csv", ""); return w.Train(null, "--name", "taken"); },
            "--name 'taken': the run folder {out}/taken already exists"),
        Path("resume file missing", w => w.Train(null, "--resume", w.PathOf("absent.ckpt")), "absent.ckpt: cannot be read"),
        Path("resume is a folder", w => w.Train(null, "--resume", w.Data), "cannot be read"),
        Path("eval checkpoint missing", w => ["eval", w.PathOf("absent.ckpt"), "--data", w.Data], "absent.ckpt: cannot be read"),
        Path("svg is a folder", w => ["inspect", w.Network, "--svg", w.Data], "--svg {data}: is a folder; give a file name"),
        Path("svg folder missing", w => ["inspect", w.Network, "--svg", w.PathOf("nowhere/net.svg")], "the folder {root}/nowhere does not exist"),
        Path("svg cannot be written", w => ["inspect", w.Network, "--svg", "/proc/cortex.svg"], "--svg /proc/cortex.svg: cannot be written"),
        Path("svg read-only", w =>
        {
            string svg = w.Write("read-only.svg", "");
            File.SetAttributes(svg, FileAttributes.ReadOnly);
            return ["inspect", w.Network, "--svg", svg];
        }, "read-only.svg: the file is read-only"),
        Path("bench json is a folder", w => ["bench", "--device", "cpu", "--json", w.Data], "--json {data}: is a folder"),

        // config keys against the data they meet, and the bounds of a network file
        Config("input channels", w => w.Train(Network(w, "shape: [1, 28, 28]", "shape: [3, 28, 28]")),
            "changed.yaml:3:10 input.shape: [3, 28, 28] does not match the images of Fashion-MNIST train, which are [1, 28, 28] (3 channels against the images' 1)"),
        Config("input size", w => w.Train(Network(w, "shape: [1, 28, 28]", "shape: [1, 32, 32]", "[2, 14, 14]", "[2, 16, 16]")),
            "input.shape: [1, 32, 32] does not match the images of Fashion-MNIST train, which are [1, 28, 28] (32×32 pixels against the images' 28×28)"),
        Config("readout with fewer classes", w => w.Train(Network(w, "classes: 10", "classes: 5")),
            "changed.yaml:9:22 readout.classes: readout 'readout' scores 5 classes, but Fashion-MNIST train has 10 (labels 0..9)"),
        Config("readout with more classes", w => w.Train(Network(w, "classes: 10", "classes: 12")), "scores 12 classes, but Fashion-MNIST train has 10"),
        Config("coarse-to-fine without coarse groups", w => w.Train(null, "--loss", "coarse-to-fine", "--dataset", "mnist"),
            "--loss coarse-to-fine: needs coarse classes, but MNIST train has none (Fashion-MNIST has them)"),
        Config("nesting in brackets", w => w.Train(w.Write("deep.yaml", "name: " + new string('[', 100_000) + new string(']', 100_000))),
            "deep.yaml:1:70 (document): nested more than 64 levels deep"),
        Config("nesting in indentation", w => w.Train(w.Write("deep.yaml", "a:\n" + string.Concat(Enumerable.Range(1, 200).Select(i => new string(' ', i) + "- \n")))),
            "nested more than 64 levels deep"),
        Config("file too large", w => w.Train(w.Write("large.yaml", "name: x\n" + new string('#', 2 << 20))), "large.yaml:1:1 (document): the file is"),
        Config("config text too large for inspect", w => ["inspect", w.Write("large.yaml", "name: x\n" + new string('#', 2 << 20))], "a network file may be at most 1,048,576"),

        // data files
        Data("mnist asked, Fashion-MNIST found", w => w.Train(null, "--data", Shipped(), "--dataset", "mnist"),
            "t10k-labels-idx1-ubyte.gz: these are Fashion-MNIST's labels (its official split begins with them), but the run was told the data is MNIST"),
        Data("images truncated", w =>
        {
            string folder = DataWith(w, 48, 16);
            var bytes = Idx.ReadImages(System.IO.Path.Combine(folder, "train-images-idx3-ubyte.gz"));
            File.WriteAllBytes(System.IO.Path.Combine(folder, "train-images-idx3-ubyte.gz"), [0, 0, 8, 3, 0, 0, 0, 48, 0, 0, 0, 28, 0, 0, 0, 28, .. bytes.Pixels[..100]]);
            return w.Train(null, "--data", folder);
        }, "train-images-idx3-ubyte.gz: the header promises 48 images of 28×28 bytes"),
        Data("label beyond the classes", w =>
        {
            string folder = DataWith(w, 48, 16);
            Idx.WriteLabels(System.IO.Path.Combine(folder, "train-labels-idx1-ubyte.gz"), [.. Enumerable.Repeat((byte)12, 48)], gzip: true);
            return w.Train(null, "--data", folder);
        }, "train-labels-idx1-ubyte.gz: label 12 at index 0 is outside the 10 classes of Fashion-MNIST"),
        Data("counts differ", w =>
        {
            string folder = DataWith(w, 48, 16);
            Idx.WriteLabels(System.IO.Path.Combine(folder, "train-labels-idx1-ubyte.gz"), new byte[47], gzip: true);
            return w.Train(null, "--data", folder);
        }, "holds 48 images but"),
        Data("gzip corrupted", w =>
        {
            string folder = DataWith(w, 48, 16);
            File.WriteAllBytes(System.IO.Path.Combine(folder, "t10k-labels-idx1-ubyte.gz"), [0x1f, 0x8b, 1, 2, 3, 4, 5]);
            return w.Train(null, "--data", folder);
        }, "t10k-labels-idx1-ubyte.gz: starts like a gzip file but is not valid gzip data"),
        Data("partner file missing", w =>
        {
            string folder = DataWith(w, 48, 16);
            File.Delete(System.IO.Path.Combine(folder, "train-labels-idx1-ubyte.gz"));
            return w.Train(null, "--data", folder);
        }, "found train-images-idx3-ubyte.gz but not its partner train-labels-idx1-ubyte[.gz]"),
        Data("gzip that expands beyond its header", w =>
        {
            string folder = DataWith(w, 48, 16);
            using (var file = File.Create(System.IO.Path.Combine(folder, "t10k-images-idx3-ubyte.gz")))
            using (var gzip = new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionLevel.Fastest))
            {
                gzip.Write([0, 0, 8, 3, 0, 0, 0, 16, 0, 0, 0, 28, 0, 0, 0, 28]);
                var zeros = new byte[1 << 20];
                for (int i = 0; i < 64; i++) gzip.Write(zeros);
            }
            return w.Train(null, "--data", folder);
        }, "t10k-images-idx3-ubyte.gz: decompresses to more than the 12,560 bytes its header promises"),
        Data("train stimulus that does not fit the images", w => w.Train(null, "--train-stimulus", "occlusion:0.3:size=40"),
            "--train-stimulus: stimulus occlusion:0.3:size=40 does not fit Fashion-MNIST train: Occlusion: occluder sizes 40..40 must be ordered and fit in 28×28"),
        Data("test stimulus whose mask does not fit the images", w => ["eval", TrainedCheckpoint(w), "--data", w.Data, "--device", "cpu", "--test-stimulus", "first-1-then-mask+mask:scramble:size=5"],
            "--test-stimulus: stimulus first-1-then-mask+mask:scramble:size=5 does not fit Fashion-MNIST test: scrambled patches: a patch side of 5 does not divide 28×28 images"),
        Checkpoint("lesion of a projection the network lacks", w => ["eval", TrainedCheckpoint(w), "--data", w.Data, "--device", "cpu", "--lesion", "V1->V3"],
            "--lesion: lesion 'V1->V3': small has no projection 'V1->V3' (nor is it a projection type, in:AREA or out:AREA); did you mean 'V1->V1'?"),
        Checkpoint("lesion past the last step", w => ["eval", TrainedCheckpoint(w), "--data", w.Data, "--device", "cpu", "--lesion", "lateral@3-"],
            "--lesion: lesion 'lateral@3-': small runs steps 1 to T = 2, so there is no step 3"),
        Checkpoint("lesion of a type the network lacks", w => ["eval", TrainedCheckpoint(w), "--data", w.Data, "--device", "cpu", "--lesion", "feedback"],
            "--lesion: lesion 'feedback': small has no feedback projection"),
        Path("eval json is a folder", w => ["eval", w.PathOf("any.ckpt"), "--json", w.Data], "--json {data}: is a folder"),
        Data("test split empty", w => w.Train(null, "--data", DataWith(w, 48, 0)), "Fashion-MNIST test has no images to test on"),
        Data("eval on images of another size", w => ["eval", TrainedCheckpoint(w), "--data", DataWith(w, 48, 16, 14), "--device", "cpu"],
            "input.shape: [1, 28, 28] does not match the images of Fashion-MNIST test, which are [1, 14, 14]"),

        // checkpoints: damaged, forged, of another network
        Checkpoint("not a checkpoint", w => ["eval", w.Write("text.ckpt", "not a checkpoint"), "--data", w.Data], "text.ckpt: not a Cortex checkpoint"),
        Checkpoint("2^31 arrays declared", w => ["eval", Forged(w, ForgedCheckpoint.Metadata, int.MaxValue), "--data", w.Data],
            "forged.ckpt: corrupted although its checksum matches (written by a faulty writer?): it declares 2147483647 arrays"),
        Checkpoint("1000 dimensions declared", w => ["eval", Forged(w, ForgedCheckpoint.Metadata, 1, 4, 0x41414141, 1000, 0, 0, 0), "--data", w.Data],
            "array 'AAAA' declares 1000 dimensions; at most 8 are allowed"),
        Checkpoint("huge array declared", w => ["eval", Forged(w, ForgedCheckpoint.Metadata, 1, 4, 0x41414141, 3, int.MaxValue, int.MaxValue, int.MaxValue), "--data", w.Data],
            "array 'AAAA' [2147483647, 2147483647, 2147483647] needs"),
        Checkpoint("negative step", w => ["eval", Forged(w, ForgedCheckpoint.Metadata.Replace("\"step\":0", "\"step\":-4"), 0), "--data", w.Data],
            "the metadata says -4 optimiser steps were taken"),
        Checkpoint("metadata not JSON", w => ["eval", Forged(w, "{not json", 0), "--data", w.Data], "forged.ckpt: corrupted although its checksum matches"),
        Checkpoint("config that does not validate", w => ["eval", Forged(w, ForgedCheckpoint.Metadata.Replace("\"config\":\"\"", "\"config\":\"name: x\""), 0), "--data", w.Data],
            "the network stored in the checkpoint does not validate"),
        Checkpoint("another network's", w => w.Train(Network(w, "shape: [2, 14, 14]", "shape: [3, 14, 14]"), "--resume", TrainedCheckpoint(w), "--epochs", "2", "--allow-changes"),
            "belongs to a different network"),
        Checkpoint("another optimiser", w => w.Train(null, "--resume", TrainedCheckpoint(w), "--optimiser", "sgd", "--allow-changes"),
            "--optimiser: adamw → sgd (the checkpoint holds adamw's state, which sgd cannot use"),
        Checkpoint("resume of a finished run", w => w.Train(null, "--resume", TrainedCheckpoint(w)), "the run it belongs to is complete (1 of 1 epochs)"),
    ];

    /// <summary>Fashion-MNIST's test split as shipped beside the program.</summary>
    private static string Shipped() => System.IO.Path.Combine(AppContext.BaseDirectory, "data", "fashion-mnist-subset");

    /// <summary>A checkpoint of the tiny network after one epoch, in a run folder of the workspace that the test then leaves alone.</summary>
    public static string TrainedCheckpoint(Workspace w)
    {
        string root = w.PathOf("trained");
        var (code, _, error) = Infrastructure.Cli.Run("train", w.Network, "--data", w.Data, "--device", "cpu", "--out", root, "--name", "run", "--epochs", "1", "--batch", "16");
        if (code != 0) throw new InvalidOperationException($"training the checkpoint failed: {error}");
        return System.IO.Path.Combine(root, "run", "checkpoint.ckpt");
    }
}
