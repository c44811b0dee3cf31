using System.CommandLine;
using System.Globalization;
using Cortex.Areas.Readouts;
using Cortex.Connectivity.Graph;
using Cortex.Connectivity.Variants;
using Spectre.Console;

namespace Cortex.Experiments.Cli;

/// <summary>
/// <c>cortex variant KIND network.yaml [-o out.yaml] [--match synapses|macs] [--k N] [--loss every-step|final]</c>: a
/// baseline generated from a network (docs/experiments.md, "Variants"). Writes the variant's network file (to -o, else to
/// standard output) and prints both ledgers side by side (to standard output with -o, else to standard error, so that
/// standard output stays YAML). A variant that does not apply, or a setting the kind does not read, is one line, exit 2.
/// </summary>
internal static class VariantCommand
{
    /// <summary>The <c>variant</c> command.</summary>
    public static Command Create()
    {
        var kind = new Argument<string>("kind") { Description = $"the variant: {string.Join(", ", VariantKinds.All.Words)} (or tied-every-N)" };
        var file = new Argument<FileInfo>("network") { Description = "the network file (YAML)" };
        var output = new Option<string?>("--out", "-o") { Description = "write the variant's network file here (default: print it to standard output)" };
        var match = new Option<string?>("--match") { Description = "wider, larger-kernels, deeper: match the recurrent network's synapses (default) or macs (MACs per image)" };
        var k = new Option<int?>("--k") { Description = "tied-every-k: the steps that share a copy of the weights" };
        var loss = new Option<string?>("--loss") { Description = "aux-heads: every-step (every head trained, the default) or final (the original readout only; the other heads evaluated)" };
        var command = new Command("variant", "Generate a baseline from a network: feedforward, untied, tied-every-k, wider, larger-kernels, deeper, aux-heads, feedback-as-lateral, lateral-as-feedback")
        {
            kind, file, output, match, k, loss,
        };
        command.SetAction(r =>
        {
            string word = r.GetValue(kind)!.Trim().ToLowerInvariant();
            var parsed = VariantKinds.Parse(word)
                ?? throw new UserError($"unknown variant '{word}'{Connectivity.Reading.Suggestions.Hint(word, [.. VariantKinds.All.Words, "tied-every-2"])}; allowed: {string.Join(", ", VariantKinds.All.Words)} (or tied-every-N)");
            var variantKind = parsed.Kind;
            var settings = VariantSettings.Default;
            if (r.GetValue(match) is { } m)
                settings = settings with { Match = OptionValues.Choice(m, "--match", ["synapses", "macs"]) == "macs" ? MatchQuantity.Macs : MatchQuantity.Synapses };
            int? given = r.GetValue(k);
            if (given is { } g && parsed.K is { } inWord && g != inWord) throw new UserError($"--k {g} disagrees with {word}; give one of them");
            if ((given ?? parsed.K) is { } block) settings = settings with { K = OptionValues.Positive(block, "--k") };
            if (r.GetValue(loss) is { } l)
                settings = settings with { HeadLoss = OptionValues.Choice(l, "--loss", ["every-step", "final"]) == "final" ? LossPlacement.Final : LossPlacement.EveryStep };
            foreach (var (option, setting, name) in new[] { ((Option)match, "match", "--match"), (k, "k", "--k"), (loss, "loss", "--loss") })
                if (OptionValues.Given(r, option) && !variantKind.Settings.Contains(setting))
                    throw new UserError($"{name} applies to {string.Join(", ", VariantKinds.All.Where(v => v.Settings.Contains(setting)).Select(v => v.Word))}, not to {variantKind.Word}");

            var original = CortexCommandLine.LoadNetwork(r.GetValue(file)!);
            Variant variant;
            try { variant = variantKind.Apply(original, settings); }
            catch (Exception e) when (e is VariantNotApplicable or ArgumentException) { throw new UserError(e.Message); }

            string? path = r.GetValue(output);
            var report = path is null ? Console.Error : Console.Out;
            foreach (var w in variant.Network.Warnings) Console.Error.WriteLine(w);
            if (path is null) Console.Out.Write(variant.Yaml);
            else OutputFile.Write("-o", path, full => File.WriteAllText(full, variant.Yaml));
            Print(variant, report);
            if (path is not null) report.WriteLine($"wrote {Path.GetFullPath(path)}");
            return 0;
        });
        return command;
    }

    private static void Print(Variant variant, TextWriter writer)
    {
        var e = Markup.Escape;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        console.Profile.Width = Math.Max(console.Profile.Width, 160);
        var (o, v) = (variant.Original.Ledger, variant.Network.Ledger);
        var table = new Table().Title(e($"{variant.Spec.Name}: {variant.Kind.Word} variant of {variant.Original.Spec.Name}"))
            .AddColumn("")
            .AddColumns(new[] { variant.Original.Spec.Name, variant.Spec.Name, "change" }.Select(h => new TableColumn(e(h)).RightAligned()).ToArray());
        void Row(string what, long before, long after) =>
            table.AddRow(e(what), Matching.Count(before), Matching.Count(after), e(before == 0 ? Matching.Signed(after) : $"{Matching.Signed(after - before)} ({Matching.Percent(Matching.Fraction(before, after))})"));
        Row("synapses", o.Synapses, v.Synapses);
        Row("parameters", o.Parameters, v.Parameters);
        Row("neurons", o.Neurons, v.Neurons);
        Row("MACs per image", o.SynapticOpsPerImage, v.SynapticOpsPerImage);
        table.AddRow("MACs per step at t = 1..T", string.Join(" ", o.SynapticOpsPerStep.Select(Matching.Count)), string.Join(" ", v.SynapticOpsPerStep.Select(Matching.Count)), "");
        table.AddRow("effective depth at t = 1..T", Variant.Depths(o.EffectiveDepth), Variant.Depths(v.EffectiveDepth), "");
        table.AddRow("steps, weight tying", Steps(o), Steps(v), "");
        console.Write(table);
        foreach (var change in variant.Changes) writer.WriteLine($"  {change}");
        if (variant.Match is { } match) writer.WriteLine($"matched: {match.Describe(variant.Original.Spec.Name)}");
    }

    private static string Steps(Ledger ledger) => $"{ledger.Steps.ToString(CultureInfo.InvariantCulture)}, {ledger.WeightTying}";
}
