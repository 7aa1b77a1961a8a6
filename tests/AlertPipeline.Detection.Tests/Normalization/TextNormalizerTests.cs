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
    [InlineData("s u.i c", "s u i c")]
    [InlineData("page 5 a b", "page 5 a b")]
    [InlineData("this k i l l", "this kill")]
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
    public void Normalize_StretchedLetters_FlagsAndSqueezesToOneAndTwo()
    {
        var buffer = TextNormalizer.Normalize("diiiie killlll");
        Assert.True(buffer.HasStretchedLetters);
        var one = new NormalizedBuffer();
        var two = new NormalizedBuffer();
        TextNormalizer.Squeeze(buffer, one, 1);
        TextNormalizer.Squeeze(buffer, two, 2);
        Assert.Equal("die kil", new string(one.Text));
        Assert.Equal("diie kill", new string(two.Text));
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
