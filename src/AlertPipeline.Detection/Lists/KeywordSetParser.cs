using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using AlertPipeline.Detection.Matching;
using AlertPipeline.Detection.Normalization;

namespace AlertPipeline.Detection.Lists;

/// <summary>
/// Parses a keyword list directory's files (already read) into a <see cref="KeywordSet"/>.
/// The format is specified in docs/keyword-lists.md. Every error is a <see cref="KeywordListException"/>
/// whose message starts <c>file:line: field</c> and quotes the bad value.
/// </summary>
public static class KeywordSetParser
{
    public const string AllowListFile = "allow.csv";
    public const string GroupsFile = "groups.csv";
    public const string CombinationsFile = "combinations.csv";
    public const string IntentsFile = "intents.csv";

    /// <summary>The agreed list ids; a list file must be named after one (a typo must not invent a category).</summary>
    public static readonly IReadOnlyList<string> KnownCategories =
    [
        "illegal", "bullying", "child-sexual-exploitation", "discrimination", "drugs", "extremism", "gambling",
        "hate-speech", "pornography", "self-harm", "suicide", "violence", "weapons", "offensive-language",
    ];

    private static readonly string[] EntryColumns = ["term", "match", "severity", "sources", "requires", "unless", "notes"];
    private static readonly string[] IntentColumns = ["id", "category", "severity", "slots", "gap", "sources", "requires", "unless", "notes"];
    private static readonly string[] GroupColumns = ["group", "term", "notes"];
    private static readonly string[] CombinationColumns = ["id", "category", "group", "raise_to", "unless", "sources", "notes"];
    private static readonly string[] AllowColumns = ["phrase", "notes"];

    /// <summary>Reads every <c>*.csv</c> file given; other files (a README beside the lists) are ignored.</summary>
    public static KeywordSet Parse(IEnumerable<KeywordSourceFile> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var ordered = files
            .Select(f => f with { Name = Path.GetFileName(f.Name) })
            .Where(f => f.Name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .ToList();

        var groups = new List<GroupTerm>();
        var allow = new List<AllowEntry>();
        var entries = new List<KeywordEntry>();
        var combinations = new List<Combination>();
        foreach (var file in ordered.Where(f => Is(f, GroupsFile)))
        {
            ParseGroups(file, groups);
        }

        var groupIds = groups.Select(g => g.Group).ToHashSet(StringComparer.Ordinal);
        var seenIds = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in ordered)
        {
            if (Is(file, AllowListFile))
            {
                ParseAllow(file, allow);
            }
            else if (Is(file, IntentsFile))
            {
                ParseIntents(file, groups, seenIds, entries);
            }
            else if (!Is(file, GroupsFile) && !Is(file, CombinationsFile))
            {
                ParseEntries(file, groupIds, seenIds, entries);
            }
        }

        foreach (var file in ordered.Where(f => Is(f, CombinationsFile)))
        {
            ParseCombinations(file, groupIds, combinations);
        }

        return new KeywordSet(entries, allow, groups, combinations, ComputeVersion(ordered));
    }

    private static bool Is(KeywordSourceFile file, string name) => string.Equals(file.Name, name, StringComparison.OrdinalIgnoreCase);

    private static void ParseEntries(KeywordSourceFile file, HashSet<string> groupIds, Dictionary<string, string> seenIds,
        List<KeywordEntry> entries)
    {
        var category = Path.GetFileNameWithoutExtension(file.Name);
        if (!KnownCategories.Contains(category, StringComparer.Ordinal))
        {
            throw new KeywordListException(
                $"{file.Name}: list id '{category}' is not one of {string.Join(", ", KnownCategories)} (or allow, groups, combinations)");
        }

        foreach (var (line, record) in Records(file, EntryColumns, ["term", "severity"]))
        {
            var term = record.Get("term").Trim();
            if (term.Length == 0)
            {
                throw Error(file, line, "term", "is empty");
            }

            var kindText = record.Get("match").Trim().ToLowerInvariant();
            var kind = kindText switch
            {
                "" or "word" => MatchKind.Word,
                "phrase" => MatchKind.Phrase,
                "prefix" => MatchKind.Prefix,
                "regex" => MatchKind.Regex,
                _ => throw Error(file, line, "match", $"'{kindText}' is not one of word, phrase, prefix, regex"),
            };

            if (kind == MatchKind.Regex)
            {
                if (GuardedRegex.TryCreate(term, out var problem) is null)
                {
                    throw Error(file, line, "term", $"'{term}' {problem}");
                }
            }
            else
            {
                if (term.EndsWith('*'))
                {
                    kind = MatchKind.Prefix;
                    term = term.TrimEnd('*').TrimEnd();
                }

                RequireNormalisable(file, line, "term", term);
            }

            var severityText = record.Get("severity");
            if (!SeverityNames.TryParse(severityText, out var severity))
            {
                throw Error(file, line, "severity", $"'{severityText}' is not one of low, medium, high, urgent, critical");
            }

            var sources = ParseSources(file, line, record.Get("sources"));
            var requires = GroupField(file, line, record, "requires", groupIds);
            var unless = GroupField(file, line, record, "unless", groupIds);
            var origin = $"{file.Name}:{line}";
            var entry = new KeywordEntry(term, category, severity, kind, sources, NullIfEmpty(record.Get("notes")),
                requires, origin, unless);
            if (!seenIds.TryAdd(entry.Id, origin))
            {
                throw Error(file, line, "term", $"'{term}' repeats the entry at {seenIds[entry.Id]}");
            }

            entries.Add(entry);
        }
    }

    private static string? GroupField(KeywordSourceFile file, int line, Record record, string field, HashSet<string> groupIds)
    {
        var group = record.Get(field).Trim();
        if (group.Length > 0 && !groupIds.Contains(group))
        {
            throw Error(file, line, field, $"'{group}' is not a group defined in {GroupsFile}"
                + (groupIds.Count == 0 ? " (there is none)" : $" ({string.Join(", ", groupIds.Order(StringComparer.Ordinal))})"));
        }

        return group.Length == 0 ? null : group;
    }

    /// <summary>
    /// intents.csv: <c>id,category,severity,slots,gap,sources,requires,unless,notes</c>. <c>slots</c> names groups of
    /// groups.csv in the order their words must appear ("intent harm-verb school-target"); <c>gap</c> (0 to
    /// <see cref="IntentRule.MaxGap"/>, default 2) is how many other words may stand between two slots.
    /// </summary>
    private static void ParseIntents(KeywordSourceFile file, List<GroupTerm> groups, Dictionary<string, string> seenIds, List<KeywordEntry> entries)
    {
        var groupIds = groups.Select(g => g.Group).ToHashSet(StringComparer.Ordinal);
        foreach (var (line, record) in Records(file, IntentColumns, ["id", "category", "severity", "slots"]))
        {
            var id = record.Get("id").Trim();
            if (id.Length == 0 || !id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_'))
            {
                throw Error(file, line, "id", $"'{id}' must be lower-case letters, digits, '-' or '_'");
            }

            var category = record.Get("category").Trim();
            if (!KnownCategories.Contains(category, StringComparer.Ordinal))
            {
                throw Error(file, line, "category", $"'{category}' is not one of {string.Join(", ", KnownCategories)}");
            }

            var severityText = record.Get("severity");
            if (!SeverityNames.TryParse(severityText, out var severity))
            {
                throw Error(file, line, "severity", $"'{severityText}' is not one of low, medium, high, urgent, critical");
            }

            var slotNames = record.Get("slots").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (slotNames.Length < 2)
            {
                throw Error(file, line, "slots", $"'{record.Get("slots")}' names {slotNames.Length} group(s); a rule needs at least two, in order, separated by spaces");
            }

            var slots = new List<IntentSlot>();
            foreach (var name in slotNames)
            {
                if (!groupIds.Contains(name))
                {
                    throw Error(file, line, "slots", $"'{name}' is not a group defined in {GroupsFile}");
                }

                var terms = groups.Where(g => g.Group == name).ToList();
                var words = terms.Where(t => t.Kind != MatchKind.Prefix).Select(t => TextNormalizer.NormalizeToString(t.Term)).Distinct(StringComparer.Ordinal).ToList();
                var prefixes = terms.Where(t => t.Kind == MatchKind.Prefix).Select(t => TextNormalizer.NormalizeToString(t.Term)).Distinct(StringComparer.Ordinal).ToList();
                if (words.Concat(prefixes).Any(w => !w.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == ' ')))
                {
                    throw Error(file, line, "slots", $"group '{name}' has a term that is not plain letters and digits after normalisation");
                }

                slots.Add(new IntentSlot(name, words, prefixes));
            }

            // A rule runs only on texts holding a word of each "selective" slot (every word ≥ 3 characters, no
            // prefix); with none it would run its regex on every text the pipeline sees.
            if (!slots.Any(s => s.Prefixes.Count == 0 && s.Words.All(w => w.Length >= RegexPrefilter.MinimumLength)))
            {
                throw Error(file, line, "slots", $"'{record.Get("slots")}' has no slot whose words are all 3 or more characters (and not prefixes), so the rule would run on every text; split a short word into its own group");
            }

            var gapText = record.Get("gap").Trim();
            var gap = 2;
            if (gapText.Length > 0 && (!int.TryParse(gapText, NumberStyles.None, CultureInfo.InvariantCulture, out gap) || gap > IntentRule.MaxGap))
            {
                throw Error(file, line, "gap", $"'{gapText}' is not a whole number from 0 to {IntentRule.MaxGap}");
            }

            var rule = new IntentRule(id, slots, gap);
            if (GuardedRegex.TryCreate(rule.Pattern, out var problem, maxLength: int.MaxValue) is null)
            {
                throw Error(file, line, "slots", $"make a regex that {problem}");
            }

            var origin = $"{file.Name}:{line}";
            var entry = new KeywordEntry(id, category, severity, MatchKind.Regex, ParseSources(file, line, record.Get("sources")),
                NullIfEmpty(record.Get("notes")), GroupField(file, line, record, "requires", groupIds), origin,
                GroupField(file, line, record, "unless", groupIds)) { Intent = rule };
            if (!seenIds.TryAdd(entry.Id, origin))
            {
                throw Error(file, line, "id", $"'{id}' repeats the entry at {seenIds[entry.Id]}");
            }

            entries.Add(entry);
        }
    }

    private static void ParseGroups(KeywordSourceFile file, List<GroupTerm> groups)
    {
        foreach (var (line, record) in Records(file, GroupColumns, ["group", "term"]))
        {
            var group = record.Get("group").Trim();
            if (group.Length == 0 || !group.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_'))
            {
                throw Error(file, line, "group", $"'{group}' must be lower-case letters, digits, '-' or '_'");
            }

            var term = record.Get("term").Trim();
            var kind = MatchKind.Word;
            if (term.EndsWith('*'))
            {
                kind = MatchKind.Prefix;
                term = term.TrimEnd('*').TrimEnd();
            }

            if (term.Length == 0)
            {
                throw Error(file, line, "term", "is empty");
            }

            // "stab~": the term and its regular inflections (WordForms), each an ordinary group term.
            var inflect = kind == MatchKind.Word && term.EndsWith('~');
            term = term.TrimEnd('~').TrimEnd();
            RequireNormalisable(file, line, "term", term);
            foreach (var form in inflect ? WordForms.Inflect(term) : [term])
            {
                groups.Add(new GroupTerm(group, form, kind, NullIfEmpty(record.Get("notes")), $"{file.Name}:{line}"));
            }
        }
    }

    private static void ParseCombinations(KeywordSourceFile file, HashSet<string> groupIds, List<Combination> combinations)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (line, record) in Records(file, CombinationColumns, ["id", "category", "raise_to"]))
        {
            var id = record.Get("id").Trim();
            if (id.Length == 0)
            {
                throw Error(file, line, "id", "is empty");
            }

            if (!ids.Add(id))
            {
                throw Error(file, line, "id", $"'{id}' is used twice");
            }

            var category = record.Get("category").Trim();
            if (!KnownCategories.Contains(category, StringComparer.Ordinal))
            {
                throw Error(file, line, "category", $"'{category}' is not one of {string.Join(", ", KnownCategories)}");
            }

            var sources = ParseSources(file, line, record.Get("sources"));
            var group = record.Get("group").Trim();
            if (group.Length == 0 && sources == SourceKinds.Any)
            {
                // A rule with neither would raise every match of the category: that is the entry's own severity.
                throw Error(file, line, "group", "is empty: name a group defined in " + GroupsFile + ", or set sources (a rule that raises what is searched for)");
            }

            if (group.Length > 0 && !groupIds.Contains(group))
            {
                throw Error(file, line, "group", $"'{group}' is not a group defined in {GroupsFile}");
            }

            var raiseText = record.Get("raise_to");
            if (!SeverityNames.TryParse(raiseText, out var raiseTo))
            {
                throw Error(file, line, "raise_to", $"'{raiseText}' is not one of low, medium, high, urgent, critical");
            }

            combinations.Add(new Combination(id, category, NullIfEmpty(group), raiseTo, NullIfEmpty(record.Get("notes")), $"{file.Name}:{line}",
                GroupField(file, line, record, "unless", groupIds), sources));
        }
    }

    private static void ParseAllow(KeywordSourceFile file, List<AllowEntry> allow)
    {
        foreach (var (line, record) in Records(file, AllowColumns, ["phrase"]))
        {
            var phrase = record.Get("phrase").Trim();
            if (phrase.Length == 0)
            {
                throw Error(file, line, "phrase", "is empty");
            }

            RequireNormalisable(file, line, "phrase", phrase);
            allow.Add(new AllowEntry(phrase, NullIfEmpty(record.Get("notes")), $"{file.Name}:{line}"));
        }
    }

    private static void RequireNormalisable(KeywordSourceFile file, int line, string field, string value)
    {
        if (TextNormalizer.NormalizeToString(value).Length == 0)
        {
            throw Error(file, line, field, $"'{value}' has no letters or digits after normalisation, so it can never match");
        }
    }

    private static SourceKinds ParseSources(KeywordSourceFile file, int line, string text)
    {
        var trimmed = text.Trim();
        if (trimmed.Length == 0 || trimmed == "any")
        {
            return SourceKinds.Any;
        }

        var result = SourceKinds.None;
        foreach (var part in trimmed.Split('|', StringSplitOptions.TrimEntries))
        {
            if (!SourceKindNames.TryParseSingle(part, out var one))
            {
                throw Error(file, line, "sources", $"'{part}' is not one of any, {string.Join(", ", SourceKindNames.All)}");
            }

            result |= one;
        }

        return result;
    }

    /// <summary>Data records with their header-resolved fields, comments and blank records skipped.</summary>
    private static IEnumerable<(int Line, Record Record)> Records(KeywordSourceFile file, string[] known, string[] required)
    {
        List<(int Line, string[] Fields)> raw;
        try
        {
            raw = Csv.Read(file.Content).ToList();
        }
        catch (FormatException ex)
        {
            throw new KeywordListException($"{file.Name}: {ex.Message}");
        }

        Dictionary<string, int>? columns = null;
        foreach (var (line, fields) in raw)
        {
            if ((fields.Length > 0 && fields[0].TrimStart().StartsWith('#')) || fields.All(string.IsNullOrWhiteSpace))
            {
                continue;
            }

            if (columns is null)
            {
                columns = Header(file, line, fields, known, required);
                continue;
            }

            if (fields.Length > columns.Count)
            {
                throw new KeywordListException(
                    $"{file.Name}:{line}: record has {fields.Length} fields but the header has {columns.Count} (quote a value that contains a comma)");
            }

            yield return (line, new Record(fields, columns));
        }
    }

    private static Dictionary<string, int> Header(KeywordSourceFile file, int line, string[] fields, string[] known, string[] required)
    {
        var columns = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < fields.Length; i++)
        {
            var name = fields[i].Trim().ToLowerInvariant();
            if (!known.Contains(name))
            {
                throw new KeywordListException($"{file.Name}:{line}: header column '{fields[i]}' is unknown (expected {string.Join(",", known)})");
            }

            if (!columns.TryAdd(name, i))
            {
                throw new KeywordListException($"{file.Name}:{line}: header column '{name}' appears twice");
            }
        }

        foreach (var name in required.Where(r => !columns.ContainsKey(r)))
        {
            throw new KeywordListException($"{file.Name}:{line}: header has no '{name}' column (expected {string.Join(",", known)})");
        }

        return columns;
    }

    private static string? NullIfEmpty(string text) => text.Trim() is { Length: > 0 } t ? t : null;

    private static KeywordListException Error(KeywordSourceFile file, int line, string field, string problem) =>
        new($"{file.Name}:{line}: {field} {problem}");

    private static string ComputeVersion(IEnumerable<KeywordSourceFile> files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(file.Name));
            hash.AppendData([0]);
            hash.AppendData(Encoding.UTF8.GetBytes(file.Content));
            hash.AppendData([0]);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset())[..12];
    }

    private readonly struct Record(string[] fields, Dictionary<string, int> columns)
    {
        public string Get(string name) => columns.TryGetValue(name, out var i) && i < fields.Length ? fields[i] : string.Empty;
    }
}
