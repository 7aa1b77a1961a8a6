using System.Globalization;
using AlertPipeline.Detection;
using CsvHelper;
using CsvHelper.Configuration;

namespace AlertPipeline.Detection.Lists;

/// <summary>
/// <c>alertpipeline keywords measure FILE…</c>: how often the lists alert on labelled CSV files with <c>text,label</c>
/// columns (the files of <c>../shared/training/</c>), per label: flagged at all, medium or above, urgent or above, each
/// as a count and per 1,000 texts. On an <c>ordinary</c> file every medium+ alert is a false alarm to review (the issue
/// 13 targets: ≤ 1 per 1,000 medium+, ≤ 0.1 urgent+); on a risk file the share of positive rows flagged is the recall
/// of the rules. Kept apart from <c>eval</c> (the model's tables) so either can change without the other.
/// </summary>
internal static class KeywordsMeasure
{
    public static int Run(CliArgs args, TextWriter output)
    {
        if (args.Positionals.Count == 0)
        {
            throw new CliException("keywords measure: expected one or more CSV FILEs with text,label columns");
        }

        var source = SourceKinds.Any;
        if (args.Get("source") is { } s && s != "any" && !SourceKindNames.TryParseSingle(s, out source))
        {
            throw new CliException($"keywords measure: --source must be one of {string.Join(", ", SourceKindNames.All)} (was '{s}')");
        }

        var show = args.GetInt("show", 0, 0, 1_000_000);
        var showAt = Severity.Medium;
        if (args.Get("min-severity") is { } m && !SeverityNames.TryParse(m, out showAt))
        {
            throw new CliException($"keywords measure: --min-severity must be one of low, medium, high, urgent, critical (was '{m}')");
        }

        var detector = Detector.Compile(KeywordDirectory.Load(KeywordsCommand.ListsPath(args)));
        output.WriteLine($"lists {detector.Version} ({detector.Set.Entries.Count} entries), source {source.ToName()}");
        output.WriteLine($"{"file",-34} {"label",-20} {"rows",7} {"flagged",8} {"/1000",7} {"medium+",8} {"/1000",7} {"urgent+",8} {"/1000",7}");
        foreach (var file in args.Positionals)
        {
            if (!File.Exists(file))
            {
                throw new CliException($"keywords measure: file '{file}' does not exist");
            }

            var counts = new SortedDictionary<string, int[]>(StringComparer.Ordinal);
            var shown = new List<string>();
            using (var reader = new StreamReader(file))
            using (var csv = new CsvReader(reader, new CsvConfiguration(CultureInfo.InvariantCulture) { MissingFieldFound = null, BadDataFound = null }))
            {
                csv.Read();
                csv.ReadHeader();
                if (csv.HeaderRecord is not { } header || !header.Contains("text") || !header.Contains("label"))
                {
                    throw new CliException($"keywords measure: '{file}' has no text,label header (was '{string.Join(",", csv.HeaderRecord ?? [])}')");
                }

                var row = 1;
                while (csv.Read())
                {
                    row++;
                    var text = csv.GetField("text") ?? string.Empty;
                    var label = csv.GetField("label") ?? string.Empty;
                    if (!counts.TryGetValue(label, out var c))
                    {
                        counts[label] = c = new int[4];
                    }

                    c[0]++;
                    var result = detector.Scan(text, source);
                    if (!result.Flagged)
                    {
                        continue;
                    }

                    var severity = result.Severity!.Value;
                    c[1]++;
                    c[2] += severity >= Severity.Medium ? 1 : 0;
                    c[3] += severity >= Severity.Urgent ? 1 : 0;
                    if (severity >= showAt && shown.Count < show)
                    {
                        shown.Add(string.Create(CultureInfo.InvariantCulture,
                            $"  {Path.GetFileName(file)}:{row} [{label}] {severity.ToName()} {string.Join("|", result.Categories)} by {result.SeverityRule}: {result.Explanation} <<{text}>>"));
                    }
                }
            }

            foreach (var (label, c) in counts)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{Path.GetFileName(file),-34} {label,-20} {c[0],7} {c[1],8} {PerThousand(c[1], c[0]),7} {c[2],8} {PerThousand(c[2], c[0]),7} {c[3],8} {PerThousand(c[3], c[0]),7}"));
            }

            foreach (var line in shown)
            {
                output.WriteLine(line);
            }
        }

        return 0;
    }

    private static string PerThousand(int count, int total) =>
        total == 0 ? "n/a" : (1000.0 * count / total).ToString("0.00", CultureInfo.InvariantCulture);
}
