using System.Security.Cryptography;
using System.Text;

namespace AlertPipeline.Detection.Lists;

/// <summary>
/// Parses a keyword list directory's files (already read) into a <see cref="KeywordSet"/>.
/// Format: one CSV per list, named by the list id (<c>suicide.csv</c>), header
/// <c>term,match,severity,sources,notes</c>; <c>allow.csv</c> holds <c>phrase,notes</c>.
/// Records whose first field starts with <c>#</c> are comments. Every error names file, line and field.
/// </summary>
public static class KeywordSetParser
{
    public const string AllowListFile = "allow.csv";

    private static readonly string[] EntryColumns = ["term", "match", "severity", "sources", "notes"];

    public static KeywordSet Parse(IEnumerable<KeywordSourceFile> files)
    {
        var entries = new List<KeywordEntry>();
        var allow = new List<AllowEntry>();
        var ordered = files.OrderBy(f => f.Name, StringComparer.Ordinal).ToList();
        foreach (var file in ordered)
        {
            if (string.Equals(file.Name, AllowListFile, StringComparison.OrdinalIgnoreCase))
            {
                ParseAllow(file, allow);
            }
            else
            {
                ParseEntries(file, entries);
            }
        }

        return new KeywordSet(entries, allow, ComputeVersion(ordered));
    }

    private static void ParseEntries(KeywordSourceFile file, List<KeywordEntry> entries)
    {
        var category = Path.GetFileNameWithoutExtension(file.Name);
        if (category.Length == 0 || !category.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
        {
            throw new KeywordListException($"{file.Name}: list id '{category}' must be lower-case letters, digits and '-'");
        }

        Dictionary<string, int>? columns = null;
        foreach (var (line, fields) in ReadRecords(file))
        {
            if (columns is null)
            {
                columns = Header(file, line, fields, EntryColumns, "term");
                continue;
            }

            var term = Field(fields, columns, "term").Trim();
            if (term.Length == 0)
            {
                throw Error(file, line, "term", "is empty");
            }

            var kind = MatchKind.Word;
            var kindText = Field(fields, columns, "match").Trim().ToLowerInvariant();
            if (term.EndsWith('*'))
            {
                kind = MatchKind.Prefix;
                term = term.TrimEnd('*').TrimEnd();
            }
            else if (kindText is "phrase")
            {
                kind = MatchKind.Phrase;
            }

            if (kindText is not ("" or "word" or "phrase" or "prefix"))
            {
                throw Error(file, line, "match", $"'{kindText}' is not one of word, phrase, prefix");
            }

            if (kindText == "prefix")
            {
                kind = MatchKind.Prefix;
            }

            var severityText = Field(fields, columns, "severity");
            if (!SeverityNames.TryParse(severityText, out var severity))
            {
                throw Error(file, line, "severity", $"'{severityText}' is not one of low, medium, high, urgent, critical");
            }

            var sources = ParseSources(file, line, Field(fields, columns, "sources"));
            var notes = Field(fields, columns, "notes").Trim();
            entries.Add(new KeywordEntry(term, category, severity, kind, sources, notes.Length == 0 ? null : notes));
        }
    }

    private static void ParseAllow(KeywordSourceFile file, List<AllowEntry> allow)
    {
        Dictionary<string, int>? columns = null;
        foreach (var (line, fields) in ReadRecords(file))
        {
            if (columns is null)
            {
                columns = Header(file, line, fields, ["phrase", "notes"], "phrase");
                continue;
            }

            var phrase = Field(fields, columns, "phrase").Trim();
            if (phrase.Length == 0)
            {
                throw Error(file, line, "phrase", "is empty");
            }

            var notes = Field(fields, columns, "notes").Trim();
            allow.Add(new AllowEntry(phrase, notes.Length == 0 ? null : notes));
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
        foreach (var part in trimmed.Split(['|', ';', ' '], StringSplitOptions.RemoveEmptyEntries))
        {
            if (!SourceKindNames.TryParseSingle(part, out var one))
            {
                throw Error(file, line, "sources", $"'{part}' is not one of any, {string.Join(", ", SourceKindNames.All)}");
            }

            result |= one;
        }

        return result;
    }

    private static IEnumerable<(int Line, string[] Fields)> ReadRecords(KeywordSourceFile file)
    {
        IEnumerable<(int, string[])> records;
        try
        {
            records = Csv.Read(file.Content).ToList();
        }
        catch (FormatException ex)
        {
            throw new KeywordListException($"{file.Name}: {ex.Message}");
        }

        return records.Where(r => !(r.Item2.Length > 0 && r.Item2[0].TrimStart().StartsWith('#'))
                                   && !r.Item2.All(string.IsNullOrWhiteSpace));
    }

    private static Dictionary<string, int> Header(KeywordSourceFile file, int line, string[] fields, string[] known, string required)
    {
        var columns = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < fields.Length; i++)
        {
            var name = fields[i].Trim().ToLowerInvariant();
            if (!known.Contains(name))
            {
                throw new KeywordListException($"{file.Name}:{line}: unknown column '{fields[i]}' (expected {string.Join(",", known)})");
            }

            columns[name] = i;
        }

        if (!columns.ContainsKey(required))
        {
            throw new KeywordListException($"{file.Name}:{line}: header has no '{required}' column");
        }

        return columns;
    }

    private static string Field(string[] fields, Dictionary<string, int> columns, string name) =>
        columns.TryGetValue(name, out var i) && i < fields.Length ? fields[i] : string.Empty;

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
}
