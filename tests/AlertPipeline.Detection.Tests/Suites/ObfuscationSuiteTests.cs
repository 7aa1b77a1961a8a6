using System.Globalization;
using Xunit.Abstractions;

namespace AlertPipeline.Detection.Tests.Suites;

/// <summary>
/// Obfuscation property suite: every phrase of <c>concerning.csv</c> and every plain phrase of
/// <c>obfuscation.csv</c>, put through every disguise in <see cref="Disguises"/> with a fixed seed, must be
/// flagged in the phrase's expected category at least 95 % of the time (issue 3's target). The rows of
/// <c>obfuscation.csv</c> as written are held to the same bar.
/// </summary>
public sealed class ObfuscationSuiteTests(ITestOutputHelper output)
{
    private const double Target = 0.95;

    [Fact]
    public void ObfuscationCsv_RowsAsWritten_AtLeast95PercentFlaggedInExpectedCategory()
    {
        var rows = SuiteRow.Load("obfuscation");
        var misses = rows.Where(r => !SuiteRunner.FlagsCategory(r.Text, r.Source, r.Category!)).ToList();
        Report(rows.Count, misses.Select(r => $"{r}: {SuiteRunner.Describe(SuiteRunner.Scan(r.Text, r.Source))}"));
        Assert.True(Rate(rows.Count, misses.Count) >= Target, $"{misses.Count} of {rows.Count} missed");
    }

    [Fact]
    public void Disguises_OfEveryPhrase_AtLeast95PercentFlaggedInExpectedCategory()
    {
        var random = new Random(20240603);
        var phrases = SuiteRow.Load("concerning")
            .Concat(SuiteRow.Load("obfuscation").Select(r => r with { Text = r.Plain }))
            .DistinctBy(r => (r.Plain, r.Source))
            .ToList();
        var total = 0;
        var misses = new List<string>();
        var perDisguise = new Dictionary<string, (int Total, int Missed)>(StringComparer.Ordinal);
        foreach (var row in phrases)
        {
            foreach (var (name, text, source) in Disguises.Of(row.Text, row.Source, random))
            {
                total++;
                var hit = SuiteRunner.FlagsCategory(text, source, row.Category!);
                var (t, m) = perDisguise.GetValueOrDefault(name);
                perDisguise[name] = (t + 1, m + (hit ? 0 : 1));
                if (!hit)
                {
                    misses.Add($"{name,-18} {row.Category,-26} {source.ToName(),-6} '{text}' → {SuiteRunner.Describe(SuiteRunner.Scan(text, source))}");
                }
            }
        }

        foreach (var (name, (t, m)) in perDisguise.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-18} {100.0 * (t - m) / t,6:F1} % of {t}"));
        }

        Report(total, misses);
        Assert.True(Rate(total, misses.Count) >= Target, $"{misses.Count} of {total} disguised phrases missed");
    }

    private static double Rate(int total, int missed) => (double)(total - missed) / total;

    private void Report(int total, IEnumerable<string> misses)
    {
        var list = misses.ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"flagged {total - list.Count} of {total} ({100.0 * Rate(total, list.Count):F1} %)"));
        foreach (var miss in list)
        {
            output.WriteLine("MISS " + miss);
        }
    }
}
