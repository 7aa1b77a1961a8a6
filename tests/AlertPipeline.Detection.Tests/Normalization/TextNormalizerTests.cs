using AlertPipeline.Detection.Normalization;

namespace AlertPipeline.Detection.Tests.Normalization;

public sealed class TextNormalizerTests
{
    [Theory]
    [InlineData("I Want To DIE", "i want to die")]
    [InlineData("  lots\t\nof   space  ", "lots of space")]
    [InlineData("how to kill myself?!", "how to kill myself")]
    public void Normalize_CaseAndWhitespace_FoldsAndCollapses(string text, string expected) =>
        Assert.Equal(expected, TextNormalizer.NormalizeToString(text));

    [Theory]
    [InlineData("suïcide", "suicide")]
    [InlineData("su\u0301icide", "suicide")]
    [InlineData("ﬁght", "fight")]
    [InlineData("ＳＵＩＣＩＤＥ", "suicide")]
    [InlineData("𝐬𝐮𝐢𝐜𝐢𝐝𝐞", "suicide")]
    [InlineData("straße", "strasse")]
    public void Normalize_CompatibilityFormsAndDiacritics_BecomePlainLatin(string text, string expected) =>
        Assert.Equal(expected, TextNormalizer.NormalizeToString(text));

    [Theory]
    [InlineData("ѕuісіdе", "suicide")] // Cyrillic s, i, e
    [InlineData("kіll", "kill")]
    [InlineData("ΚΙLL", "kill")] // Greek capitals
    [InlineData("рorn", "porn")] // Cyrillic er
    public void Normalize_Homoglyphs_MapToLatin(string text, string expected) =>
        Assert.Equal(expected, TextNormalizer.NormalizeToString(text));

    [Theory]
    [InlineData("k1ll", "kill")]
    [InlineData("su1c1d3", "suicide")]
    [InlineData("d13", "die")]
    [InlineData("5ex", "sex")]
    [InlineData("p0rn", "porn")]
    [InlineData("a55", "ass")]
    [InlineData("$uicide", "suicide")]
    [InlineData("k!ll", "kill")]
    [InlineData("b@stard", "bastard")]
    [InlineData("k|ll", "kill")]
    [InlineData("n1gg@", "nigga")] // an '@' closing a word is its last letter
    [InlineData("you n1gg@!", "you nigga")]
    public void Normalize_LeetspeakInsideWords_MapsToLetters(string text, string expected) =>
        Assert.Equal(expected, TextNormalizer.NormalizeToString(text));

    [Theory]
    [InlineData("in 2024 we", "in 2024 we")]
    [InlineData("take 5 pills", "take 5 pills")]
    [InlineData("covid19", "covid19")]
    [InlineData("year2024", "year2024")]
    [InlineData("I'll pay $5!", "ill pay 5")]
    [InlineData("die!", "die")]
    [InlineData("hi!!! kill", "hi kill")]
    [InlineData("mail me@kill.com", "mail me kill com")]
    [InlineData("@kill", "kill")]
    [InlineData("meet @ 5", "meet 5")]
    [InlineData("a@ b", "a b")] // one letter before it: not a word it could end
    [InlineData("jake@school.org", "jake school org")]
    [InlineData("hi@5", "hi 5")]
    public void Normalize_OrdinaryNumbersAndPunctuation_StayUnmapped(string text, string expected) =>
        Assert.Equal(expected, TextNormalizer.NormalizeToString(text));

    [Theory]
    [InlineData("k\u200Bi\u200Cl\u200Dl", "kill")]
    [InlineData("sui\u00ADcide", "suicide")]
    [InlineData("\uFEFFdie", "die")]
    public void Normalize_ZeroWidthCharacters_AreRemoved(string text, string expected) =>
        Assert.Equal(expected, TextNormalizer.NormalizeToString(text));

    [Theory]
    [InlineData("s u i c i d e", "suicide")]
    [InlineData("s.u.i.c.i.d.e", "suicide")]
    [InlineData("s-u-i-c-i-d-e", "suicide")]
    [InlineData("i want to d i e now", "i want to die now")]
    [InlineData("s u 1 c 1 d e", "suicide")]
    [InlineData("i a", "i a")]
    [InlineData("s u.i c", "s ui c")] // "u.i" is a dotted two-letter word; the mixed separators still make no run of four
    [InlineData("page 5 a b", "page 5 a b")]
    [InlineData("this k i l l", "this kill")]
    [InlineData("k m 5", "kms")] // one leet digit after two letters is kept
    [InlineData("k y 5", "kys")]
    [InlineData("y 1 1", "y 1 1")] // but not after one
    [InlineData("a b 9", "a b 9")] // nor a digit that is no leet letter
    [InlineData("5 k m", "5 k m")] // nor before them
    public void Normalize_SpacedLetters_CollapseOnlyConsistentRunsOfThree(string text, string expected) =>
        Assert.Equal(expected, TextNormalizer.NormalizeToString(text));

    [Theory]
    [InlineData("🔪", "knife")]
    [InlineData("get🔪now", "get knife now")]
    [InlineData("💊💊", "pills pills")]
    [InlineData("buy 🔫\uFE0F", "buy gun")]
    [InlineData("🙂 hi", "hi")]
    public void Normalize_Emoji_BecomeWordsWithBoundaries(string text, string expected) =>
        Assert.Equal(expected, TextNormalizer.NormalizeToString(text));

    [Theory]
    [InlineData("don't", "dont")]
    [InlineData("don’t", "dont")]
    [InlineData("kids' games", "kids games")]
    [InlineData("how%20to%20die", "how to die")]
    public void Normalize_ApostrophesAndUrlEscapes_JoinOrSeparateSanely(string text, string expected) =>
        Assert.Equal(expected, TextNormalizer.NormalizeToString(text));

    [Fact]
    public void SqueezeRuns_StretchedAndDoubleLetters_CutToOneAndMarkOnlyStretchedRuns()
    {
        var buffer = TextNormalizer.Normalize("hooow tooo schooool kiiilllll www.x.com");
        Assert.True(buffer.HasStretchedLetters);
        var squeezed = new NormalizedBuffer();
        TextNormalizer.SqueezeRuns(buffer, squeezed);
        Assert.Equal("how to schol kil w x com", new string(squeezed.Text));
        var marked = new string([.. squeezed.Text.ToArray().Select((c, i) => squeezed.Stretched![i] ? char.ToUpperInvariant(c) : c)]);
        Assert.Equal("hOw tO schOl kIL w x com", marked);
    }

    [Theory]
    [InlineData("kill", "kil")]
    [InlineData("ass", "as")]
    [InlineData("xxx", "x")]
    [InlineData("bet 365", "bet 365")]
    public void SqueezeRuns_Pattern_SqueezesLetterRunsOnly(string pattern, string expected) =>
        Assert.Equal(expected, TextNormalizer.SqueezeRuns(pattern));

    [Theory]
    [InlineData("s uuu iii c iii d eee", "suuuiiiciiideee")]
    [InlineData("s u 1 c 1 d 3", "suicide")]
    [InlineData("i   w a n t   t o   d i e", "i want to die")]
    [InlineData("k.i.l.l m.y.s.e.l.f", "kill myself")]
    [InlineData("i w.a.n.t t.o d.i.e", "i want to die")]
    [InlineData("e.g. this", "eg this")]
    [InlineData("i a m", "iam")]
    [InlineData("to be or not", "to be or not")]
    [InlineData("plan a b", "plan a b")]
    [InlineData("g o   d i e", "go die")] // a two-letter run right before a joined run set apart the same way
    [InlineData("n o   r e a s o n   t o   l i v e", "no reason to live")]
    [InlineData("b y   t h e   t i m e", "by the time")]
    [InlineData("g o d i e", "godie")] // one space: one run
    [InlineData("g o   hello", "g o hello")] // no joined run after it
    [InlineData("g o d", "god")]
    [InlineData("x y   a b", "x y a b")] // two pairs: neither is a run of three
    [InlineData("1 4 8 8", "1488")] // four spaced digits: one number
    [InlineData("1.4.8.8 forever", "1488 forever")]
    [InlineData("1 4 7 3", "1473")] // a number stays a number, not leet
    [InlineData("1 2 3 go", "1 2 3 go")] // three digits stay apart
    [InlineData("scores 1, 4, 8, 8", "scores 1 4 8 8")] // a comma and a space are two separators: no run
    public void Normalize_SpacedRunsWithStretchOrTwoLetterWords_Join(string text, string expected) =>
        Assert.Equal(expected, TextNormalizer.NormalizeToString(text));

    [Theory]
    [InlineData("k_i_l_l_m_e", "killme", "011111")]
    [InlineData("a b c ki\u200Bll", "abc kill", "01100010")] // the run shrinks; the later word's join moves with it
    [InlineData("kill\u200Bmyself now", "killmyself now", "00001000000000")]
    [InlineData("s uuu i", "suuui", "01001")] // joins where separators were, not inside a stretched member
    [InlineData("snake_case k i", "snake case k i", "00000000000000")]
    public void Normalize_JoinedLetters_RecordJoinPoints(string text, string expected, string joins)
    {
        var buffer = TextNormalizer.Normalize(text);
        Assert.Equal(expected, new string(buffer.Text));
        Assert.Equal(joins, string.Concat(Enumerable.Range(0, buffer.Length).Select(k => buffer.IsJoinedAt(k) ? '1' : '0')));
    }

    [Fact]
    public void LeetSpellings_TermWithNumber_AreTheFormsTheNormaliserLeavesAsDigits()
    {
        Assert.Equal(["be7365", "b37365"], TextNormalizer.LeetSpellings("bet365"));
        Assert.DoesNotContain("ar is", TextNormalizer.LeetSpellings("ar 15")); // "4r 15" reads "ar is", like "AR is"
        Assert.Empty(TextNormalizer.LeetSpellings("kill myself"));
    }

    [Fact]
    public void Normalize_SpacedRunStartingWithAOrI_RecordsSplitPoint()
    {
        var buffer = TextNormalizer.Normalize("buy a z o m b i e knife");
        Assert.Equal("buy azombie knife", new string(buffer.Text));
        var split = new NormalizedBuffer();
        TextNormalizer.Split(buffer, split);
        Assert.Equal("buy a zombie knife", new string(split.Text));
        Assert.Empty(TextNormalizer.Normalize("a s s").SplitPoints); // "a" + two letters is no spaced word
    }

    [Theory]
    [InlineData("1 w4n7 70 d13", "i want to die")]
    [InlineData("h0w m4ny p4r4c374m0l 70 d13", "how many paracetamol to die")]
    [InlineData("0ur l177l3 53cr37", "our little secret")]
    [InlineData("5h007 up 7h3 5ch00l", "shoot up the school")]
    [InlineData("d0wnl04d th3 chr1stchurch sh00t3r m4n1f3st0", "download the christchurch shooter manifesto")]
    [InlineData("k!ll my$€lf", "kill myself")]
    [InlineData("c0c@!n€", "cocaine")]
    [InlineData("km$ lol", "kms lol")]
    [InlineData("1'll k1ll y0u", "ill kill you")]
    [InlineData("i'​ll", "ill")]
    [InlineData("costs €5 or $5 or 5$", "costs 5 or 5 or 5")]
    [InlineData("take 5 pills in 2024", "take 5 pills in 2024")]
    public void Normalize_LeetWordsAndNeighbours_MapToLetters(string text, string expected) =>
        Assert.Equal(expected, TextNormalizer.NormalizeToString(text));

    [Theory]
    [InlineData("wh173 93n0c1d3", "white genocide")] // the word has other leet runs
    [InlineData("n1993r", "nigger")] // inside the word
    [InlineData("f49907", "faggot")] // four digit groups at the edge, not a year
    [InlineData("k1ll1n9 h4n91n9", "killing hanging")] // 9s ending a leet word
    [InlineData("dQw4w9WgXcQ", "dqwaw9wgxcq")] // a lone 9 inside a word stays
    [InlineData("fa99ot ni99a bi99er", "faggot nigga bigger")] // two or more 9s between letters
    [InlineData("fa99 99ot a99", "fa99 99ot a99")] // at an edge of a word with no other leet digit, they stay
    [InlineData("covid19 c0vid19", "covid19 covidig")]
    [InlineData("the 1990s in 1993 and year1993", "the 1990s in 1993 and year1993")]
    [InlineData("9gag at 9am in year 9, 9th", "9gag at 9am in year 9 9th")]
    [InlineData("4 9 7", "4 9 7")]
    public void Normalize_NineInLeetWord_ReadsAsGOnlyWhereSafe(string text, string expected) =>
        Assert.Equal(expected, TextNormalizer.NormalizeToString(text));

    [Theory]
    [InlineData("i ' l l   k i l l   y o u", "ill kill you")]
    [InlineData("i.'.l.l k.i.l.l y.o.u", "ill kill you")]
    [InlineData("!'ll k!ll y0u", "ill kill you")]
    [InlineData("!'m done", "im done")]
    [InlineData("wow!'ll", "wow ll")]
    [InlineData("grades 'a' 'b' 'c'", "grades a b c")]
    [InlineData("i ' m", "i m")]
    public void Normalize_ApostropheInSpacedLetters_IsDroppedLikeInsideAWord(string text, string expected) =>
        Assert.Equal(expected, TextNormalizer.NormalizeToString(text));

    [Theory]
    [InlineData("how+to+die", "how to die")]
    [InlineData("s+u+i+c+i+d+e", "suicide")]
    [InlineData("don%27t%20tell", "dont tell")]
    [InlineData("caf%C3%A9", "cafe")]
    [InlineData("100%25 sure", "100 sure")]
    [InlineData("bad %ZZ escape", "bad zz escape")]
    [InlineData("%F0%9F%94%AA", "knife")]
    public void Normalize_UrlQueryEscapes_DecodeToCharacters(string text, string expected) =>
        Assert.Equal(expected, TextNormalizer.NormalizeToString(text));

    [Theory]
    [InlineData("k \uD83D i l l", "k ill")]
    [InlineData("\uDE2D\uD83D", "")]
    public void Normalize_LoneSurrogates_AreSeparators(string text, string expected) =>
        Assert.Equal(expected, TextNormalizer.NormalizeToString(text));

    [Fact]
    public void Normalize_UrlEscape_MapsMatchBackToWholeEscape()
    {
        const string text = "q=kill%20my%73elf";
        var buffer = TextNormalizer.Normalize(text);
        Assert.Equal("q kill myself", new string(buffer.Text));
        var (start, length) = buffer.ToOriginal(text, 2, 11);
        Assert.Equal("kill%20my%73elf", text.Substring(start, length));
    }

    [Theory]
    [InlineData("see you soon", false)]
    [InlineData("https://www.bbc.co.uk", false)] // "www" is the one benign triple; not worth two extra scans
    [InlineData("nooooo", true)]
    [InlineData("s u i i i c i d e", true)]
    public void Normalize_TripleLetters_FlagStretchExceptWww(string text, bool stretched) =>
        Assert.Equal(stretched, TextNormalizer.Normalize(text).HasStretchedLetters);

    [Theory]
    [InlineData("This is a TEST", 10, 4, "TEST")]
    [InlineData("s u i c i d e!", 0, 7, "s u i c i d e")]
    [InlineData("go 🔪 now", 3, 5, "🔪")]
    [InlineData("I wanna k\u200Bi\u200Bl\u200Bl", 8, 4, "k\u200Bi\u200Bl\u200Bl")]
    [InlineData("ＫＩＬＬ me", 0, 4, "ＫＩＬＬ")]
    [InlineData("cafe\u0301 time", 0, 4, "cafe\u0301")]
    public void Normalize_OffsetMap_PointsBackToOriginalSpan(string text, int normStart, int normLength, string original)
    {
        var buffer = TextNormalizer.Normalize(text);
        var (start, length) = buffer.ToOriginal(text, normStart, normLength);
        Assert.Equal(original, text.Substring(start, length));
    }
}
