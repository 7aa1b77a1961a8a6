using AlertPipeline.Detection.Lists;

namespace AlertPipeline.Detection;

/// <summary>
/// A keyword set compiled for matching. Immutable and thread-safe: compile once per list version
/// and swap the reference when lists change.
/// </summary>
public sealed class Detector
{
    private readonly Dictionary<string, List<CompiledEntry>> _byFirstToken;
    private readonly List<string[]> _allow;

    private Detector(KeywordSet set)
    {
        Set = set;
        _byFirstToken = new Dictionary<string, List<CompiledEntry>>(StringComparer.Ordinal);
        foreach (var entry in set.Entries)
        {
            var tokens = Tokenizer.Tokens(entry.Term.ToLowerInvariant()).Select(t => t.Text).ToArray();
            if (tokens.Length == 0)
            {
                continue;
            }

            var key = entry.Kind == MatchKind.Prefix && tokens.Length == 1 ? string.Empty : tokens[0];
            if (!_byFirstToken.TryGetValue(key, out var list))
            {
                _byFirstToken[key] = list = [];
            }

            list.Add(new CompiledEntry(entry, tokens));
        }

        _allow = set.Allow.Select(a => Tokenizer.Tokens(a.Phrase.ToLowerInvariant()).Select(t => t.Text).ToArray())
            .Where(t => t.Length > 0).ToList();
    }

    public KeywordSet Set { get; }

    public string Version => Set.Version;

    public static Detector Compile(KeywordSet set) => new(set);

    public DetectionResult Scan(string text, SourceKinds source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var normalized = text.ToLowerInvariant();
        var tokens = Tokenizer.Tokens(normalized).ToArray();
        var allowed = AllowedSpans(tokens);
        var matches = new List<TermMatch>();
        _byFirstToken.TryGetValue(string.Empty, out var singlePrefixes);
        for (var i = 0; i < tokens.Length; i++)
        {
            if (_byFirstToken.TryGetValue(tokens[i].Text, out var candidates))
            {
                Collect(candidates, tokens, i, source, allowed, text, matches);
            }

            if (singlePrefixes is not null)
            {
                Collect(singlePrefixes, tokens, i, source, allowed, text, matches);
            }
        }

        if (matches.Count == 0)
        {
            return DetectionResult.None(normalized);
        }

        matches.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : b.Length.CompareTo(a.Length));
        var severity = matches.Max(m => m.Severity);
        var categories = matches.GroupBy(m => m.Category)
            .OrderByDescending(g => g.Max(m => m.Severity)).ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Key).ToList();
        return new DetectionResult(true, severity, categories, matches, normalized);
    }

    private static void Collect(List<CompiledEntry> candidates, Token[] tokens, int at, SourceKinds source,
        List<(int Start, int End)> allowed, string original, List<TermMatch> matches)
    {
        foreach (var c in candidates)
        {
            if ((c.Entry.Sources & source) == 0 || at + c.Tokens.Length > tokens.Length)
            {
                continue;
            }

            var ok = true;
            for (var k = 0; k < c.Tokens.Length && ok; k++)
            {
                var last = k == c.Tokens.Length - 1;
                ok = last && c.Entry.Kind == MatchKind.Prefix
                    ? tokens[at + k].Text.StartsWith(c.Tokens[k], StringComparison.Ordinal)
                    : tokens[at + k].Text == c.Tokens[k];
            }

            if (!ok)
            {
                continue;
            }

            var start = tokens[at].Start;
            var end = tokens[at + c.Tokens.Length - 1].Start + tokens[at + c.Tokens.Length - 1].Text.Length;
            if (allowed.Any(a => a.Start <= start && end <= a.End))
            {
                continue;
            }

            matches.Add(new TermMatch(c.Entry.Id, c.Entry.Term, c.Entry.Category, c.Entry.Severity, start, end - start,
                original[start..end]));
        }
    }

    private List<(int Start, int End)> AllowedSpans(Token[] tokens)
    {
        var spans = new List<(int, int)>();
        foreach (var allow in _allow)
        {
            for (var i = 0; i + allow.Length <= tokens.Length; i++)
            {
                var ok = true;
                for (var k = 0; k < allow.Length && ok; k++)
                {
                    ok = tokens[i + k].Text == allow[k];
                }

                if (ok)
                {
                    var last = tokens[i + allow.Length - 1];
                    spans.Add((tokens[i].Start, last.Start + last.Text.Length));
                }
            }
        }

        return spans;
    }

    private sealed record CompiledEntry(KeywordEntry Entry, string[] Tokens);
}

internal readonly record struct Token(string Text, int Start);

internal static class Tokenizer
{
    /// <summary>Words are runs of letters, digits and in-word apostrophes.</summary>
    public static IEnumerable<Token> Tokens(string text)
    {
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && !char.IsLetterOrDigit(text[i]))
            {
                i++;
            }

            var start = i;
            while (i < text.Length && (char.IsLetterOrDigit(text[i])
                   || (text[i] is '\'' or '\u2019' && i + 1 < text.Length && char.IsLetterOrDigit(text[i + 1]) && i > start)))
            {
                i++;
            }

            if (i > start)
            {
                yield return new Token(text[start..i].Replace('\u2019', '\''), start);
            }
        }
    }
}
