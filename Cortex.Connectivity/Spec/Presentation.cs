using System.Globalization;
using System.Text.RegularExpressions;
using Cortex.Core.Simulation;

namespace Cortex.Connectivity.Spec;

/// <summary>
/// When the input shows the image, over the steps t = 1..T: at every step (<c>every-step</c>); at steps 1..k, then a
/// blank (<c>first-k</c>: zeros, and a projection from the input is inactive); or at steps 1..k, then a mask
/// (<c>first-k-then-mask</c>: one mask per image, given with the batch, shown at every step after k — what the mask is
/// belongs to the stimulus, not to the network). The network file's <c>input.presentation</c> and the stimulus
/// conditions of training and testing use these words.
/// </summary>
/// <param name="FirstSteps">Null: the image at every step; k ≥ 1: the image at steps 1..k.</param>
/// <param name="ThenMask">After step k: a mask (true) or a blank (false).</param>
public sealed partial record Presentation(int? FirstSteps = null, bool ThenMask = false)
{
    /// <summary>The image at every step (the default).</summary>
    public static Presentation EveryStep { get; } = new();

    /// <summary>The words, for messages.</summary>
    public const string Allowed = "every-step, first-k (the image at steps 1..k, then a blank), first-k-then-mask (the image at steps 1..k, then a mask); k ≥ 1";

    /// <summary>What the input holds at step <paramref name="t"/> (0 and below: blank, before the first step).</summary>
    public StepInput At(int t) => t < 1 ? StepInput.Blank
        : FirstSteps is not { } k || t <= k ? StepInput.Image
        : ThenMask ? StepInput.Mask : StepInput.Blank;

    /// <summary>Whether the image (rather than a blank or a mask) is shown at step t (1-based).</summary>
    public bool IsPresentedAt(int t) => At(t) == StepInput.Image;

    /// <summary>Reads one of the words <see cref="Allowed"/> lists; false when <paramref name="text"/> is none of them.</summary>
    public static bool TryParse(string text, out Presentation presentation)
    {
        presentation = EveryStep;
        if (text == "every-step") return true;
        var m = FirstK().Match(text);
        if (!m.Success || !int.TryParse(m.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int k) || k < 1) return false;
        presentation = new Presentation(k, m.Groups[2].Success);
        return true;
    }

    /// <summary>Reads one of the words <see cref="Allowed"/> lists; throws an <see cref="ArgumentException"/> naming them otherwise.</summary>
    public static Presentation Parse(string text) => TryParse(text, out var p) ? p
        : throw new ArgumentException($"unknown presentation '{text}'; allowed: {Allowed}");

    /// <summary>The word: <c>every-step</c>, <c>first-2</c>, <c>first-2-then-mask</c>.</summary>
    public override string ToString() => FirstSteps is { } k ? $"first-{k}{(ThenMask ? "-then-mask" : "")}" : "every-step";

    [GeneratedRegex(@"^first-(\d+)(-then-mask)?$")] private static partial Regex FirstK();
}
