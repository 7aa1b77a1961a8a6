using AlertPipeline.Detection.Lists;
using AlertPipeline.Detection.Normalization;

namespace AlertPipeline.Detection.Curation;

public enum LintLevel
{
    Info,
    Warning,
}

/// <summary>One problem a curator should look at. <paramref name="Where"/> is the entry's file:line or id.</summary>
public sealed record LintFinding(LintLevel Level, string Code, string Where, string EntryId, string Message);

/// <summary>
/// Reviews a keyword set for curators: duplicates, dead entries (shadowed by a prefix, unable to match
/// normalised text, or always suppressed by an allow phrase) and terms that are, or catch, common English
/// words. The host loads the word list (e.g. /usr/share/dict/american-english) and passes it in.
/// </summary>
public static class KeywordLinter
{
    private const int MaxExamples = 5;

    public static IReadOnlyList<LintFinding> Lint(KeywordSet set, IEnumerable<string> commonWords)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(commonWords);
        var common = commonWords.Select(TextNormalizer.NormalizeToString)
            .Where(w => w.Length > 0 && !w.Contains(' ', StringComparison.Ordinal))
            .ToHashSet(StringComparer.Ordinal);
        var sortedCommon = common.Order(StringComparer.Ordinal).ToArray();
        var normalized = set.Entries.Select(e => e.Kind == MatchKind.Regex ? e.Term : TextNormalizer.NormalizeToString(e.Term)).ToArray();
        var allow = set.Allow.Select(a => (a, Text: TextNormalizer.NormalizeToString(a.Phrase))).ToArray();
        var findings = new List<LintFinding>();

        void Add(LintLevel level, string code, KeywordEntry e, string message) =>
            findings.Add(new LintFinding(level, code, e.Origin ?? e.Id, e.Id, message));

        // Duplicates: the same normalised term and kind twice (written differently: "k1ll" and "kill").
        var firstSeen = new Dictionary<(string, MatchKind), int>();
        for (var i = 0; i < set.Entries.Count; i++)
        {
            var e = set.Entries[i];
            var key = (normalized[i], e.Kind == MatchKind.Phrase ? MatchKind.Word : e.Kind);
            if (!firstSeen.TryAdd(key, i))
            {
                var other = set.Entries[firstSeen[key]];
                Add(other.Category == e.Category ? LintLevel.Warning : LintLevel.Info, "duplicate", e,
                    $"'{e.Term}' normalises to '{normalized[i]}', the same as {other.Id} ({other.Origin ?? "?"})"
                    + (other.Category == e.Category ? string.Empty : "; both categories will be reported"));
            }
        }

        for (var i = 0; i < set.Entries.Count; i++)
        {
            var e = set.Entries[i];
            if (e.Sources == SourceKinds.None)
            {
                Add(LintLevel.Warning, "dead-no-sources", e, "applies to no source, so it never fires");
            }

            if (e.Kind == MatchKind.Regex)
            {
                if (e.Term.Any(c => c is '\'' or ',' or '!' or '?' or '"') || e.Term.Contains("\\.", StringComparison.Ordinal)
                    || e.Term.Contains("\\-", StringComparison.Ordinal) || e.Term.Contains("  ", StringComparison.Ordinal))
                {
                    Add(LintLevel.Warning, "dead-regex-punctuation", e,
                        "the regex looks for punctuation or double spaces, which normalised text never contains");
                }

                continue;
            }

            // Shadowed: a prefix entry in the same category with at least this severity and these sources always fires too.
            for (var j = 0; j < set.Entries.Count; j++)
            {
                var p = set.Entries[j];
                if (j != i && p.Kind == MatchKind.Prefix && p.Category == e.Category && p.Severity >= e.Severity
                    && (p.Sources & e.Sources) == e.Sources && p.Requires is null
                    && normalized[i].StartsWith(normalized[j], StringComparison.Ordinal) && normalized[i] != normalized[j])
                {
                    Add(LintLevel.Info, "shadowed", e, $"every match is also a match of {p.Id} ({p.Severity.ToName()}), so it adds nothing but its name");
                    break;
                }
            }

            foreach (var (a, text) in allow)
            {
                // An allow occurrence starts at a word and may end anywhere, so it swallows a whole-word match of the
                // same text; a prefix match runs on to the end of its word and escapes it.
                if (e.Kind != MatchKind.Prefix && text == normalized[i])
                {
                    Add(LintLevel.Warning, "dead-allowed", e, $"the allow phrase '{a.Phrase}' ({a.Origin ?? "allow.csv"}) suppresses every match");
                }
                else if ((" " + text + " ").Contains(" " + normalized[i] + " ", StringComparison.Ordinal))
                {
                    Add(LintLevel.Info, "inside-allow", e, $"matches inside the allow phrase '{a.Phrase}' are suppressed");
                }
            }

            var words = normalized[i].Split(' ');
            if (e.Kind == MatchKind.Prefix)
            {
                var stem = normalized[i];
                var lastWord = words[^1];
                var caught = PrefixMatches(sortedCommon, lastWord).Where(w => w != lastWord).Take(MaxExamples + 1).ToList();
                if (words.Length == 1 && caught.Count > 0)
                {
                    Add(LintLevel.Warning, "prefix-catches-common-words", e,
                        $"'{stem}*' also matches common words: {string.Join(", ", caught.Take(MaxExamples))}{(caught.Count > MaxExamples ? ", …" : string.Empty)}");
                }
            }
            else if (words.Length == 1 && common.Contains(normalized[i]))
            {
                Add(LintLevel.Warning, "common-word", e, $"'{normalized[i]}' is a common English word; expect false alarms unless it needs context ('requires')");
            }
            else if (words.Length > 1 && words.All(common.Contains))
            {
                Add(LintLevel.Info, "common-words-phrase", e, "every word is a common English word; check the phrase is specific enough");
            }
        }

        return findings;
    }

    private static IEnumerable<string> PrefixMatches(string[] sorted, string prefix)
    {
        var i = Array.BinarySearch(sorted, prefix, StringComparer.Ordinal);
        for (i = i < 0 ? ~i : i; i < sorted.Length && sorted[i].StartsWith(prefix, StringComparison.Ordinal); i++)
        {
            yield return sorted[i];
        }
    }
}
