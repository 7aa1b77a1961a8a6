using System.Text;
using AlertPipeline.Detection.Lists;

namespace AlertPipeline.Detection.Curation;

/// <summary>What a Senso import produced, plus rows whose meaning could only be approximated.</summary>
public sealed record SensoImport(IReadOnlyList<KeywordEntry> Entries, IReadOnlyList<AllowEntry> Allow, IReadOnlyList<string> Warnings);

/// <summary>
/// Maps Senso keyword import CSVs (<c>Phrase,Context,Action,Severity,Screenshot,Match</c>) to and from our
/// list model. Pure: the caller reads and writes files. The mapping is documented in docs/keyword-lists.md
/// ("Senso import/export") and summarised here:
/// <list type="bullet">
/// <item>Action BLOCK → <see cref="KeywordEntry"/>; ALLOW → <see cref="AllowEntry"/>.</item>
/// <item>Context KEYWORD → search|typed|chat; WEBSITEURL → url; CAPTION and APPLICATION → title;
/// WEBSITECONTENT → screen. Rows for the same phrase merge their sources (strongest severity wins).</item>
/// <item>Severity LOW..CRITICAL ↔ our five levels, one to one.</item>
/// <item>Match ALONE → an ordinary entry. SAMETYPE/ANYTYPE ("only with another match") have no exact
/// equivalent without a group; they import as ordinary entries (alert more, never less) and are listed
/// in <see cref="SensoImport.Warnings"/> for a curator to turn into <c>requires</c>.</item>
/// <item>Screenshot is not modelled: ignored on import; exported YES for high and above.</item>
/// <item>A trailing <c>*</c> is a prefix; a phrase with a space is a phrase.</item>
/// </list>
/// </summary>
public static class SensoCsv
{
    public const string Header = "Phrase,Context,Action,Severity,Screenshot,Match";

    public static SensoImport Import(string content, string category, string fileName = "senso.csv")
    {
        ArgumentNullException.ThrowIfNull(content);
        var entries = new Dictionary<string, KeywordEntry>(StringComparer.OrdinalIgnoreCase);
        var order = new List<string>();
        var allow = new List<AllowEntry>();
        var warnings = new List<string>();
        Dictionary<string, int>? columns = null;
        foreach (var (line, fields) in Csv.Read(content))
        {
            if (fields.All(string.IsNullOrWhiteSpace))
            {
                continue;
            }

            if (columns is null)
            {
                columns = fields.Select((f, i) => (Name: f.Trim().ToUpperInvariant(), i)).ToDictionary(x => x.Name, x => x.i);
                if (!columns.ContainsKey("PHRASE"))
                {
                    throw new KeywordListException($"{fileName}:{line}: header has no 'Phrase' column (expected {Header})");
                }

                continue;
            }

            string Get(string name) => columns.TryGetValue(name, out var i) && i < fields.Length ? fields[i].Trim() : string.Empty;
            var phrase = Get("PHRASE");
            if (phrase.Length == 0)
            {
                throw new KeywordListException($"{fileName}:{line}: Phrase is empty");
            }

            var action = Get("ACTION").ToUpperInvariant();
            if (action == "ALLOW")
            {
                allow.Add(new AllowEntry(phrase, "imported from Senso", $"{fileName}:{line}"));
                continue;
            }

            if (action is not ("" or "BLOCK"))
            {
                throw new KeywordListException($"{fileName}:{line}: Action '{action}' is not BLOCK or ALLOW");
            }

            var severityText = Get("SEVERITY");
            if (!SeverityNames.TryParse(severityText, out var severity))
            {
                throw new KeywordListException($"{fileName}:{line}: Severity '{severityText}' is not LOW, MEDIUM, HIGH, URGENT or CRITICAL");
            }

            var context = Get("CONTEXT").ToUpperInvariant();
            var sources = context switch
            {
                "" => SourceKinds.Any,
                "KEYWORD" => SourceKinds.Search | SourceKinds.Typed | SourceKinds.Chat,
                "WEBSITEURL" => SourceKinds.Url,
                "CAPTION" or "APPLICATION" => SourceKinds.Title,
                "WEBSITECONTENT" => SourceKinds.Screen,
                _ => throw new KeywordListException(
                    $"{fileName}:{line}: Context '{context}' is not KEYWORD, WEBSITEURL, CAPTION, WEBSITECONTENT or APPLICATION"),
            };

            var match = Get("MATCH").ToUpperInvariant();
            if (match is "SAMETYPE" or "ANYTYPE")
            {
                warnings.Add($"{fileName}:{line}: '{phrase}' has Match {match} (alert only with another match); imported as an ordinary entry, consider a 'requires' group");
            }
            else if (match is not ("" or "ALONE"))
            {
                throw new KeywordListException($"{fileName}:{line}: Match '{match}' is not ALONE, SAMETYPE or ANYTYPE");
            }

            var kind = phrase.EndsWith('*') ? MatchKind.Prefix : phrase.Contains(' ', StringComparison.Ordinal) ? MatchKind.Phrase : MatchKind.Word;
            var term = phrase.TrimEnd('*').Trim();
            if (entries.TryGetValue(term, out var existing))
            {
                entries[term] = existing with
                {
                    Sources = existing.Sources | sources,
                    Severity = existing.Severity > severity ? existing.Severity : severity,
                };
            }
            else
            {
                entries[term] = new KeywordEntry(term, category, severity, kind, sources, "imported from Senso", Origin: $"{fileName}:{line}");
                order.Add(term);
            }
        }

        return new SensoImport([.. order.Select(t => entries[t])], allow, warnings);
    }

    /// <summary>
    /// Writes entries and allow phrases as a Senso import file: one row per Senso context an entry's sources
    /// need. Entries Senso cannot express (regex, <c>requires</c>) are skipped and named in <paramref name="skipped"/>.
    /// </summary>
    public static string Export(IEnumerable<KeywordEntry> entries, IEnumerable<AllowEntry> allow, out IReadOnlyList<string> skipped)
    {
        var builder = new StringBuilder(Header).Append('\n');
        var notExported = new List<string>();
        foreach (var entry in entries)
        {
            if (entry.Kind == MatchKind.Regex || entry.Requires is not null)
            {
                notExported.Add($"{entry.Id}: {(entry.Kind == MatchKind.Regex ? "regex" : "requires " + entry.Requires)} has no Senso equivalent");
                continue;
            }

            var phrase = entry.Kind == MatchKind.Prefix ? entry.Term + "*" : entry.Term;
            foreach (var context in Contexts(entry.Sources))
            {
                builder.Append(Csv.Escape(phrase)).Append(',').Append(context).Append(",BLOCK,")
                    .Append(entry.Severity.ToName().ToUpperInvariant()).Append(',')
                    .Append(entry.Severity >= Severity.High ? "YES" : "NO").Append(",ALONE\n");
            }
        }

        foreach (var a in allow)
        {
            foreach (var context in new[] { "KEYWORD", "WEBSITEURL", "CAPTION", "WEBSITECONTENT" })
            {
                builder.Append(Csv.Escape(a.Phrase)).Append(',').Append(context).Append(",ALLOW,LOW,NO,ALONE\n");
            }
        }

        skipped = notExported;
        return builder.ToString();
    }

    private static IEnumerable<string> Contexts(SourceKinds sources)
    {
        if ((sources & (SourceKinds.Search | SourceKinds.Typed | SourceKinds.Chat)) != 0)
        {
            yield return "KEYWORD";
        }

        if (sources.HasFlag(SourceKinds.Url))
        {
            yield return "WEBSITEURL";
        }

        if (sources.HasFlag(SourceKinds.Title))
        {
            yield return "CAPTION";
        }

        if (sources.HasFlag(SourceKinds.Screen))
        {
            yield return "WEBSITECONTENT";
        }
    }
}
