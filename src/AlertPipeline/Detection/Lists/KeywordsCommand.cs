using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AlertPipeline.Audit;
using AlertPipeline.Detection;
using AlertPipeline.Detection.Curation;

namespace AlertPipeline.Detection.Lists;

/// <summary>
/// <c>alertpipeline keywords test|lint|import|export|history</c>: the IT manager's tools for the keyword lists.
/// </summary>
internal static class KeywordsCommand
{
    public const string DefaultDictionary = "/usr/share/dict/american-english";

    public static Command Create(Func<CliArgs, ServiceProvider> offlineServices)
    {
        CliOption[] store = [CliOption.DataDir, CliOption.Config];
        return CliCommand.Group("keywords", "the IT manager's tools for the keyword lists",
            CliCommand.Leaf("test", "what would fire on TEXT and why",
                [CliOption.Lists, new("source", "scan as this source (default: every source)", "SOURCE"), CliOption.Choice("format", "the output", "text", "json"), .. AlertPipeline.Model.ModelCli.CliOptions],
                (args, io) => TestAsync(args, io.Output), new CliPositional("TEXT", "the text to test, quoted")),
            CliCommand.Leaf("lint", "duplicates, dead entries, common-word hits",
                [CliOption.Lists, new("dictionary", $"a word list (default: {DefaultDictionary})", "FILE"), CliOption.Flag("strict", "exit 1 when there are warnings")],
                (args, io) => Lint(args, io.Output)),
            CliCommand.Leaf("import", "a Senso keyword export into one category, audited",
                [CliOption.Lists, new("senso", "the Senso export", "FILE"), new("category", "the category it goes into", "ID"),
                 new("by", "who made the change", "USER"), new("reason", "why", "TEXT"), .. store],
                (args, io) => Import(args, io.Output, offlineServices)),
            CliCommand.Leaf("export", "the lists as a Senso export or as our CSV files",
                [CliOption.Lists, CliOption.Choice("format", "the output", "senso", "csv"), new("category", "one category only", "ID")],
                (args, io) => Export(args, io.Output)),
            CliCommand.Leaf("history", "who changed the lists, when and why", store, (args, io) => History(args, io.Output, offlineServices)),
            CliCommand.Leaf("measure", "alerts per 1,000 texts per label of labelled CSV files (false alarms, recall)",
                [CliOption.Lists, new("source", "scan as this source (default: any)", "SOURCE"), new("show", "print up to N flagged texts per file", "N"),
                 new("min-severity", "with --show: only texts flagged at least this severe", "LEVEL")],
                (args, io) => KeywordsMeasure.Run(args, io.Output), new CliPositional("FILE", "labelled CSV files with text,label columns")));
    }

    private static async Task<int> TestAsync(CliArgs args, TextWriter output)
    {
        var text = args.Positionals.Count == 1 ? args.Positionals[0] : throw new CliException("keywords test: expected one quoted TEXT");
        var source = SourceKinds.Any;
        if (args.Get("source") is { } s && !SourceKindNames.TryParseSingle(s, out source))
        {
            throw new CliException($"keywords test: --source must be one of {string.Join(", ", SourceKindNames.All)} (was '{s}')");
        }

        var format = args.Choice("format", "text", "text", "json");
        var detector = LoadDetector(args);
        var rulesResult = detector.Scan(text, source);
        var verdict = AlertPipeline.Model.ModelCli.Load(args)?.Judge(text, rulesResult.Flagged ? rulesResult : null);
        var result = verdict?.Rules ?? (rulesResult.Flagged ? rulesResult : verdict?.ModelOnly ?? rulesResult);
        if (format == "json")
        {
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                DetectionResultJson.Write(json, result);
                json.WriteString("normalized", result.NormalizedText);
                json.WriteString("snippet", result.Snippet);
                json.WriteString("explanation", result.Explanation);
                json.WriteString("listVersion", detector.Version);
                AlertPipeline.Model.ModelCli.WriteJson(json, result, verdict, writeExplanation: false);
                json.WriteEndObject();
            }

            await output.WriteLineAsync(Encoding.UTF8.GetString(buffer.ToArray())).ConfigureAwait(false);
            return 0;
        }

        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"text:        {text}");
        report.AppendLine(CultureInfo.InvariantCulture, $"normalised:  {result.NormalizedText}");
        report.AppendLine(CultureInfo.InvariantCulture, $"lists:       {detector.Version} ({detector.Set.Entries.Count} entries)");
        if (!result.Flagged)
        {
            report.AppendLine("result:      not flagged");
        }
        else
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"result:      FLAGGED {result.Severity!.Value.ToName().ToUpperInvariant()} — {string.Join(", ", result.Categories)}");
            if (result.SeverityRule is not null)
            {
                report.AppendLine(CultureInfo.InvariantCulture, $"severity by: {result.SeverityRule}");
            }

            report.AppendLine(CultureInfo.InvariantCulture, $"snippet:     {result.Snippet}");
            foreach (var m in result.Matches)
            {
                report.AppendLine(CultureInfo.InvariantCulture,
                    $"  match '{text.AsSpan(m.Start, m.Length)}' at {m.Start}+{m.Length}: term '{m.Term}' ({m.Kind.ToString().ToLowerInvariant()}), {m.Category}, {m.Severity.ToName()}, rule {m.Rule}, normalised '{m.NormalizedMatch}'{(m.RequiredContext is null ? "" : $", needs context '{m.RequiredContext}'")}");
                foreach (var slot in m.Slots)
                {
                    report.AppendLine(CultureInfo.InvariantCulture, $"    slot {slot.Slot,-18} '{slot.Words}'");
                }
            }

            foreach (var c in result.Combinations)
            {
                report.AppendLine(CultureInfo.InvariantCulture, $"  combination {c.Id}: {c.Category} + group {c.Group} ('{c.GroupTerm}') raises to {c.RaiseTo.ToName()}");
            }
        }

        if (result.Explanation.Length > 0)
        {
            report.AppendLine(CultureInfo.InvariantCulture, $"why:         {result.Explanation}");
        }

        AlertPipeline.Model.ModelCli.WriteText(report, verdict);
        await output.WriteAsync(report.ToString()).ConfigureAwait(false);
        return 0;
    }

    private static int Lint(CliArgs args, TextWriter output)
    {
        args.NoPositionals();
        var dictionary = args.Get("dictionary") ?? DefaultDictionary;
        if (!File.Exists(dictionary))
        {
            throw new CliException($"keywords lint: dictionary '{dictionary}' does not exist (install Debian's 'wamerican' or pass --dictionary FILE)");
        }

        var set = KeywordDirectory.Load(ListsPath(args));
        var findings = KeywordLinter.Lint(set, File.ReadLines(dictionary));
        foreach (var f in findings)
        {
            output.WriteLine($"{f.Level.ToString().ToLowerInvariant(),-7} {f.Code,-22} {f.Where,-28} {f.Message}");
        }

        var warnings = findings.Count(f => f.Level == LintLevel.Warning);
        output.WriteLine($"{set.Entries.Count} entries, {findings.Count} findings ({warnings} warnings) in {set.Version}");
        return args.Flag("strict") && warnings > 0 ? 1 : 0;
    }

    private static int Import(CliArgs args, TextWriter output, Func<CliArgs, ServiceProvider> offlineServices)
    {
        args.NoPositionals();
        var file = args.Get("senso") ?? throw new CliException("keywords import: --senso FILE is required (a Senso keyword export)");
        var category = args.Get("category") ?? throw new CliException($"keywords import: --category is required (one of {string.Join(", ", KeywordSetParser.KnownCategories)})");
        var by = args.Get("by") ?? throw new CliException("keywords import: --by USER is required (who made the change)");
        var reason = args.Get("reason") ?? throw new CliException("keywords import: --reason TEXT is required (why the change was made)");
        if (!KeywordSetParser.KnownCategories.Contains(category, StringComparer.Ordinal))
        {
            throw new CliException($"keywords import: --category must be one of {string.Join(", ", KeywordSetParser.KnownCategories)} (was '{category}')");
        }

        if (!File.Exists(file))
        {
            throw new CliException($"keywords import: file '{file}' does not exist");
        }

        using var services = offlineServices(args);
        // Without --lists, the lists in force: the data directory's copy (on a trust, this machine's mirror of the
        // trust's lists, published to every process below), not the install's seed, which nothing reads once seeded.
        var storage = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Storage.StorageOptions>>().Value;
        var directory = (args.Get("lists") is { } named ? KeywordDirectory.Resolve(named)
                            : KeywordDirectory.ResolveEditable(ListsPath(args), storage.FullDataDirectory, alwaysCopy: storage.IsPostgres))
                        ?? throw new CliException($"keywords import: list directory '{ListsPath(args)}' does not exist");
        var beforeFiles = KeywordDirectory.ReadFiles(directory);
        var before = KeywordSetParser.Parse(beforeFiles);
        var imported = SensoCsv.Import(File.ReadAllText(file), category, Path.GetFileName(file));
        var existing = before.Entries.Where(e => e.Category == category).Select(e => e.Term).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var existingAllow = before.Allow.Select(a => a.Phrase).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var newEntries = imported.Entries.Where(e => !existing.Contains(e.Term)).ToList();
        var newAllow = imported.Allow.Where(a => !existingAllow.Contains(a.Phrase)).ToList();

        // Append rows rather than rewrite files, so curators' comments and ordering survive; validate the result
        // and put the files back if the import would leave the lists invalid.
        var listFile = Path.Combine(directory, category + ".csv");
        var allowFile = Path.Combine(directory, KeywordSetParser.AllowListFile);
        var saved = new[] { listFile, allowFile }.ToDictionary(f => f, f => File.Exists(f) ? File.ReadAllText(f) : null);
        try
        {
            Append(listFile, "term,match,severity,sources,requires,notes", newEntries.Select(e =>
                string.Join(',', Csv(e.Term), e.Kind.ToString().ToLowerInvariant(), e.Severity.ToName(), Csv(e.Sources.ToName()),
                    Csv(e.Requires ?? ""), Csv($"imported from {Path.GetFileName(file)} by {by}: {reason}"))));
            Append(allowFile, "phrase,notes", newAllow.Select(a => string.Join(',', Csv(a.Phrase), Csv($"imported from {Path.GetFileName(file)} by {by}"))));
            var afterFiles = KeywordDirectory.ReadFiles(directory);
            var after = KeywordSetParser.Parse(afterFiles);
            var snapshots = services.GetRequiredService<KeywordSnapshots>();
            snapshots.Save(before.Version, beforeFiles);
            snapshots.Save(after.Version, afterFiles);
            services.GetRequiredService<KeywordVersionStore>().Record(after.Version, by, reason, after.Entries.Count);
            services.GetRequiredService<AuditLog>().Append(CliActor.Name(by), CliActor.Role, AuditActions.KeywordChange,
                detail: CliActor.Detail(by, $"imported {newEntries.Count} entries into {category} and {newAllow.Count} allow phrases from {Path.GetFileName(file)}: {reason} ({before.Version} -> {after.Version})"));
            foreach (var warning in imported.Warnings)
            {
                output.WriteLine("warning: " + warning);
            }

            output.WriteLine($"Imported {newEntries.Count} entries into {category} and {newAllow.Count} allow phrases ({imported.Entries.Count - newEntries.Count} already present). Lists {before.Version} -> {after.Version}, recorded for {by}.");
            return 0;
        }
        catch (KeywordListException)
        {
            foreach (var (path, content) in saved)
            {
                if (content is null)
                {
                    File.Delete(path);
                }
                else
                {
                    File.WriteAllText(path, content);
                }
            }

            throw;
        }
    }

    private static int Export(CliArgs args, TextWriter output)
    {
        args.NoPositionals();
        var format = args.Choice("format", "senso", "senso", "csv");
        var set = KeywordDirectory.Load(ListsPath(args));
        var category = args.Get("category");
        var entries = set.Entries.Where(e => category is null || e.Category == category).ToList();
        if (format == "senso")
        {
            output.Write(SensoCsv.Export(entries, set.Allow, out var skipped));
            foreach (var s in skipped)
            {
                Console.Error.WriteLine("skipped: " + s);
            }
        }
        else
        {
            foreach (var file in KeywordSetWriter.ToFiles(set).Where(f => category is null || f.Name == category + ".csv"))
            {
                output.WriteLine($"# {file.Name}");
                output.Write(file.Content);
            }
        }

        return 0;
    }

    private static int History(CliArgs args, TextWriter output, Func<CliArgs, ServiceProvider> offlineServices)
    {
        args.NoPositionals();
        using var services = offlineServices(args);
        foreach (var v in services.GetRequiredService<KeywordVersionStore>().History())
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{v.At:yyyy-MM-dd HH:mm:ss}Z  {v.Version}  {v.Entries,6} entries  {v.Actor,-16} {v.Reason}"));
        }

        return 0;
    }

    // Without --lists, the lists the host uses: an installed host keeps them in its data directory (set in the site
    // configuration), and testing a text against the shipped seeds instead would answer for lists nobody runs.
    internal static string ListsPath(CliArgs args) =>
        args.Get("lists")
        ?? PipelineConfiguration.Build(args.Get("config"), new Dictionary<string, string?>())[$"{DetectionOptions.Section}:KeywordsDirectory"]
        ?? new DetectionOptions().KeywordsDirectory;

    private static Detector LoadDetector(CliArgs args) => Detector.Compile(KeywordDirectory.Load(ListsPath(args)));

    private static void Append(string path, string header, IEnumerable<string> lines)
    {
        var rows = lines.ToList();
        if (rows.Count == 0)
        {
            return;
        }

        var prefix = File.Exists(path) ? (File.ReadAllText(path).EndsWith('\n') ? "" : "\n") : header + "\n";
        File.AppendAllText(path, prefix + string.Join("\n", rows) + "\n");
    }

    private static string Csv(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
}
