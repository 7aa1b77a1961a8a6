using AlertPipeline.Detection.Matching;
using AlertPipeline.Detection.Normalization;
using AlertPipeline.Detection.Tests.Suites;

namespace AlertPipeline.Detection.Tests.Matching;

public sealed class FusedAsciiScanTests
{
    /// <summary>
    /// Property: whenever the fused scan accepts a text, its hits are exactly the automaton's hits on the
    /// normaliser's output. Random texts over an alphabet dense in the characters the fused scan must give
    /// up on (digits, apostrophes, leet symbols, escapes, repeated letters, one-letter words).
    /// </summary>
    [Fact]
    public void TryScan_RandomTexts_EqualsNormaliseThenScanWheneverItAccepts()
    {
        var random = new Random(11);
        string[] pieces = ["a", "b", "ab", "ba", "aab", "aaa", "www", "kill", "me", "i", "u", "x", "1", "5", "2000", " ", " ", " ", "  ",
            ".", "-", "+", "'", "!", "$", "@", "%20", "%", "?", ",", "\t", "K", "AB", "é", "\u200B", "😂", "£", "€", "🔪", "4", "07", "1337", "3a", "h4", "'", "9"];
        var accepted = 0;
        for (var round = 0; round < 200; round++)
        {
            var patterns = Enumerable.Range(0, random.Next(1, 12))
                .Select(_ => TextNormalizer.NormalizeToString(string.Join(' ', Enumerable.Range(0, random.Next(1, 3)).Select(_ => pieces[random.Next(17)]))))
                .Select(p => random.Next(3) switch { 0 => " " + p + " ", 1 => " " + p, _ => p })
                .Where(p => p.Trim().Length > 0).Distinct(StringComparer.Ordinal).ToList();
            if (patterns.Count == 0)
            {
                continue;
            }

            var automaton = AhoCorasick.Build(patterns);
            for (var t = 0; t < 50; t++)
            {
                var text = string.Concat(Enumerable.Range(0, random.Next(0, 16)).Select(_ => pieces[random.Next(pieces.Length)]));
                accepted += AcceptedAndAgrees(text, automaton) ? 1 : 0;
            }
        }

        Assert.True(accepted > 1000, $"only {accepted} texts took the fused path");
    }

    /// <summary>
    /// The same property for lists as they are (every pattern word-bounded, so the fast word path runs): words of
    /// 1 to 20 letters (the vector window is 16), doubled and tripled letters, mixed case, every kind of gap and
    /// the characters that end a word differently (apostrophes, digits, '!', non-ASCII), near and far from the end.
    /// </summary>
    [Fact]
    public void TryScan_WordBoundedPatterns_RandomWords_EqualsNormaliseThenScanWheneverItAccepts()
    {
        var random = new Random(23);
        string[] vocabulary = ["kill", "killer", "me", "my", "self", "myself", "to", "die", "hello", "football", "aa", "i", "a", "xyz",
            "abcdefghijklmno", "abcdefghijklmnop", "abcdefghijklmnopqrst", "bookkeeper", "www", "sooo", "Kill", "MYSELF", "ToDie",
            "9", "1", "4", "13", "420", "2024", "1337", "0000000000000000", "w4n7", "k1ll", "want", "kill", "i", "b3t365", "bet365"];
        string[] gaps = [" ", " ", " ", "  ", ". ", ", ", "-", "_", "?", "\n", " 😂 ", "£", "'", "'s ", "!", "! ", "9", " 2024 ", ":", "%20", "$", "*", "~", "+", "(", ")"];
        var accepted = 0;
        for (var round = 0; round < 150; round++)
        {
            var patterns = Enumerable.Range(0, random.Next(1, 10))
                .Select(_ => string.Join(' ', Enumerable.Range(0, random.Next(1, 3)).Select(_ => vocabulary[random.Next(vocabulary.Length)].ToLowerInvariant())))
                .Select(p => random.Next(4) == 0 ? " " + p : " " + p + " ")
                .Distinct(StringComparer.Ordinal).ToList();
            var automaton = AhoCorasick.Build(patterns);
            Assert.True(automaton.CompactRootStaysOnLetters);
            for (var t = 0; t < 60; t++)
            {
                var words = Enumerable.Range(0, random.Next(1, 14)).Select(_ => vocabulary[random.Next(vocabulary.Length)]);
                var text = string.Concat(words.Select(w => w + gaps[random.Next(gaps.Length)]));
                text = random.Next(2) == 0 ? text.TrimEnd() : text;
                accepted += AcceptedAndAgrees(text, automaton, $"patterns {string.Join('|', patterns)}") ? 1 : 0;
            }
        }

        Assert.True(accepted > 3000, $"only {accepted} texts took the fused path");
    }

    /// <summary>
    /// The same property over pieces dense in apostrophes between one-letter words ("i ' l l", "!'ll") and 9s
    /// beside leet digits ("93n0", "n1993r"), which the normaliser reads and the fused scan must give up on.
    /// </summary>
    [Fact]
    public void TryScan_ApostrophesAndNines_EqualsNormaliseThenScanWheneverItAccepts()
    {
        var random = new Random(12);
        string[] pieces = ["i", "l", "ll", "m", "n", "g", "ab", " ", " ", "  ", "'", "'", ".", "!", "9", "99", "19", "3", "0", "1993", "7"];
        var automaton = AhoCorasick.Build([" ill ", " i ", " ge", "gg", " nigger ", " ab", " l ", " ll", "i m", " 9"]);
        var accepted = 0;
        for (var t = 0; t < 20000; t++)
        {
            var text = string.Concat(Enumerable.Range(0, random.Next(1, 10)).Select(_ => pieces[random.Next(pieces.Length)]));
            accepted += AcceptedAndAgrees(text, automaton) ? 1 : 0;
        }

        Assert.True(accepted > 1000, $"only {accepted} texts took the fused path");
    }

    [Fact]
    public void TryScan_SuiteTexts_EqualsNormaliseThenScanWheneverItAccepts()
    {
        var detectorPatterns = SuiteRow.Load("benign-school").Concat(SuiteRow.Load("concerning")).Select(r => r.Text).ToList();
        var automaton = AhoCorasick.Build([.. detectorPatterns.Select(TextNormalizer.NormalizeToString).Where(p => p.Length > 0).Distinct(StringComparer.Ordinal).Take(300), "the", "in", "kill"]);
        // Counted: if the fast path stopped accepting, "agrees whenever it accepts" would hold vacuously.
        var accepted = detectorPatterns.Count(text => AcceptedAndAgrees(text, automaton));
        Assert.True(accepted * 2 >= detectorPatterns.Count, $"only {accepted} of {detectorPatterns.Count} suite texts took the fused path");
    }

    [Theory]
    [InlineData("How many soldiers died at the Battle of the Somme, 1916?", true)]
    [InlineData("don't tell anyone but i got a 9 in maths", true)]
    [InlineData("https://www.bbc.co.uk/bitesize/guides/z2x", true)]
    [InlineData("k1ll h4735 14th dQw4w9WgXcQ", true)]
    [InlineData("1 w4n7", false)] // the normaliser reads "1" as "i" because of the leet word after it
    [InlineData("s u i c i d e", false)]
    [InlineData("noooo", false)]
    [InlineData("caf\u00E9", false)]
    [InlineData("lol 😂😂 £50", true)]
    [InlineData("how%20to", false)]
    [InlineData("$uicide", false)]
    [InlineData("i ' l l", false)] // the normaliser drops an apostrophe between spaced letters
    [InlineData("!'ll", false)]
    [InlineData("n1993r", false)] // a 9 beside another leet digit may read as "g"
    [InlineData("1 4 8 8", false)] // four spaced digits may be one number
    [InlineData("1 2 3 go", true)]
    [InlineData("fa99ot", false)] // two 9s between letters read as "gg"
    [InlineData("fa99 99ot", true)]
    [InlineData("9gag at 9am", true)]
    [InlineData("kids' games", true)]
    public void TryScan_PlainTextTakesFastPath_ObfuscationGivesUp(string text, bool accepted) =>
        Assert.Equal(accepted, FusedAsciiScan.TryScan(text, AhoCorasick.Build(["kill"]), new HitList(), null, SourceKinds.Chat, out _));

    [Fact]
    public void CompactWordStart_EqualsThreeStepsFromTheSpaceState_OrUnknownWhenAPatternEndsOnTheWay()
    {
        var automaton = AhoCorasick.Build([" kill ", " ab", " abc ", " zzz", " kil", "ll ", " a", " my life "]);
        var compact = automaton.Compact!;
        var shift = automaton.CompactShift;
        int StepOf(int state, char c) => compact[(state << shift) + automaton.SymbolOf[c]];
        Assert.Equal(StepOf(0, ' '), automaton.CompactAfterSpace);
        var unknown = 0;
        for (var a = 'a'; a <= 'z'; a++)
        {
            for (var b = 'a'; b <= 'z'; b++)
            {
                for (var c = 'a'; c <= 'z'; c++)
                {
                    var s1 = StepOf(automaton.CompactAfterSpace, a);
                    var s2 = StepOf(s1, b);
                    var s3 = StepOf(s2, c);
                    var reports = new[] { s1, s2, s3 }.Any(s => s >= automaton.CompactFirstOutput);
                    var entry = automaton.CompactWordStart![(((a - 'a') * 26) + (b - 'a')) * 26 + (c - 'a')];
                    Assert.Equal(reports ? AhoCorasick.WordStartUnknown : s3, entry);
                    unknown += reports ? 1 : 0;
                }
            }
        }

        Assert.Equal((26 * 26) + 2, unknown); // every word starting with "a" passes the end of " a"; "kil" and "zzz" end " kil" and " zzz"
    }

    [Theory]
    [InlineData("abc kill my life abcd", new[] { " abc ", " kill ", " my life " })]
    [InlineData("kiLL KILL kills skill", new[] { " kill ", " kill " })]
    [InlineData("zzzz pizza ab", new string[0])]
    public void TryScan_WordsTakingTheWordStartTable_FindTheSameWholeWordHits(string text, string[] expected)
    {
        string[] patterns = [" kill ", " abc ", " my life ", " zzzz ", " piz "];
        var automaton = AhoCorasick.Build(patterns);
        var hits = new HitList();
        Assert.True(FusedAsciiScan.TryScan(text, automaton, hits, null, SourceKinds.Chat, out _) || text.Contains("zzzz", StringComparison.Ordinal));
        if (text.Contains("zzzz", StringComparison.Ordinal))
        {
            return; // stretched letters: the normaliser's job
        }

        var reference = new HitList();
        automaton.ScanPadded(TextNormalizer.Normalize(text).Text, reference);
        Assert.Equal(Pairs(reference), Pairs(hits));
        Assert.Equal(expected, Enumerable.Range(0, hits.Count).Select(h => patterns[hits.Pattern(h)]));
    }

    /// <summary>
    /// The property every test above checks: when the fused scan accepts <paramref name="text"/>, its hits equal the
    /// automaton's hits on the normaliser's output. Returns whether it accepted.
    /// </summary>
    private static bool AcceptedAndAgrees(string text, AhoCorasick automaton, string? context = null)
    {
        var fused = new HitList();
        if (!FusedAsciiScan.TryScan(text, automaton, fused, null, SourceKinds.Chat, out _))
        {
            return false;
        }

        var reference = new HitList();
        automaton.ScanPadded(TextNormalizer.Normalize(text).Text, reference);
        Assert.True(Pairs(reference).SequenceEqual(Pairs(fused)), $"'{text}' normalised '{TextNormalizer.NormalizeToString(text)}' {context}");
        return true;
    }

    private static List<(int, int)> Pairs(HitList hits) =>
        [.. Enumerable.Range(0, hits.Count).Select(i => (hits.Pattern(i), hits.End(i))).Order()];
}
