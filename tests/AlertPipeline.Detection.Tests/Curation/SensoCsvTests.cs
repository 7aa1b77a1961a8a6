using AlertPipeline.Detection.Curation;
using AlertPipeline.Detection.Lists;
using AlertPipeline.Detection.Tests.Support;

namespace AlertPipeline.Detection.Tests.Curation;

public sealed class SensoCsvTests
{
    [Fact]
    public void Import_BlockAndAllowRows_MapToEntriesAndAllowPhrases()
    {
        const string csv = """
            Phrase,Context,Action,Severity,Screenshot,Match
            kill myself,KEYWORD,BLOCK,URGENT,YES,ALONE
            kill myself,WEBSITECONTENT,BLOCK,HIGH,YES,ALONE
            suicid*,WEBSITEURL,BLOCK,HIGH,NO,ALONE
            pills,CAPTION,BLOCK,LOW,NO,SAMETYPE
            suicide squad,KEYWORD,ALLOW,LOW,NO,ALONE
            """;

        var import = SensoCsv.Import(csv, "suicide");

        Assert.Equal(3, import.Entries.Count);
        var kill = import.Entries[0];
        Assert.Equal(MatchKind.Phrase, kill.Kind);
        Assert.Equal(Severity.Urgent, kill.Severity);
        Assert.Equal(SourceKinds.Search | SourceKinds.Typed | SourceKinds.Chat | SourceKinds.Screen, kill.Sources);
        Assert.Equal(MatchKind.Prefix, import.Entries[1].Kind);
        Assert.Equal("suicid", import.Entries[1].Term);
        Assert.Equal(SourceKinds.Url, import.Entries[1].Sources);
        Assert.Equal(SourceKinds.Title, import.Entries[2].Sources);
        Assert.Equal("suicide squad", Assert.Single(import.Allow).Phrase);
        Assert.Contains("SAMETYPE", Assert.Single(import.Warnings), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("x,KEYWORD,BLOCK,SEVERE,NO,ALONE", "senso.csv:2: Severity 'SEVERE'")]
    [InlineData("x,EMAIL,BLOCK,LOW,NO,ALONE", "senso.csv:2: Context 'EMAIL'")]
    [InlineData("x,KEYWORD,WARN,LOW,NO,ALONE", "senso.csv:2: Action 'WARN'")]
    [InlineData("x,KEYWORD,BLOCK,LOW,NO,SOMETIMES", "senso.csv:2: Match 'SOMETIMES'")]
    public void Import_BadValue_NamesLineColumnAndValue(string row, string expectedStart)
    {
        var ex = Assert.Throws<KeywordListException>(() => SensoCsv.Import(SensoCsv.Header + "\n" + row, "suicide"));
        Assert.StartsWith(expectedStart, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Export_ThenImport_KeepsTermsKindsSeveritiesAndSources()
    {
        var set = Some.Set(
            Some.List("suicide", "kill myself,phrase,urgent,typed|chat|screen,,", "suicid*,,high,url,,", "rope,,low,,means,"),
            Some.Groups("means,rope,"),
            Some.Allow("suicide squad"));

        var csv = SensoCsv.Export(set.Entries, set.Allow, out var skipped);
        var back = SensoCsv.Import(csv, "suicide");

        Assert.Equal("suicide/rope: requires means has no Senso equivalent", Assert.Single(skipped));
        Assert.Equal(2, back.Entries.Count);
        Assert.Equal((MatchKind.Phrase, Severity.Urgent), (back.Entries[0].Kind, back.Entries[0].Severity));
        // KEYWORD stands for search, typed and chat together, so typed|chat comes back wider, never narrower.
        Assert.Equal(SourceKinds.Search | SourceKinds.Typed | SourceKinds.Chat | SourceKinds.Screen, back.Entries[0].Sources);
        Assert.Equal((MatchKind.Prefix, "suicid", SourceKinds.Url), (back.Entries[1].Kind, back.Entries[1].Term, back.Entries[1].Sources));
        Assert.Equal("suicide squad", back.Allow.Select(a => a.Phrase).Distinct().Single());
    }

    [Fact]
    public void KeywordSetWriter_ToFilesThenParse_RoundTripsEverything()
    {
        var set = Some.Set(
            Some.List("suicide", "\"kill, myself\",phrase,urgent,typed|chat,,\"quoted, note\"", "suicid*,,high,url,,", "how many,phrase,high,,means,",
                @"cut(ting)? my wrists?,regex,high,any,,"),
            Some.List("drugs", "weed,word,medium,,,"),
            Some.Groups("means,paracetamol,", "means,overdos*,"),
            Some.Combinations("suicide-plus-means,suicide,means,critical,why"),
            Some.Allow("suicide squad", "weed killer"));

        var back = KeywordSetParser.Parse(KeywordSetWriter.ToFiles(set));

        Assert.Equal(set.Entries.Select(e => e with { Origin = null }).OrderBy(e => e.Id, StringComparer.Ordinal),
            back.Entries.Select(e => e with { Origin = null }).OrderBy(e => e.Id, StringComparer.Ordinal));
        Assert.Equal(set.Groups.Select(g => g with { Origin = null }), back.Groups.Select(g => g with { Origin = null }));
        Assert.Equal(set.Combinations.Select(c => c with { Origin = null }), back.Combinations.Select(c => c with { Origin = null }));
        Assert.Equal(set.Allow.Select(a => a with { Origin = null }), back.Allow.Select(a => a with { Origin = null }));
    }
}
