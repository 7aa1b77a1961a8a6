using AlertPipeline.Detection.Lists;
using AlertPipeline.Detection.Tests.Support;

namespace AlertPipeline.Detection.Tests.Lists;

public sealed class KeywordSetParserTests
{
    [Fact]
    public void Parse_FullDirectory_ReadsEveryFileKind()
    {
        var set = Some.Set(
            Some.List("suicide", "# a comment,,,,,", "", "suicid*,,high,,,", "how many,phrase,high,search,means,", "\"kill, myself\",phrase,urgent,typed|chat,,quoted"),
            Some.Groups("means,paracetamol,", "means,overdos*,"),
            Some.Combinations("suicide-plus-means,suicide,means,critical,"),
            Some.Allow("suicide squad"),
            new KeywordSourceFile("README.md", "not a list"));

        Assert.Equal(3, set.Entries.Count);
        Assert.Equal(MatchKind.Prefix, set.Entries[0].Kind);
        Assert.Equal("suicid", set.Entries[0].Term);
        Assert.Equal("means", set.Entries[1].Requires);
        Assert.Equal(SourceKinds.Search, set.Entries[1].Sources);
        Assert.Equal("kill, myself", set.Entries[2].Term);
        Assert.Equal(SourceKinds.Typed | SourceKinds.Chat, set.Entries[2].Sources);
        Assert.Equal("suicide.csv:5", set.Entries[1].Origin);
        Assert.Equal(MatchKind.Prefix, set.Groups[1].Kind);
        Assert.Equal(Severity.Critical, Assert.Single(set.Combinations).RaiseTo);
        Assert.Single(set.Allow);
    }

    [Fact]
    public void Parse_SameFilesTwice_GivesSameVersionAndDifferentContentChangesIt()
    {
        var a = Some.Set(Some.List("suicide", "die,,high,,,"));
        var b = Some.Set(Some.List("suicide", "die,,high,,,"));
        var c = Some.Set(Some.List("suicide", "die,,urgent,,,"));
        Assert.Equal(a.Version, b.Version);
        Assert.NotEqual(a.Version, c.Version);
    }

    [Theory]
    [InlineData("die,sometimes,high,,,", "suicide.csv:2: match 'sometimes'")]
    [InlineData("die,,severe,,,", "suicide.csv:2: severity 'severe'")]
    [InlineData("die,,high,search|phone,,", "suicide.csv:2: sources 'phone'")]
    [InlineData("die,,high,,nosuchgroup,", "suicide.csv:2: requires 'nosuchgroup'")]
    [InlineData(",,high,,,", "suicide.csv:2: term is empty")]
    [InlineData("!!!,,high,,,", "suicide.csv:2: term '!!!' has no letters")]
    [InlineData("(a|b,regex,high,,,", "suicide.csv:2: term '(a|b' is not a valid regex")]
    [InlineData(@"(a)\1,regex,high,,,", @"suicide.csv:2: term '(a)\1' uses a construct")]
    [InlineData("a*,regex,high,,,", "suicide.csv:2: term 'a*' matches the empty string")]
    [InlineData("die,,high,,,,extra", "suicide.csv:2: record has 7 fields")]
    public void Parse_BadEntryField_NamesFileLineFieldAndValue(string row, string expectedStart)
    {
        var ex = Assert.Throws<KeywordListException>(() => Some.Set(Some.List("suicide", row)));
        Assert.StartsWith(expectedStart, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RegexLongerThanLimit_IsRejected()
    {
        var ex = Assert.Throws<KeywordListException>(() => Some.Set(Some.List("suicide", new string('a', 201) + ",regex,high,,,")));
        Assert.Contains("suicide.csv:2: term", ex.Message, StringComparison.Ordinal);
        Assert.Contains("at most 200", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DuplicateTerm_NamesBothLines()
    {
        var ex = Assert.Throws<KeywordListException>(() => Some.Set(Some.List("suicide", "die,,high,,,", "die,,low,,,")));
        Assert.Equal("suicide.csv:3: term 'die' repeats the entry at suicide.csv:2", ex.Message);
    }

    [Fact]
    public void Parse_UnknownListId_IsRejected()
    {
        var ex = Assert.Throws<KeywordListException>(() => Some.Set(Some.List("suicde", "die,,high,,,")));
        Assert.StartsWith("suicde.csv: list id 'suicde' is not one of", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownHeaderColumn_NamesIt()
    {
        var ex = Assert.Throws<KeywordListException>(() => Some.Set(new KeywordSourceFile("suicide.csv", "term,level\ndie,high\n")));
        Assert.StartsWith("suicide.csv:1: header column 'level' is unknown", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_HeaderWithoutSeverity_IsRejected()
    {
        var ex = Assert.Throws<KeywordListException>(() => Some.Set(new KeywordSourceFile("suicide.csv", "term,notes\ndie,x\n")));
        Assert.StartsWith("suicide.csv:1: header has no 'severity' column", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("x,suicide,means,critical,", "combinations.csv:2: group 'means'")]
    [InlineData("x,suicde,g,critical,", "combinations.csv:2: category 'suicde'")]
    [InlineData("x,suicide,g,extreme,", "combinations.csv:2: raise_to 'extreme'")]
    [InlineData(",suicide,g,critical,", "combinations.csv:2: id is empty")]
    public void Parse_BadCombination_NamesFileLineFieldAndValue(string row, string expectedStart)
    {
        var ex = Assert.Throws<KeywordListException>(() => Some.Set(Some.Groups("g,pills,"), Some.Combinations(row)));
        Assert.StartsWith(expectedStart, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BadGroupId_NamesFileLineField()
    {
        var ex = Assert.Throws<KeywordListException>(() => Some.Set(Some.Groups("Means Group,pills,")));
        Assert.StartsWith("groups.csv:2: group 'Means Group'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnclosedQuote_NamesFile()
    {
        var ex = Assert.Throws<KeywordListException>(() => Some.Set(new KeywordSourceFile("allow.csv", "phrase,notes\n\"open,x\n")));
        Assert.StartsWith("allow.csv: line 2: a quoted field is not closed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SeedDirectory_Loads()
    {
        var set = KeywordSetParser.Parse(Some.SeedFiles());
        Assert.Contains(set.Entries, e => e.Id == "suicide/i want to die");
        Assert.Contains(set.Allow, a => a.Phrase == "suicide squad");
    }
}
