using AlertPipeline.Detection.Lists;
using AlertPipeline.Detection.Tests.Support;

namespace AlertPipeline.Detection.Tests.Rules;

/// <summary>
/// A topic named in a sentence is not a concern shown (ADR 0016): topic words are low on their own and are raised by
/// involvement (a combination with a group) or by being searched for (a combination scoped to sources). Small lists
/// first, then the curated seeds on sentences written for this test (none taken from the measured files).
/// </summary>
public sealed class TopicAndInvolvementTests
{
    private static readonly KeywordSourceFile DrugWords = Some.List("drugs", "weed,word,low,,,", "speed,word,low,,drug-use,");

    private static readonly KeywordSourceFile DrugGroups = Some.Groups("drug-use,high,", "involvement,smoke~,");

    private static Detector Sought(string combinations) =>
        Some.Detector(DrugWords, DrugGroups, new KeywordSourceFile("combinations.csv", "id,category,group,raise_to,notes,unless,sources\n" + combinations + "\n"));

    [Fact]
    public void Parse_CombinationWithSourcesAndNoGroup_ReadsSources()
    {
        var set = Some.Set(DrugWords, DrugGroups, new KeywordSourceFile("combinations.csv",
            "id,category,group,raise_to,notes,unless,sources\ndrugs-sought,drugs,,medium,,,search|url\n"));
        var rule = Assert.Single(set.Combinations);
        Assert.Null(rule.Group);
        Assert.Equal(SourceKinds.Search | SourceKinds.Url, rule.Sources);
    }

    [Fact]
    public void Parse_CombinationWithNeitherGroupNorSources_NamesTheField()
    {
        var ex = Assert.Throws<KeywordListException>(() => Some.Set(DrugWords, DrugGroups, new KeywordSourceFile("combinations.csv",
            "id,category,group,raise_to,notes,unless,sources\ndrugs-any,drugs,,medium,,,\n")));
        Assert.StartsWith("combinations.csv:2: group", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_CombinationWithUnknownSource_NamesTheBadValue()
    {
        var ex = Assert.Throws<KeywordListException>(() => Some.Set(DrugWords, DrugGroups, new KeywordSourceFile("combinations.csv",
            "id,category,group,raise_to,notes,unless,sources\ndrugs-sought,drugs,,medium,,,serch\n")));
        Assert.Contains("'serch'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Scan_SourceScopedCombination_RaisesSearchesOnly()
    {
        var detector = Sought("drugs-sought,drugs,,medium,,,search|url|title");
        var searched = detector.Scan("weed", SourceKinds.Search);
        Assert.Equal(Severity.Medium, searched.Severity);
        Assert.Equal("drugs-sought", searched.SeverityRule);
        Assert.Contains("with source: 'search|url|title'", searched.Explanation, StringComparison.Ordinal);
        Assert.Equal(Severity.Low, detector.Scan("weed", SourceKinds.Typed).Severity);
    }

    [Fact]
    public void Scan_SourceScopedCombination_LeavesAWordReadThroughContextAlone()
    {
        // "speed" is a drug only beside drug context ("high"); searching "high speed trains" does not make it a drug search.
        var result = Sought("drugs-sought,drugs,,medium,,,search").Scan("high speed trains", SourceKinds.Search);
        Assert.Equal(Severity.Low, result.Severity);
        Assert.Empty(result.Combinations);
    }

    [Fact]
    public void Scan_InvolvementCombination_RaisesANamedTopicWithItsGroup()
    {
        var detector = Sought("drugs-plus-involvement,drugs,involvement,medium,,,");
        Assert.Equal(Severity.Medium, detector.Scan("we smoked weed behind the gym", SourceKinds.Chat).Severity);
        Assert.Equal(Severity.Low, detector.Scan("the debate on legal weed", SourceKinds.Chat).Severity);
    }

    [Theory]
    [InlineData("the documentary was about cocaine in the eighties", SourceKinds.Typed, "drugs", Severity.Low)]
    [InlineData("i smoked weed before school today", SourceKinds.Chat, "drugs", Severity.Medium)]
    [InlineData("shrooms", SourceKinds.Search, "drugs", Severity.Medium)]
    [InlineData("where can i buy weed", SourceKinds.Chat, "drugs", Severity.Urgent)]
    [InlineData("that politician is talking about porn again on the news", SourceKinds.Typed, "pornography", Severity.Low)]
    [InlineData("i watch porn every night", SourceKinds.Chat, "pornography", Severity.High)]
    [InlineData("porn", SourceKinds.Search, "pornography", Severity.High)]
    [InlineData("incels on that forum are so weird", SourceKinds.Chat, "extremism", Severity.Low)]
    [InlineData("im a proud incel", SourceKinds.Chat, "extremism", Severity.Medium)]
    [InlineData("incel forum", SourceKinds.Search, "extremism", Severity.Medium)]
    [InlineData("the referee is a cunt", SourceKinds.Chat, "offensive-language", Severity.Low)]
    [InlineData("ur a massive cunt", SourceKinds.Chat, "offensive-language", Severity.Medium)]
    public void Scan_SeedTopicWords_AreLowNamedAndRaisedByInvolvementOrSearch(string text, SourceKinds source, string category, Severity expected)
    {
        var result = Some.SeedDetector.Scan(text, source);
        Assert.True(result.Flagged, text);
        Assert.Contains(category, result.Categories);
        Assert.Equal(expected, result.Severity);
    }

    [Theory]
    [InlineData("A casino has 4 roulette tables with $30 on each. How much money is on the tables altogether?")]
    [InlineData("Sam buys 3 packs of throwing stars for his costume. How many stars does he have altogether?")]
    public void Scan_SeedGamblingAndToyWeaponsInAWordProblem_StayBelowMedium(string text)
    {
        var result = Some.SeedDetector.Scan(text, SourceKinds.Typed);
        Assert.True(result.Severity is null or < Severity.Medium, result.Explanation);
    }
}
