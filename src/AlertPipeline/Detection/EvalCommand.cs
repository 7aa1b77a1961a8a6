using System.CommandLine;
using System.Globalization;
using AlertPipeline.Detection.Evaluation;
using CsvHelper;
using CsvHelper.Configuration;

namespace AlertPipeline.Detection;

/// <summary>
/// <c>alertpipeline eval</c>: precision, recall and F1 of the keyword lists on a labelled file.
/// <list type="bullet">
/// <item><c>--format suite</c> (default): <c>text,source,expected_categories,expected_min_severity,notes</c>
/// (categories <c>|</c>-separated, empty = benign) — the suites in <c>tests/suites/</c>.</item>
/// <item><c>--format davidson</c>: Davidson et al.'s labelled tweets (<c>class</c> 0 hate speech, 1 offensive,
/// 2 neither). Predictions are mapped into that label space: hate-speech or discrimination → hate speech; any
/// other category → offensive.</item>
/// </list>
/// </summary>
internal static class EvalCommand
{
    public static Command Create() => CliCommand.Leaf("eval",
        "precision, recall and F1 per category of the keyword lists on a labelled file",
        [new("file", "the labelled CSV", "FILE"), CliOption.Choice("format", "the file's layout", "suite", "davidson"), CliOption.Lists,
         new("misses", "print up to N missed and false texts", "N"),
         CliOption.Flag("cross-source", "rules, model and both on the training files, each source held out in turn"),
         CliOption.Flag("held-out", "rules, model and both on the held-out part of the training files"),
         CliOption.Flag("sweep", "with --cross-source/--held-out: the model's thresholds swept"),
         new("training", "the training directory (default: seeds/training)", "DIR"), new("davidson", "Davidson et al.'s labelled tweets, added to --cross-source", "FILE"),
         new("model", "the risk model (default: seeds/models/risk-model.bin)", "FILE")],
        (args, io) => Run(args, io.Output));

    private static int Run(CliArgs args, TextWriter output)
    {
        args.NoPositionals();
        if (args.Flag("cross-source") || args.Flag("held-out"))
        {
            // Rules only, model only and combined on the labelled training files, on text the model did not learn from.
            AlertPipeline.Model.CrossSourceEvaluation.Run(
                args.Get("training") ?? AlertPipeline.Model.ModelCommand.DefaultTraining,
                args.Get("davidson"),
                Detector.Compile(KeywordDirectory.Load(args.Get("lists") ?? new DetectionOptions().KeywordsDirectory)),
                AlertPipeline.Model.ModelArtefact.Load(args.Get("model") ?? AlertPipeline.Model.ModelCommand.DefaultArtefact),
                new AlertPipeline.Model.ModelOptions().PolicyFor(null),
                crossSource: args.Flag("cross-source"),
                sweep: args.Flag("sweep"),
                output);
            return 0;
        }

        var file = args.Get("file") ?? throw new CliException("eval: --file FILE is required (a labelled CSV)");
        if (!File.Exists(file))
        {
            throw new CliException($"eval: file '{file}' does not exist");
        }

        var format = args.Choice("format", "suite", "suite", "davidson");
        var showMisses = args.GetInt("misses", 0, 0, 1_000_000);
        var detector = Detector.Compile(KeywordDirectory.Load(args.Get("lists") ?? new DetectionOptions().KeywordsDirectory));
        var items = new List<EvaluatedItem>();
        var underSeverity = new List<string>();
        CliProgress.Run(output, $"eval {Path.GetFileName(file)}", step =>
        {
            using var reader = new StreamReader(file);
            using var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { MissingFieldFound = null, BadDataFound = null });
            csv.Read();
            csv.ReadHeader();
            var row = 0;
            while (csv.Read())
            {
                row++;
                if (row % 1_000 == 0)
                {
                    step(string.Create(CultureInfo.InvariantCulture, $"{row:N0} rows scanned"));
                }

                if (format == "davidson")
                {
                    var label = csv.GetField<int>("class");
                    var tweet = csv.GetField("tweet") ?? string.Empty;
                    var result = detector.Scan(tweet, SourceKinds.Any);
                    var predicted = !result.Flagged ? []
                        : result.Categories.Any(c => c is "hate-speech" or "discrimination") ? new HashSet<string> { "hate-speech" }
                        : new HashSet<string> { "offensive-language" };
                    var expected = label switch { 0 => new HashSet<string> { "hate-speech" }, 1 => ["offensive-language"], _ => new HashSet<string>() };
                    items.Add(new EvaluatedItem(string.Create(CultureInfo.InvariantCulture, $"{row}: {tweet}"), expected, predicted));
                }
                else
                {
                    var text = csv.GetField("text") ?? string.Empty;
                    var sourceText = csv.GetField("source") ?? string.Empty;
                    var source = SourceKindNames.TryParseSingle(sourceText, out var s) ? s : SourceKinds.Any;
                    var expected = (csv.GetField("expected_categories") ?? string.Empty)
                        .Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
                    var result = detector.Scan(text, source);
                    items.Add(new EvaluatedItem(string.Create(CultureInfo.InvariantCulture, $"{row}: {text}"), expected, result.Categories.ToHashSet(StringComparer.Ordinal)));
                    var minText = csv.GetField("expected_min_severity");
                    if (SeverityNames.TryParse(minText, out var min) && result.Severity is { } got && got < min)
                    {
                        underSeverity.Add(string.Create(CultureInfo.InvariantCulture, $"{row}: {text} (expected ≥ {min.ToName()}, got {got.ToName()})"));
                    }
                }
            }

            return row;
        });

        var report = DetectionEvaluation.Evaluate(items);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(file)}: {report.Items} items, lists {detector.Version} ({detector.Set.Entries.Count} entries)"));
        output.WriteLine($"{"category",-28} {"TP",6} {"FP",6} {"FN",6} {"precision",10} {"recall",8} {"F1",6}");
        foreach (var m in report.PerCategory.Prepend(report.Flagged with { Name = "(flagged at all)" }).Append(report.Micro))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{m.Name,-28} {m.TruePositives,6} {m.FalsePositives,6} {m.FalseNegatives,6} {Format(m.Precision),10} {Format(m.Recall),8} {Format(m.F1),6}"));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"macro F1 {Format(report.MacroF1)}; missed {report.Misses.Count}; false alarms {report.FalseAlarms.Count}; below expected severity {underSeverity.Count}"));
        foreach (var miss in report.Misses.Take(showMisses))
        {
            output.WriteLine($"  miss:        {miss.Id} (expected {string.Join(",", miss.Expected)})");
        }

        foreach (var alarm in report.FalseAlarms.Take(showMisses))
        {
            output.WriteLine($"  false alarm: {alarm.Id} (got {string.Join(",", alarm.Predicted)})");
        }

        foreach (var under in underSeverity.Take(showMisses))
        {
            output.WriteLine($"  severity:    {under}");
        }

        return 0;
    }

    private static string Format(double? value) => value is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "n/a";
}
