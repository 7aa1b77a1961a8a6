using AlertPipeline.Detection.Curation;
using AlertPipeline.Detection.Tests.Support;

namespace AlertPipeline.Detection.Tests.Curation;

public sealed class KeywordLinterTests
{
    private static readonly string[] Dictionary = ["ass", "assess", "assistant", "assume", "kill", "myself", "die", "the", "process", "Scunthorpe"];

    private static IReadOnlyList<LintFinding> Lint(params Detection.Lists.KeywordSourceFile[] files) => KeywordLinter.Lint(Some.Set(files), Dictionary);

    [Fact]
    public void Lint_SameNormalisedTermTwiceInOneList_ReportsDuplicate()
    {
        var finding = Assert.Single(Lint(Some.List("violence", "k1ll,,medium,,,", "kill,,medium,,,")), f => f.Code == "duplicate");
        Assert.Equal("violence/kill", finding.EntryId);
        Assert.Equal(LintLevel.Warning, finding.Level);
        Assert.Contains("violence/k1ll", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lint_WordCoveredByStrongerPrefix_ReportsShadowed()
    {
        var findings = Lint(Some.List("suicide", "suicid*,,high,,,", "suicidal,,medium,,,", "suicidally,,critical,,,"));
        Assert.Equal(["suicide/suicidal"], findings.Where(f => f.Code == "shadowed").Select(f => f.EntryId));
    }

    [Fact]
    public void Lint_TermEqualToAllowPhrase_ReportsDeadAndWordInsideAllowIsInfo()
    {
        var findings = Lint(Some.List("violence", "kill the process,phrase,low,,,", "kill,,medium,,,"), Some.Allow("kill the process"));
        Assert.Contains(findings, f => f.Code == "dead-allowed" && f.EntryId == "violence/kill the process");
        Assert.Contains(findings, f => f.Code == "inside-allow" && f.EntryId == "violence/kill" && f.Level == LintLevel.Info);
    }

    [Fact]
    public void Lint_RegexLookingForPunctuation_ReportsDead() =>
        Assert.Contains(Lint(Some.List("drugs", @"k\.e\.t,regex,medium,,,")), f => f.Code == "dead-regex-punctuation");

    [Fact]
    public void Lint_CommonWordsAndPrefixes_AreReportedWithExamples()
    {
        var findings = Lint(Some.List("offensive-language", "ass*,,low,,,", "die,,low,,,", "kill myself,phrase,urgent,,,", "kys,,high,,,"));
        var prefix = Assert.Single(findings, f => f.Code == "prefix-catches-common-words");
        Assert.Contains("assess, assistant, assume", prefix.Message, StringComparison.Ordinal);
        Assert.Contains(findings, f => f.Code == "common-word" && f.EntryId == "offensive-language/die");
        Assert.Contains(findings, f => f.Code == "common-words-phrase" && f.EntryId == "offensive-language/kill myself");
        Assert.DoesNotContain(findings, f => f.EntryId == "offensive-language/kys");
    }
}
