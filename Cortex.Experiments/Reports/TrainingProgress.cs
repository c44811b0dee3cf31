using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace Cortex.Experiments.Reports;

/// <summary>
/// Live training progress: a Spectre.Console progress bar with loss, accuracy, images/s and time left when
/// standard output is a terminal; plain lines every <see cref="PlainInterval"/> (and on every
/// <see cref="Line"/>) when it is not (CI, logs). The rate counts the images of this process only, so a
/// resumed run's estimate is not skewed by the images done before it stopped.
/// </summary>
public sealed class TrainingProgress
{
    /// <summary>How often plain output prints a line.</summary>
    public static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(10);

    private readonly Func<TimeSpan> clock;
    private readonly ProgressTask? task;
    private readonly IAnsiConsole? console;
    private readonly TextWriter? plain;
    private TimeSpan? lastLine;
    private TimeSpan? startTime;
    private long startImages;

    private TrainingProgress(string title, int epochs, long imagesPerEpoch, Func<TimeSpan> clock, ProgressTask? task, IAnsiConsole? console, TextWriter? plain)
    {
        if (epochs <= 0 || imagesPerEpoch <= 0)
            throw new ArgumentOutOfRangeException(nameof(epochs), $"progress needs epochs > 0 and images per epoch > 0, got {epochs} and {imagesPerEpoch}");
        Title = title;
        Epochs = epochs;
        TotalImages = epochs * imagesPerEpoch;
        this.clock = clock;
        this.task = task;
        this.console = console;
        this.plain = plain;
    }

    /// <summary>What is being trained, as the progress line shows it.</summary>
    public string Title { get; }

    /// <summary>Epochs in the run.</summary>
    public int Epochs { get; }

    /// <summary>Training images over the whole run: epochs × images per epoch.</summary>
    public long TotalImages { get; }

    /// <summary>The epoch in progress (from 1 once training has started).</summary>
    public int Epoch { get; private set; }

    /// <summary>Training images seen so far in the run.</summary>
    public long ImagesDone { get; private set; }

    /// <summary>The latest training loss; NaN before the first batch.</summary>
    public double Loss { get; private set; } = double.NaN;

    /// <summary>The latest training accuracy, in [0, 1]; NaN before the first batch.</summary>
    public double Accuracy { get; private set; } = double.NaN;

    /// <summary>Images per second since the first update of this process; 0 until measurable.</summary>
    public double ImagesPerSecond { get; private set; }

    /// <summary>The time left at the current rate; null until a rate is known.</summary>
    public TimeSpan? Remaining => ImagesPerSecond > 0 ? TimeSpan.FromSeconds((TotalImages - ImagesDone) / ImagesPerSecond) : null;

    /// <summary>
    /// Runs <paramref name="body"/> with a progress display: a live bar on an interactive console, plain
    /// lines on <paramref name="plainOutput"/> otherwise. Defaults: the standard console, live when standard
    /// output is a terminal, else plain lines on standard output.
    /// </summary>
    public static T Run<T>(string title, int epochs, long imagesPerEpoch, Func<TrainingProgress, T> body,
        IAnsiConsole? console = null, TextWriter? plainOutput = null)
    {
        var watch = Stopwatch.StartNew();
        TimeSpan Clock() => watch.Elapsed;
        bool live = plainOutput is null && (console is not null || (!Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive));
        if (!live) return body(new TrainingProgress(title, epochs, imagesPerEpoch, Clock, null, null, plainOutput ?? Console.Out));
        var target = console ?? AnsiConsole.Console;
        return target.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask(Markup.Escape(title), maxValue: epochs * (double)imagesPerEpoch);
                var result = body(new TrainingProgress(title, epochs, imagesPerEpoch, Clock, task, target, null));
                task.Value = task.MaxValue;
                return result;
            });
    }

    /// <summary>A reporter that prints plain lines to <paramref name="output"/> and reads time from <paramref name="clock"/> (tests).</summary>
    internal static TrainingProgress Plain(string title, int epochs, long imagesPerEpoch, TextWriter output, Func<TimeSpan> clock) =>
        new(title, epochs, imagesPerEpoch, clock, null, null, output);

    /// <summary>
    /// Reports that <paramref name="imagesDone"/> images of the whole run are done, in epoch
    /// <paramref name="epoch"/> (from 1), with the current loss and accuracy (running means, the caller's choice).
    /// </summary>
    public void Update(int epoch, long imagesDone, double loss, double accuracy)
    {
        var now = clock();
        if (startTime is null)
        {
            startTime = now;
            startImages = imagesDone;
        }
        double seconds = (now - startTime.Value).TotalSeconds;
        ImagesPerSecond = seconds > 0 ? (imagesDone - startImages) / seconds : 0;
        (Epoch, ImagesDone, Loss, Accuracy) = (epoch, imagesDone, loss, accuracy);
        if (task is not null)
        {
            task.Description = Markup.Escape($"{Title}  {Status()}");
            task.Value = Math.Min(imagesDone, task.MaxValue);
        }
        else if (plain is not null && (lastLine is null || now - lastLine.Value >= PlainInterval))
        {
            lastLine = now;
            plain.WriteLine($"{Title}  {Status()}");
        }
    }

    /// <summary>Prints a line (an epoch's summary) above the bar, or as a plain line.</summary>
    public void Line(string message)
    {
        if (console is not null) console.WriteLine(message);
        else
        {
            plain!.WriteLine(message);
            lastLine = clock();
        }
    }

    /// <summary>"epoch 1/2  38,400/120,000 (32%)  loss 0.532  acc 81.2%  1,234 img/s  left 1:06".</summary>
    public string Status()
    {
        var c = CultureInfo.InvariantCulture;
        string left = Remaining is { } r ? $"  left {(int)r.TotalMinutes}:{r.Seconds:00}" : "";
        string rate = ImagesPerSecond > 0 ? $"  {ImagesPerSecond.ToString("N0", c)} img/s" : "";
        return $"epoch {Epoch}/{Epochs}  {ImagesDone.ToString("N0", c)}/{TotalImages.ToString("N0", c)} ({(100.0 * ImagesDone / TotalImages).ToString("F0", c)}%)" +
               $"  loss {Loss.ToString("F3", c)}  acc {(100 * Accuracy).ToString("F1", c)}%{rate}{left}";
    }
}
