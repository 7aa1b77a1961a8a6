namespace AlertPipeline.Detection.Tests.Suites;

/// <summary>
/// <c>tests/suites/concerning.csv</c> against the curated seed lists: every row must be flagged in its
/// expected category at or above its minimum severity, except the known gaps below.
/// </summary>
public sealed class ConcerningSuiteTests
{
    /// <summary>
    /// Rows the engine and lists do not catch yet, by text, with the reason. The test fails when one of
    /// them starts passing, so this list only ever shrinks and never hides a fixed gap.
    /// </summary>
    private static readonly Dictionary<string, string> KnownGaps = new(StringComparer.Ordinal)
    {
    };

    public static TheoryData<int, string> Rows()
    {
        var data = new TheoryData<int, string>();
        foreach (var row in SuiteRow.Load("concerning"))
        {
            data.Add(row.Line, row.Text);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Rows))]
    public void Scan_ConcerningRow_FlagsExpectedCategoryAtMinimumSeverity(int line, string text)
    {
        var row = SuiteRow.Load("concerning").Single(r => r.Line == line);
        var result = SuiteRunner.Scan(text, row.Source);
        var passes = row.Category is not null && result.Categories.Contains(row.Category)
            && result.Severity >= (row.MinSeverity ?? Severity.Low);

        if (KnownGaps.TryGetValue(text, out var reason))
        {
            Assert.False(passes, $"{row} now passes; remove it from KnownGaps ({reason})");
            return;
        }

        Assert.True(passes, $"{row}: expected {row.Category} at least {row.MinSeverity?.ToName()}, got {SuiteRunner.Describe(result)}");
    }
}

/// <summary>The hot path (<see cref="Detector.TryScan"/>, which may skip normalising) agrees with <see cref="Detector.Scan"/> on every suite text.</summary>
public sealed class TryScanAgreementTests
{
    [Fact]
    public void TryScan_EverySuiteText_AgreesWithScan()
    {
        var detector = Support.Some.SeedDetector;
        var random = new Random(5);
        var rows = SuiteRow.Load("concerning").Concat(SuiteRow.Load("benign-school")).Concat(SuiteRow.Load("obfuscation")).ToList();
        var texts = rows.Select(r => (r.Text, r.Source))
            .Concat(rows.SelectMany(r => Disguises.Of(r.Plain, r.Source, random).Select(d => (d.Text, d.Source))));
        foreach (var (text, source) in texts)
        {
            var full = detector.Scan(text, source);
            var hot = detector.TryScan(text, source, out var result);
            Assert.True(full.Flagged == hot, $"'{text}': Scan {full.Flagged}, TryScan {hot}");
            if (hot)
            {
                Assert.Equal(full.Matches.Select(m => (m.EntryId, m.Start, m.Length)), result!.Matches.Select(m => (m.EntryId, m.Start, m.Length)));
            }
        }
    }
}
