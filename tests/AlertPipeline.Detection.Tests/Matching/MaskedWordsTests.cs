using AlertPipeline.Detection.Tests.Support;

namespace AlertPipeline.Detection.Tests.Matching;

/// <summary>Words censored with asterisks ("n*****") read whole as the list words they stand for (MaskedWords).</summary>
public sealed class MaskedWordsTests
{
    private static readonly Detector Lists = Some.Detector(
        Some.List("drugs", "weed,word,medium,,,", "wacky,word,low,,,", "whizz,word,high,,,", "ketamine,word,high,search,,"),
        Some.List("bullying", "wimp,word,low,,,", "wally,word,medium,,,"),
        Some.List("offensive-language", "fuck*,,low,,,"));

    [Fact]
    public void MaskedSlur_InTheSeedLists_IsReadWholeAndMapsToTheOriginalText()
    {
        const string text = "shut up you n*****";

        var result = Some.SeedDetector.Scan(text, SourceKinds.Chat);

        var match = Assert.Single(result.Matches);
        Assert.Equal("hate-speech", match.Category);
        Assert.Equal("n*****", match.MatchedText);
        Assert.Equal(text.IndexOf('n', StringComparison.Ordinal), match.Start);
        Assert.Equal(6, match.Length);
        Assert.Equal(match.Term, match.NormalizedMatch);
        Assert.Contains("matched 'n*****' as '" + match.Term + "'", result.Explanation, StringComparison.Ordinal);
        Assert.True(Some.SeedDetector.TryScan(text, SourceKinds.Chat, out var fast));
        Assert.Equal(result.Matches, fast.Matches);
    }

    /// <summary>A masked word inside a phrase is read as the one word of the lists' phrases it fits.</summary>
    [Theory]
    [InlineData("i want to k*ll myself", "k*ll myself")]
    [InlineData("gonna ki*l myself tonight", "ki*l myself")]
    [InlineData("going to kill m*s*lf", "kill m*s*lf")]
    public void MaskedWordInAPhrase_IsReadAsThePhraseWord(string text, string quoted)
    {
        var detector = Some.Detector(Some.List("suicide", "kill myself,phrase,critical,,,"), Some.Allow("kill the process"));

        var result = detector.Scan(text, SourceKinds.Chat);

        var match = Assert.Single(result.Matches);
        Assert.Equal("suicide", match.Category);
        Assert.Equal(quoted, match.MatchedText);
        Assert.Equal("kill myself", match.NormalizedMatch);
        Assert.Equal(text.IndexOf(quoted, StringComparison.Ordinal), match.Start);
        Assert.True(detector.TryScan(text, SourceKinds.Chat, out var fast));
        Assert.Equal(result.Matches, fast.Matches);
    }

    [Theory]
    [InlineData("how do i k*ll the process")] // read as "kill", and then inside an allow phrase
    [InlineData("k**l myself")] // two asterisks need four letters
    [InlineData("5*ll myself")] // a digit beside it
    [InlineData("rated 4*** by critics")]
    [InlineData("**Note:** homework due friday")]
    public void MaskedWordInAPhrase_NotReadWhenUnclearOrAllowed(string text)
    {
        var detector = Some.Detector(Some.List("suicide", "kill myself,phrase,critical,,,"), Some.Allow("kill the process"));

        Assert.False(detector.Scan(text, SourceKinds.Chat).Flagged);
        Assert.False(detector.TryScan(text, SourceKinds.Chat, out _));
    }

    [Fact]
    public void MaskFittingTwoPhraseWords_IsNotRead()
    {
        var detector = Some.Detector(Some.List("suicide", "kill myself,phrase,critical,,,", "fill myself,phrase,critical,,,"));

        Assert.False(detector.Scan("*ill myself", SourceKinds.Chat).Flagged); // "kill" or "fill"
        Assert.True(detector.Scan("k*ll myself", SourceKinds.Chat).Flagged); // only "kill"
    }

    [Fact]
    public void MaskFittingOneWord_IsReadAsIt()
    {
        var weed = Assert.Single(Lists.Scan("got any w**d", SourceKinds.Chat).Matches);

        Assert.Equal("drugs/weed", weed.EntryId);
        Assert.Equal("w**d", weed.MatchedText);
    }

    [Theory]
    [InlineData("such a w***")] // weed (drugs), wimp (bullying)
    [InlineData("you w***y")] // wacky (drugs), wally (bullying)
    public void MaskFittingTwoCategoriesEqually_IsNotRead(string text)
    {
        Assert.False(Lists.Scan(text, SourceKinds.Chat).Flagged);
    }

    [Fact]
    public void ThreeQuartersOfTheReadingsInOneCategory_ReadsAsItsMildestWord()
    {
        var threeToOne = Some.Detector(
            Some.List("drugs", "bong,word,high,,,", "bang,word,low,,,", "bung,word,medium,,,"),
            Some.List("bullying", "bing,word,low,,,"));
        var twoToOne = Some.Detector(
            Some.List("drugs", "bong,word,high,,,", "bang,word,low,,,"),
            Some.List("bullying", "bing,word,low,,,"));

        var match = Assert.Single(threeToOne.Scan("b*ng", SourceKinds.Chat).Matches);

        Assert.Equal("drugs/bang", match.EntryId);
        Assert.Equal(Severity.Low, match.Severity);
        Assert.False(twoToOne.Scan("b*ng", SourceKinds.Chat).Flagged);
    }

    [Fact]
    public void Mask_IsReadOnlyForTheSourcesOfItsWords()
    {
        Assert.False(Lists.Scan("k*tamine", SourceKinds.Chat).Flagged);
        Assert.Equal("drugs/ketamine", Assert.Single(Lists.Scan("k*tamine", SourceKinds.Search).Matches).EntryId);
    }

    [Fact]
    public void PrefixEntry_ReadsTheMaskedWordWithItsSuffix()
    {
        var match = Assert.Single(Lists.Scan("f***ing hell", SourceKinds.Chat).Matches);

        Assert.Equal("offensive-language/fuck", match.EntryId); // a prefix entry's id is its word
        Assert.Equal("f***ing", match.MatchedText);
    }

    [Theory]
    [InlineData("5* hotel in spain")]
    [InlineData("2*3*4 = 24")]
    [InlineData("**Note:** homework due friday")]
    [InlineData("I got an A* in maths")]
    [InlineData("Q*bert is a game")]
    [InlineData("rated 4*** by critics")]
    public void RatingsArithmeticAndMarkup_AreNotMasks(string text)
    {
        var result = Some.SeedDetector.Scan(text, SourceKinds.Typed);

        Assert.False(result.Flagged, SuiteDescribe(result));
    }

    [Fact]
    public void LettersSpacedWithAsterisks_AreStillReadByTheNormaliser()
    {
        var result = Some.SeedDetector.Scan("s*u*i*c*i*d*e", SourceKinds.Search);

        Assert.Contains("suicide", result.Categories);
    }

    [Fact]
    public void MaskedWordBesideADigit_IsNotAMask()
    {
        Assert.False(Lists.Scan("w**d7", SourceKinds.Chat).Flagged);
        Assert.False(Lists.Scan("7w**d", SourceKinds.Chat).Flagged);
    }

    [Fact]
    public void EmojiBetweenTwoLetters_MasksALetter()
    {
        const string text = "send n🍑des";

        var result = Some.SeedDetector.Scan(text, SourceKinds.Chat);

        var match = Assert.Single(result.Matches, m => m.MatchedText == "n🍑des");
        Assert.Equal("child-sexual-exploitation", match.Category);
        Assert.Equal("nudes", match.NormalizedMatch);
        Assert.Equal(5, match.Start);
    }

    [Theory]
    [InlineData("lol 😂 so funny")]
    [InlineData("so funny😂")]
    [InlineData("😂lol")]
    [InlineData("see you at 4🙂")]
    public void EmojiBesideOrBetweenWords_IsNoMask(string text)
    {
        Assert.False(Some.SeedDetector.Scan(text, SourceKinds.Chat).Flagged);
    }

    private static string SuiteDescribe(DetectionResult result) => Suites.SuiteRunner.Describe(result);
}
