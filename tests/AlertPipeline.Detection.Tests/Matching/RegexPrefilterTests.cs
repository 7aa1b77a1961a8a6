using AlertPipeline.Detection.Matching;

namespace AlertPipeline.Detection.Tests.Matching;

public sealed class RegexPrefilterTests
{
    [Theory]
    [InlineData("cut(ting)? my (arm|wrist)s?", " my ")]
    [InlineData(@"\bkill(ing)? myself\b", " myself")]
    [InlineData("overdos(e|ing) on [a-z]+", "overdos")]
    [InlineData("how (much|many) paracetamol", " paracetamol")]
    [InlineData("dying?", "dyin")]
    [InlineData("kil+", "kil")]
    [InlineData("[a-z]+ing", "ing")]
    public void RequiredLiteral_PatternWithLiteral_ReturnsTextEveryMatchContains(string pattern, string expected) =>
        Assert.Equal(expected, RegexPrefilter.RequiredLiteral(pattern));

    [Theory]
    [InlineData("(mdma|ket)")]
    [InlineData("mdma|ketamine")]
    [InlineData("[a-z]+in")]
    [InlineData("ab?")]
    public void RequiredLiteral_NoSafeLiteral_ReturnsNull(string pattern) =>
        Assert.Null(RegexPrefilter.RequiredLiteral(pattern));
}
