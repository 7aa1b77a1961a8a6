namespace AlertPipeline.Detection.Tests.Suites;

/// <summary>
/// <c>tests/suites/benign-school.csv</c>: lesson text, homework searches and school notices full of trap words
/// (history, science, literature, sport, place names). Threshold: no row may be flagged except the listed
/// exceptions, and those stay under 1 % of the suite.
/// </summary>
public sealed class BenignSchoolSuiteTests
{
    /// <summary>Rows that are flagged on purpose, by text, with the reason a DSL would still want to see them.</summary>
    private static readonly Dictionary<string, string> AllowedExceptions = new(StringComparer.Ordinal)
    {
        ["Heroin addiction in Trainspotting"] =
            "a bare drug-name search is drugs/heroin at medium by design: the list cannot tell a film study from a pupil's interest, and a DSL would rather glance at it",
        ["Nigel's brother Dick is visiting"] =
            "a name that is also an insult: offensive-language/dick is low, the lowest severity, and a word list cannot tell names from insults",
        ["Hack the school play's Instagram account password reset"] =
            "matches illegal/hack the school; the text is about getting into an account's password, which a DSL may want to see, and 'school play' cannot be told apart without grammar",
    };

    public static TheoryData<int, string> Rows()
    {
        var data = new TheoryData<int, string>();
        foreach (var row in SuiteRow.Load("benign-school"))
        {
            data.Add(row.Line, row.Text);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Scan_BenignSchoolRow_IsNotFlagged(int line, string text)
    {
        var row = SuiteRow.Load("benign-school").Single(r => r.Line == line);
        var result = SuiteRunner.Scan(text, row.Source);
        if (AllowedExceptions.ContainsKey(text))
        {
            return;
        }

        Assert.False(result.Flagged, $"{row} flagged: {result.Explanation}");
    }

    [Fact]
    public void AllowedExceptions_StayUnderOnePercentOfSuite() =>
        Assert.True(AllowedExceptions.Count * 100 < SuiteRow.Load("benign-school").Count, "more than 1 % of benign-school.csv is allowed to flag");
}
