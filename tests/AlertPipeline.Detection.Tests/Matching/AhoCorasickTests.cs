using AlertPipeline.Detection.Lists;
using AlertPipeline.Detection.Matching;
using AlertPipeline.Detection.Tests.Support;

namespace AlertPipeline.Detection.Tests.Matching;

public sealed class AhoCorasickTests
{
    [Fact]
    public void Scan_OverlappingAndNestedPatterns_ReportsEveryOccurrence()
    {
        var automaton = AhoCorasick.Build(["he", "she", "his", "hers"]);
        Assert.Equal(Naive(["he", "she", "his", "hers"], "ushers"), Hits(automaton, "ushers"));
        Assert.Equal([(1, 4), (0, 4), (3, 6)], Hits(automaton, "ushers"));
    }

    /// <summary>Property: on random text over a tiny alphabet (so patterns collide a lot) the automaton equals brute force.</summary>
    [Fact]
    public void Scan_RandomPatternsAndTexts_EqualsNaiveSubstringSearch()
    {
        var random = new Random(20240917);
        const string alphabet = "ab c";
        for (var round = 0; round < 300; round++)
        {
            var patterns = Enumerable.Range(0, random.Next(1, 40))
                .Select(_ => RandomString(random, alphabet, random.Next(1, 7)))
                .Distinct(StringComparer.Ordinal).ToList();
            var automaton = AhoCorasick.Build(patterns);
            for (var t = 0; t < 10; t++)
            {
                var text = RandomString(random, alphabet + "xé", random.Next(0, 120));
                Assert.Equal(Naive(patterns, text), Hits(automaton, text));
            }
        }
    }

    /// <summary>
    /// Property: on already-normalised text the detector reports exactly what a brute-force reference
    /// applying the word / prefix boundary rules reports.
    /// </summary>
    [Fact]
    public void Scan_RandomListsAndTexts_EqualsReferenceMatcher()
    {
        var random = new Random(7);
        string[] vocabulary = ["a", "as", "ass", "assess", "kill", "killer", "skill", "me", "my", "self", "die", "diet", "in"];
        for (var round = 0; round < 100; round++)
        {
            var entries = new List<(string Term, bool Prefix)>();
            foreach (var _ in Enumerable.Range(0, random.Next(1, 8)))
            {
                var words = Enumerable.Range(0, random.Next(1, 3)).Select(_ => vocabulary[random.Next(vocabulary.Length)]);
                var term = string.Join(' ', words);
                var prefix = random.Next(3) == 0;
                if (!entries.Any(e => e.Term == term))
                {
                    entries.Add((term, prefix));
                }
            }

            var detector = Some.Detector(Some.List("violence",
                [.. entries.Select(e => $"{e.Term}{(e.Prefix ? "*" : string.Empty)},,medium,,,")]));
            for (var t = 0; t < 20; t++)
            {
                var text = string.Join(' ', Enumerable.Range(0, random.Next(0, 12)).Select(_ => vocabulary[random.Next(vocabulary.Length)]));
                var expected = Reference(entries, text);
                var actual = detector.Scan(text, SourceKinds.Chat).Matches
                    .Select(m => (m.Term, m.Start, m.Length)).Order().ToList();
                Assert.Equal(expected, actual);
            }
        }
    }

    private static List<(string, int, int)> Reference(List<(string Term, bool Prefix)> entries, string text)
    {
        var found = new List<(string, int, int)>();
        foreach (var (term, prefix) in entries)
        {
            for (var i = text.IndexOf(term, StringComparison.Ordinal); i >= 0; i = text.IndexOf(term, i + 1, StringComparison.Ordinal))
            {
                var end = i + term.Length;
                if (i > 0 && text[i - 1] != ' ')
                {
                    continue;
                }

                if (prefix)
                {
                    while (end < text.Length && text[end] != ' ')
                    {
                        end++;
                    }
                }
                else if (end < text.Length && text[end] != ' ')
                {
                    continue;
                }

                found.Add((term, i, end - i));
            }
        }

        // One category and severity: a match inside a longer one is reported once, as the longer one.
        found.RemoveAll(f => found.Exists(g => g.Item3 > f.Item3 && g.Item2 <= f.Item2 && f.Item2 + f.Item3 <= g.Item2 + g.Item3));
        return [.. found.Order()];
    }

    private static List<(int Pattern, int End)> Hits(AhoCorasick automaton, string text)
    {
        var hits = new HitList();
        automaton.Scan(text, hits);
        return [.. Enumerable.Range(0, hits.Count).Select(i => (hits.Pattern(i), hits.End(i)))];
    }

    private static List<(int Pattern, int End)> Naive(IReadOnlyList<string> patterns, string text)
    {
        var hits = new List<(int Pattern, int End, int Order)>();
        for (var end = 1; end <= text.Length; end++)
        {
            for (var p = 0; p < patterns.Count; p++)
            {
                if (patterns[p].Length <= end && text.AsSpan(end - patterns[p].Length, patterns[p].Length).SequenceEqual(patterns[p]))
                {
                    // The automaton reports longest first at one end position (own pattern, then failure chain).
                    hits.Add((p, end, -patterns[p].Length));
                }
            }
        }

        return [.. hits.OrderBy(h => h.End).ThenBy(h => h.Order).Select(h => (h.Pattern, h.End))];
    }

    private static string RandomString(Random random, string alphabet, int length) =>
        new([.. Enumerable.Range(0, length).Select(_ => alphabet[random.Next(alphabet.Length)])]);
}
